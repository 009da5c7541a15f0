import type { CeilingOrderShape, CeilingShipmentShape } from './workflows';
import type { OrderShape } from '../lib/orders';

export const CEILING_QUEUE = 'bench-ceiling';

/**
 * What one Colis order does in Temporal, counted from the histories of real orders at
 * COLIS_TIME_SCALE=1e6 (bench/probe-history.ts): per order 8 activities, 1 or 3 child workflows,
 * one signal to the parent per shipment stage, 13 or 30 upserts; per shipment 14–15 activities
 * (3 quotes in parallel), a timer (pick slot), 2–5 tracking signals from outside, 8 upserts.
 */
const shipment = (activitiesAfterLabel: number, trackingSignals: number, signalsToParent: number): CeilingShipmentShape => ({
  activitiesBeforeQuotes: 4,
  parallelQuotes: 3,
  trackingSignals,
  activitiesAfterLabel,
  signalsToParent,
  upserts: 8,
  timers: 1,
});

export const CEILING_SHAPES: Record<OrderShape, CeilingOrderShape> = {
  single: { activitiesBeforeChildren: 6, activitiesAfterChildren: 2, upserts: 13, shipments: [shipment(6, 2, 8)] },
  split5: {
    activitiesBeforeChildren: 6,
    activitiesAfterChildren: 2,
    upserts: 30,
    shipments: [shipment(7, 4, 9), shipment(7, 3, 8), shipment(6, 2, 8)],
  },
};
