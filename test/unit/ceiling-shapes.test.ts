import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { historyCost } from '../../bench/lib/actions';
import { deriveShapes, savedRun } from '../../bench/ceiling/derive-shapes';
import { ceilingActions, ceilingShape, ceilingShapeCount } from '../../bench/ceiling/shapes';

/**
 * The throughput bench's ceiling must do the Temporal work of the orders it is compared with: the
 * shape derived from a history spends exactly the billable actions the cost bench counts in it.
 * (Its ratio meant nothing for a week while hand-copied shapes did twice today's work.)
 */
const HISTORIES = new URL('../workflows/histories/v3/', import.meta.url);
const read = (file: string) => JSON.parse(readFileSync(new URL(file, HISTORIES), 'utf8')) as unknown;

function journey(name: string, shipments: number) {
  const files = [`${name}.order.json`, ...Array.from({ length: shipments }, (_, i) => `${name}.shipment-${i + 1}.json`)];
  const runs = files.map((file) => savedRun(name, file, read(file)));
  // Children name their parent by its workflow id: give the order's file that id.
  const orderId = runs[1]?.parentWorkflowId ?? '';
  runs[0] = { ...runs[0]!, workflowId: orderId };
  return runs;
}

describe('ceiling shapes derived from histories', () => {
  for (const [name, shipments] of [
    ['happy-path', 1],
    ['split', 2],
  ] as const) {
    it(`${name}: the derived shape spends the recorded order's billable actions`, () => {
      const runs = journey(name, shipments);
      const shapes = deriveShapes(runs)[name] ?? [];
      expect(shapes).toHaveLength(1);
      expect(shapes[0]!.shipments).toHaveLength(shipments);
      const recorded = historyCost(runs.map((r) => ({ workflowId: r.workflowId, runId: r.workflowId, history: { events: r.events } })));
      expect(ceilingActions(shapes[0]!)).toBe(recorded.totalActions);
    });
  }
});

describe('the recorded shapes the throughput bench runs', () => {
  it('hold at least one shape of each order shape, each with its children', () => {
    for (const shape of ['single', 'split5'] as const) {
      expect(ceilingShapeCount(shape)).toBeGreaterThan(0);
      expect(ceilingShape(shape, 0).shipments.length).toBe(shape === 'single' ? 1 : 3);
    }
  });
});
