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
