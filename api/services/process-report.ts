import { z } from 'zod';
import type { Db } from '../../activities/db';
import { ORDER_STATUS_CHART_NODE } from '../../domain/lifecycle';
import { checkWindowEdges, PROCESS_NODES, WindowEdgeSchema } from '../../domain/process';
import { PromiseKeepingSchema } from '../../domain/promise-keeping';
import { carrierSpend } from './carrier-spend';
import { computePromiseKeeping } from './promise-keeping';

/**
 * The on-time and cost report over a window: every figure aggregated in PostgreSQL.
 * Shipments count in the window by their carrier's first scan (shippedAt) or delivery scan
 * (deliveredAt); orders by completion; stage lead times by the visit's end, in business time.
 * Every figure the process chart also shows is computed the same way, so the two agree: stage visits
 * and their times (machine stages in real time, as the chart counts them), orders waiting for stock
 * now, box spend, and carrier spend and savings over the labels bought in the window (carrier-spend.ts).
 */

export const FulfilmentReportQuerySchema = z
  .object({ from: WindowEdgeSchema.optional(), to: WindowEdgeSchema.optional() })
  .superRefine(checkWindowEdges);

export const FulfilmentReportSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }),
    timeScale: z.number(),
    currency: z.string(),
    ordersShipped: z.number().int(),
    shipmentsShipped: z.number().int(),
    ordersCompleted: z.number().int(),
    /** Orders waiting for stock now, and backorder waits that ended in the window (the chart's backorder box). */
    backorders: z.object({ waitingNow: z.number().int(), waitsEnded: z.number().int() }),
    delivery: z.object({
      shipmentsDelivered: z.number().int(),
      onTime: z.number().int(),
      /** Delivered by the promise in force (re-promises included), over shipments delivered in the window; null without any.
       *  Against the promise given at intake: `promise.onTimeRate`. */
      onTimeRate: z.number().nullable(),
      /** Booked knowing no service could keep the promise (the fastest was taken). */
      bookedAsPromiseMiss: z.number().int(),
    }),
    /** Order received → completed, business milliseconds. */
    orderLeadTimeMs: z.object({ average: z.number().nullable(), median: z.number().nullable(), p95: z.number().nullable() }),
    stageLeadTimes: z.array(z.object({ stage: z.string(), visits: z.number().int(), averageMs: z.number(), medianMs: z.number() })),
    costPerOrder: z.object({
      orders: z.number().int(),
      averagePackagingCents: z.number().nullable(),
      averageCarrierCents: z.number().nullable(),
      averageTotalCents: z.number().nullable(),
      totalCents: z.number().int(),
    }),
    savings: z.object({
      carrierChoice: z.object({
        /** Labels bought in the window (purchased, not voided), and their shipments. */
        labels: z.number().int(),
        shipments: z.number().int(),
        /** What those labels cost. */
        spendCents: z.number().int(),
        /** Σ over those labels of (what the fastest service would have cost − what was paid). */
        savedCents: z.number().int(),
      }),
      /** Σ (booked − what the carriers' own estimates would have booked): what was paid for the learned late risk. */
      riskPremium: z.object({ shipments: z.number().int(), paidCents: z.number().int() }),
      boxChoice: z.object({ computed: z.boolean(), packagingSpendCents: z.number().int(), note: z.string() }),
    }),
    /** Against the promise given at intake, by carrier, service, warehouse and lane; the process chart shows the same. */
    promise: PromiseKeepingSchema,
  })
  .meta({ id: 'FulfilmentReport' });
export type FulfilmentReport = z.infer<typeof FulfilmentReportSchema>;

const BOX_NOTE =
  'No honest baseline is stored: the cartonizer keeps only the boxes it chose, not what a naive packing would have ' +
  'been billed, so box-choice savings are not computed. packagingSpendCents is what the chosen boxes cost.';

