import type { OrderShape } from '../lib/orders';
import { RECORDED_SHAPES } from './recorded-shapes';
import type { CeilingOrderShape } from './workflows';

export const CEILING_QUEUE = 'bench-ceiling';

/**
 * What Colis orders do in Temporal, one shape per recorded order (recorded-shapes.ts, written by
 * derive-shapes.ts from the cost bench's saved histories: regenerate it whenever the workflows'
 * commands change). The n-th ceiling order of a shape takes the n-th recorded one, round the list,
 * so a run's mean work is the recorded orders' mean.
 */
export function ceilingShape(shape: OrderShape, n: number): CeilingOrderShape {
  const recorded = RECORDED_SHAPES[shape];
  const picked = recorded[n % recorded.length];
  if (!picked) throw new Error(`no recorded ${shape} shape: run bench/ceiling/derive-shapes.ts`);
  return picked;
}

export const ceilingShapeCount = (shape: OrderShape): number => RECORDED_SHAPES[shape].length;

/** The billable actions one ceiling order spends, counted as bench/lib/actions.ts counts them in a history. */
export function ceilingActions(order: CeilingOrderShape): number {
  const shipments = order.shipments.reduce(
    (n, s) =>
      n +
      s.timers +
      s.activitiesBeforeScans +
      s.activitiesAfterScans +
      s.trackingSignals +
      s.localActivityTasks +
      s.signalsToParent +
      s.upserts,
    0,
  );
  // The start, 2 per child (start + run), and the order's own work.
  return 1 + 2 * order.shipments.length + order.timers + order.activities + order.localActivityTasks + order.upserts + shipments;
}
