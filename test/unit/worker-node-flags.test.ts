import { describe, expect, it } from 'vitest';
import { runsWithWorkerFlags, WORKER_NODE_FLAGS } from '../../worker/node-flags';

describe("a worker's Node flags", () => {
  it('are found on the command line or in NODE_OPTIONS, whatever value an operator chose', () => {
    expect(runsWithWorkerFlags([...WORKER_NODE_FLAGS])).toBe(true);
    expect(runsWithWorkerFlags(['--max-semi-space-size=4'])).toBe(true);
    expect(runsWithWorkerFlags([], '--enable-source-maps --max-semi-space-size=1')).toBe(true);
  });

  it('are missing from a plain start', () => {
    expect(runsWithWorkerFlags([])).toBe(false);
    expect(runsWithWorkerFlags(['--import', 'tsx'], '--max-old-space-size=2048')).toBe(false);
  });
});
