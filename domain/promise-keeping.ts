import { z } from 'zod';

/**
 * Whether the promise given at intake was kept, how tight it was, what keeping it cost against hindsight,
 * and, for the orders that arrived late, which stage of their journey ate the slack the promise engine
 * had planned. Pure: the figures are read from the database in api/services/promise-keeping.ts, and the
 * process chart and the fulfilment report both show that one computation.
 */

/**
 * The journey as the promise engine plans it, cut where its plan has a date: the order waits (reservation,
 * backorder, pick-slot queue) until its pick slot opens at `shipBy − packing`; pick and pack end by `shipBy`
 * (rate shopping and booking included); the carrier collects the parcel at `shipBy`; transit ends by the
 * promised date.
 */
const TIMED_STAGES = ['pick_wait', 'pick_pack', 'hand_over', 'transit'] as const;
/**
 * The timed stages, then `lost_parcel`: the order's last parcel replaces one its carrier lost (stalled, broken),
 * so the lost one's journey, the wait to call it lost and the replacement's whole journey ate the slack — no
 * stage of the replacement's own plan can be judged against a plan it was never part of.
 */
export const SLACK_STAGES = [...TIMED_STAGES, 'lost_parcel'] as const;
export type SlackStage = (typeof SLACK_STAGES)[number];

export const SLACK_STAGE_LABELS: Readonly<Record<SlackStage, string>> = {
  pick_wait: 'Reserve / pick-slot wait',
  pick_pack: 'Pick & pack',
  hand_over: 'Hand-over',
  transit: 'Transit',
  lost_parcel: 'Lost parcel, re-shipped',
};

/** Instants (epoch ms, wall clock) of a late order's last-delivered shipment, as planned and as it went. */
export interface LateShipmentFacts {
  orderId: string;
  orderPlacedMs: number;
  /** The intake promise. */
  promisedByMs: number;
  /** The plan's `shipBy` for this shipment's warehouse; null when the order has no stored plan. */
  plannedShipByMs: number | null;
  /** The warehouse's pick-and-pack allowance the plan counted before `shipBy`. */
  packingMs: number;
  /** First pick of the shipment (StageTiming `picking`). */
  pickStartedMs: number | null;
  /** Labelled and waiting for the carrier (the last `label_created` visit began). */
  readyForCarrierMs: number | null;
  /** The carrier's first scan (that visit ended, else Shipment.shippedAt). */
  handedOverMs: number | null;
  deliveredMs: number;
  /** The last-delivered shipment replaces a parcel the carrier lost. */
  replacesLostParcel?: boolean;
}

export interface SlackVerdict {
  /** The stage whose actual duration most exceeded its planned one; null when no stage can be measured. */
  stage: SlackStage | null;
  /** How much longer than planned that stage took, wall-clock ms. */
  overrunMs: number | null;
}

/**
 * Which stage consumed the slack of a late order: each stage's actual duration minus the duration the plan
 * gave it, the largest wins. A stage whose start or end was not recorded is not judged (a shipment of the
 * first workflows has no pick row); an order with no stored plan cannot be judged at all.
 */
export function slackConsumer(facts: LateShipmentFacts): SlackVerdict {
  if (facts.replacesLostParcel) return { stage: 'lost_parcel', overrunMs: facts.deliveredMs - facts.promisedByMs };
  if (facts.plannedShipByMs === null) return { stage: null, overrunMs: null };
  const pickSlotMs = facts.plannedShipByMs - facts.packingMs;
  const planned = [facts.orderPlacedMs, pickSlotMs, facts.plannedShipByMs, facts.plannedShipByMs, facts.promisedByMs];
  const actual = [facts.orderPlacedMs, facts.pickStartedMs, facts.readyForCarrierMs, facts.handedOverMs, facts.deliveredMs];
  let best: SlackVerdict = { stage: null, overrunMs: null };
  TIMED_STAGES.forEach((stage, i) => {
    const start = actual[i];
    const end = actual[i + 1];
    const planStart = planned[i];
    const planEnd = planned[i + 1];
    if (start === null || start === undefined || end === null || end === undefined) return;
    if (planStart === undefined || planEnd === undefined) return;
    const overrunMs = end - start - (planEnd - planStart);
    if (best.overrunMs === null || overrunMs > best.overrunMs) best = { stage, overrunMs };
  });
  return best;
}

export const PROMISE_DIMENSIONS = ['carrier', 'service', 'warehouse', 'lane'] as const;
export type PromiseDimension = (typeof PROMISE_DIMENSIONS)[number];

const Hours = z.number().nullable();