export async function computeFulfilmentReport(db: Db, from: Date, to: Date, timeScale: number): Promise<FulfilmentReport> {
  const waitingStatuses = Object.entries(ORDER_STATUS_CHART_NODE)
    .filter(([, node]) => node === 'backordered')
    .map(([status]) => status);
  const [shipped, delivery, orders, stages, carrier, packaging, waiting, premium, promise] = await Promise.all([
    db.$queryRaw<{ orders: number; shipments: number }[]>`
      SELECT count(DISTINCT "orderId")::int AS orders, count(*)::int AS shipments
      FROM "Shipment" WHERE "shippedAt" >= ${from} AND "shippedAt" < ${to}`,
    db.$queryRaw<{ delivered: number; on_time: number; promise_miss: number }[]>`
      SELECT count(*)::int AS delivered,
             (count(*) FILTER (WHERE "deliveredAt" <= "promisedBy"))::int AS on_time,
             (count(*) FILTER (WHERE "promiseMiss"))::int AS promise_miss
      FROM "Shipment" WHERE "deliveredAt" >= ${from} AND "deliveredAt" < ${to}`,
    db.$queryRaw<
      {
        n: number;
        avg_ms: number | null;
        median_ms: number | null;
        p95_ms: number | null;
        packaging: number | null;
        carrier: number | null;
        total: number;
      }[]
    >`
      SELECT count(*)::int AS n,
             avg(EXTRACT(EPOCH FROM ("completedAt" - "createdAt")) * 1000)::float8 AS avg_ms,
             (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("completedAt" - "createdAt")) * 1000))::float8 AS median_ms,
             (percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("completedAt" - "createdAt")) * 1000))::float8 AS p95_ms,
             avg("packagingCostCents")::float8 AS packaging,
             avg("shippingCostCents")::float8 AS carrier,
             coalesce(sum("packagingCostCents" + "shippingCostCents"), 0)::int AS total
      FROM "Order" WHERE status = 'completed' AND "completedAt" >= ${from} AND "completedAt" < ${to}`,
    db.$queryRaw<{ stage: string; visits: number; avg_ms: number; median_ms: number }[]>`
      SELECT stage, count(*)::int AS visits,
             avg(EXTRACT(EPOCH FROM ("endedAt" - "startedAt")) * 1000)::float8 AS avg_ms,
             (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("endedAt" - "startedAt")) * 1000))::float8 AS median_ms
      FROM "StageTiming" WHERE "endedAt" >= ${from} AND "endedAt" < ${to}
      GROUP BY stage ORDER BY min("startedAt"), stage`,
    carrierSpend(db, from, to),
    db.$queryRaw<{ spend: number }[]>`
      SELECT coalesce(sum("packagingCostCents"), 0)::int AS spend FROM "Shipment" WHERE "packedAt" >= ${from} AND "packedAt" < ${to}`,
    db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Order" WHERE status = ANY(${waitingStatuses}::"OrderStatus"[])`,
    db.$queryRaw<{ shipments: number; paid: number }[]>`
      SELECT (count(*) FILTER (WHERE "riskPremiumCents" > 0))::int AS shipments, coalesce(sum("riskPremiumCents"), 0)::int AS paid
      FROM "Shipment" WHERE "shippedAt" >= ${from} AND "shippedAt" < ${to}`,
    computePromiseKeeping(db, from, to, timeScale),
  ]);
  // Machine stages are measured in real time, whatever the demo clock (as the chart does: domain/process.ts).
  const machine = new Set(PROCESS_NODES.filter((node) => node.machine).map((node) => node.id));
  const stageTime = (stage: string, ms: number | null) => (machine.has(stage) ? (ms === null ? null : Math.round(ms)) : business(ms));
  const business = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : Math.round(ms * timeScale));
  const d = delivery[0] ?? { delivered: 0, on_time: 0, promise_miss: 0 };
  const o = orders[0] ?? { n: 0, avg_ms: null, median_ms: null, p95_ms: null, packaging: null, carrier: null, total: 0 };
  const round = (x: number | null) => (x === null ? null : Math.round(x));
  return {
    window: { from: from.toISOString(), to: to.toISOString() },
    timeScale,
    currency: 'EUR',
    ordersShipped: shipped[0]?.orders ?? 0,
    shipmentsShipped: shipped[0]?.shipments ?? 0,
    ordersCompleted: o.n,
    backorders: { waitingNow: waiting[0]?.n ?? 0, waitsEnded: stages.find((s) => s.stage === 'backordered')?.visits ?? 0 },
    delivery: {
      shipmentsDelivered: d.delivered,
      onTime: d.on_time,
      onTimeRate: d.delivered > 0 ? d.on_time / d.delivered : null,
      bookedAsPromiseMiss: d.promise_miss,
    },
    orderLeadTimeMs: { average: business(o.avg_ms), median: business(o.median_ms), p95: business(o.p95_ms) },
    stageLeadTimes: stages.map((s) => ({
      stage: s.stage,
      visits: s.visits,
      averageMs: stageTime(s.stage, s.avg_ms) ?? 0,
      medianMs: stageTime(s.stage, s.median_ms) ?? 0,
    })),
    costPerOrder: {
      orders: o.n,
      averagePackagingCents: round(o.packaging),
      averageCarrierCents: round(o.carrier),
      averageTotalCents: o.packaging === null || o.carrier === null ? null : Math.round(o.packaging + o.carrier),
      totalCents: o.total,
    },
    savings: {
      carrierChoice: {
        labels: carrier.labels,
        shipments: carrier.shipments,
        spendCents: carrier.spendCents,
        savedCents: carrier.savedCents,
      },
      riskPremium: { shipments: premium[0]?.shipments ?? 0, paidCents: premium[0]?.paid ?? 0 },
      boxChoice: { computed: false, packagingSpendCents: packaging[0]?.spend ?? 0, note: BOX_NOTE },
    },
    promise,
  };
}
