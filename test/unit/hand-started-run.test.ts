import { describe, expect, it } from 'vitest';
import { FAILED_ON_ITS_INPUT } from '../../domain/workflow-input-shapes';
import { FOREIGN_WORKFLOW_ID, MALFORMED_WORKFLOW_INPUT } from '../../workflows/shared/message-guards';

describe('the failures of a run started by hand on an input it cannot take', () => {
  it("are the types the workflows' start guards fail with (the API and the shipment watch read them to name the run to resume)", () => {
    expect([...FAILED_ON_ITS_INPUT].sort()).toEqual([FOREIGN_WORKFLOW_ID, MALFORMED_WORKFLOW_INPUT].sort());
  });
});