export const PromiseGroupSchema = z.object({
  /** carrier code; `carrier service`; warehouse code; `FR→DE` (warehouse country → destination country). */
  key: z.string(),
  /** Shipments delivered in the window. */
  shipmentsDelivered: z.number().int(),
  /** Of those, delivered by their order's intake promise. */
  onTime: z.number().int(),
  onTimeRate: z.number().nullable(),
  /** Intake promise minus delivery, business hours (negative: late), median and 90th percentile. */
  tightnessP50Hours: Hours,
  tightnessP90Hours: Hours,
  /** Boxes + carrier of those shipments, on average. */
  averageCostCents: z.number().int().nullable(),
  /** Orders with a shipment in this group whose hindsight optimum is known, each with its whole cost. */
  hindsightOrders: z.number().int(),
  costVsHindsight: z.number().nullable(),
});
export type PromiseGroup = z.infer<typeof PromiseGroupSchema>;

export const PromiseKeepingSchema = z
  .object({
    /** Orders whose every shipment (cancelled ones aside) is delivered, the last one inside the window. */
    ordersDelivered: z.number().int(),
    /** Of those, the last parcel delivered by the promise given at intake (re-promises do not move it). */
    onTime: z.number().int(),
    onTimeRate: z.number().nullable(),
    /** Intake promise minus the order's last delivery, business hours: how much room the promise left. */
    tightnessP50Hours: Hours,
    tightnessP90Hours: Hours,
    costPerOrderCents: z.number().int().nullable(),
    hindsight: z.object({
      /** Delivered orders whose cheapest feasible choice (with perfect knowledge) is stored. */
      orders: z.number().int(),
      costPerOrderCents: z.number().int().nullable(),
      /** What those orders cost, over what hindsight says they could have cost. */
      costVsHindsight: z.number().nullable(),
      /** Intake promise minus the earliest delivery any feasible choice could have made (the simulator's tightness), p50. */
      tightnessP50Hours: Hours,
      note: z.string(),
    }),
    /** Per carrier, per carrier service, per warehouse and per lane: shipments delivered in the window. */
    by: z.object({
      carrier: z.array(PromiseGroupSchema),
      service: z.array(PromiseGroupSchema),
      warehouse: z.array(PromiseGroupSchema),
      lane: z.array(PromiseGroupSchema),
    }),
    late: z.object({
      orders: z.number().int(),
      /** Late orders by the stage whose actual duration most exceeded the plan's. */
      slackConsumedBy: z.array(
        z.object({
          stage: z.enum(SLACK_STAGES),
          label: z.string(),
          orders: z.number().int(),
          /** Median of how much longer than planned that stage took, business hours. */
          medianOverrunHours: z.number().nullable(),
        }),
      ),
      /** Late orders with no stored plan or no stage timings to judge them by. */
      unattributed: z.number().int(),
      rule: z.string(),
    }),
  })
  .meta({ id: 'PromiseKeeping' });
export type PromiseKeeping = z.infer<typeof PromiseKeepingSchema>;

export const SLACK_RULE =
  'An order is late when its last parcel arrived after the promise given at intake. Its journey is cut where the ' +
  "intake plan has a date: waiting until the pick slot (shipBy − the warehouse's packing time), pick and pack until " +
  'shipBy, hand-over to the first carrier scan (planned at shipBy), transit to delivery (planned by the promise). ' +
  'The stage whose actual duration most exceeded its planned one consumed the slack; an order whose last parcel ' +
  'replaces one its carrier lost counts under the lost parcel. A lost parcel that was re-shipped does not keep its ' +
  'order out of the figures: the order is delivered when its other parcels and the replacements are.';

export const HINDSIGHT_KNOWN =
  'Hindsight (the cheapest warehouse, boxes and service that would have kept the same promise, with perfect knowledge ' +
  'of transit) is known only for orders a simulation run measured (npm run simulate stores it per order).';
export const HINDSIGHT_UNKNOWN = `Hindsight is not known for any order delivered in this window: cost against hindsight is not shown. ${HINDSIGHT_KNOWN}`;

/** The value at quantile q of ascending values (nearest rank), or null. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? null;
}

/** Late orders counted per stage that consumed their slack, with the median overrun in business hours. */
export function slackSummary(verdicts: readonly SlackVerdict[], timeScale: number): PromiseKeeping['late'] {
  const overruns = new Map<SlackStage, number[]>();
  let unattributed = 0;
  for (const verdict of verdicts) {
    if (verdict.stage === null || verdict.overrunMs === null) {
      unattributed += 1;
      continue;
    }
    overruns.set(verdict.stage, [...(overruns.get(verdict.stage) ?? []), verdict.overrunMs]);
  }
  return {
    orders: verdicts.length,
    slackConsumedBy: SLACK_STAGES.map((stage) => {
      const values = (overruns.get(stage) ?? []).slice().sort((a, b) => a - b);
      const median = quantile(values, 0.5);
      return {
        stage,
        label: SLACK_STAGE_LABELS[stage],
        orders: values.length,
        medianOverrunHours: median === null ? null : Math.round(((median * timeScale) / 3_600_000) * 10) / 10,
      };
    }),
    unattributed,
    rule: SLACK_RULE,
  };
}
