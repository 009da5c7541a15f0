import type { Db } from '../../activities/db';
import { Prisma } from '../../prisma/generated/client';
import {
  HINDSIGHT_KNOWN,
  HINDSIGHT_UNKNOWN,
  type LateShipmentFacts,
  PROMISE_DIMENSIONS,
  type PromiseDimension,
  type PromiseGroup,
  type PromiseKeeping,
  slackConsumer,
  slackSummary,
} from '../../domain/promise-keeping';

/**
 * Promise keeping over a window, read from PostgreSQL: the one computation behind the process chart's
 * promise panel and the fulfilment report's `promise` section (so their figures agree by construction).
 *
 * Orders count when their last parcel is delivered inside the window (cancelled shipments aside);
 * breakdowns count shipments delivered inside the window. The intake promise is Order.originalPromisedBy
 * (orders from before it was stored: promisedBy). Durations in the database are wall-clock: × timeScale
 * gives business hours.
 */

interface OrderRow {
  orders: number;
  on_time: number;
  p50_ms: number | null;
  p90_ms: number | null;
  cost: number | null;
  hindsight_orders: number;
  hindsight_cost: number | null;
  hindsight_cost_sum: number | null;
  own_cost_sum: number | null;
  hindsight_p50_ms: number | null;
}

interface GroupRow {
  dimension: PromiseDimension;
  key: string;
  delivered: number;
  on_time: number;
  p50_ms: number | null;
  p90_ms: number | null;
  cost: number | null;
  hindsight_orders: number;
  own_cost_sum: number | null;
  hindsight_cost_sum: number | null;
}

interface LateRow {
  order_id: string;
  placed_at: Date;
  promised: Date;
  planned_ship_by: string | null;
  packing_minutes: number;
  pick_started: Date | null;
  ready_at: Date | null;
  handed_over: Date | null;
  delivered_at: Date;
  replaces_lost: boolean;
}

const HOUR_MS = 3_600_000;

export async function computePromiseKeeping(db: Db, from: Date, to: Date, timeScale: number): Promise<PromiseKeeping> {
  const [orderRows, groupRows, lateRows] = await Promise.all([
    readOrderFigures(db, from, to),
    readGroupFigures(db, from, to),
    readLateOrders(db, from, to),
  ]);
  const by = promiseGroups(groupRows, timeScale);
  const verdicts = lateRows.map((row) => slackConsumer(lateFacts(row, timeScale)));
  return { ...orderFigures(orderRows[0], timeScale), by, late: slackSummary(verdicts, timeScale) };
}

/** The orders whose last parcel was delivered in the window: on time, tightness and cost, with hindsight where known. */
function readOrderFigures(db: Db, from: Date, to: Date) {
  return db.$queryRaw<OrderRow[]>`
      WITH ${ordersDeliveredIn(from, to)}
      SELECT count(*)::int AS orders,
             (count(*) FILTER (WHERE od.delivered <= od.promised))::int AS on_time,
             (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (od.promised - od.delivered)) * 1000))::float8 AS p50_ms,
             (percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (od.promised - od.delivered)) * 1000))::float8 AS p90_ms,
             avg(od.cost)::float8 AS cost,
             count(hs."orderId")::int AS hindsight_orders,
             avg(hs."costCents")::float8 AS hindsight_cost,
             sum(hs."costCents")::float8 AS hindsight_cost_sum,
             (sum(od.cost) FILTER (WHERE hs."orderId" IS NOT NULL))::float8 AS own_cost_sum,
             (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (od.promised - hs."earliestDeliveryAt")) * 1000))::float8 AS hindsight_p50_ms
      FROM od LEFT JOIN "OrderHindsight" hs ON hs."orderId" = od.id`;
}

/**
 * `od`: the orders whose last parcel was delivered in the window, each with its intake promise, when its last parcel
 * arrived and what its parcels cost. Read from the window's deliveries outwards, each order and its parcels by key: a
 * join the planner may make by hash read every order in history (an order count that grows with every month kept).
 */
function ordersDeliveredIn(from: Date, to: Date): Prisma.Sql {
  return Prisma.sql`
      touched AS (SELECT DISTINCT d."orderId" FROM "Shipment" d WHERE d."deliveredAt" >= ${from} AND d."deliveredAt" < ${to}),
      od AS (
        SELECT o.id, o."createdAt", o.promise, o.promised, parcels.delivered, parcels.cost
        FROM touched t
        CROSS JOIN LATERAL (
          SELECT o.id, o."createdAt", o.promise, coalesce(o."originalPromisedBy", o."promisedBy") AS promised
          FROM "Order" o WHERE o.id = t."orderId" LIMIT 1
        ) o
        CROSS JOIN LATERAL (
          SELECT max(s."deliveredAt") AS delivered, sum(s."packagingCostCents" + s."shippingCostCents") AS cost,
                 -- A lost parcel is never delivered: its replacement is (the order is counted once everything else arrived).
                 bool_and(s."deliveredAt" IS NOT NULL OR s.status = 'lost') AS complete
          FROM "Shipment" s WHERE s."orderId" = t."orderId" AND s.status NOT IN ('cancelled', 'refunded')
        ) parcels
        WHERE parcels.complete AND parcels.delivered >= ${from} AND parcels.delivered < ${to}
      )`;
}

/** The shipments delivered in the window, grouped by carrier, service, warehouse and lane. */
function readGroupFigures(db: Db, from: Date, to: Date) {
  return db.$queryRaw<GroupRow[]>`
      WITH sh AS (
        SELECT s."orderId", s."deliveredAt" AS delivered, o.promised,
               s."packagingCostCents" + s."shippingCostCents" AS cost,
               coalesce(s."carrierCode", '–') AS carrier,
               coalesce(s."carrierCode", '–') || ' ' || coalesce(s."serviceCode", '–') AS service,
               s."warehouseCode" AS warehouse,
               w."countryCode" || '→' || o."countryCode" AS lane
        FROM "Shipment" s
        JOIN "Warehouse" w ON w.code = s."warehouseCode"
        -- Each parcel's order and address by key (see ordersDeliveredIn).
        CROSS JOIN LATERAL (
          SELECT coalesce(o."originalPromisedBy", o."promisedBy") AS promised, a."countryCode"
          FROM "Order" o JOIN "Address" a ON a.id = o."shippingAddressId" WHERE o.id = s."orderId" LIMIT 1
        ) o
        WHERE s."deliveredAt" >= ${from} AND s."deliveredAt" < ${to}
      ),
      keyed AS (
        SELECT 'carrier' AS dimension, carrier AS key, sh.* FROM sh
        UNION ALL SELECT 'service', service, sh.* FROM sh
        UNION ALL SELECT 'warehouse', warehouse, sh.* FROM sh
        UNION ALL SELECT 'lane', lane, sh.* FROM sh
      ),
      per_shipment AS (
        SELECT dimension, key, count(*)::int AS delivered,
               (count(*) FILTER (WHERE delivered <= promised))::int AS on_time,
               (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (promised - delivered)) * 1000))::float8 AS p50_ms,
               (percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (promised - delivered)) * 1000))::float8 AS p90_ms,
               avg(cost)::float8 AS cost
        FROM keyed GROUP BY dimension, key
      ),
      order_cost AS (
        SELECT t."orderId", parcels.cost FROM (SELECT DISTINCT "orderId" FROM sh) t
        CROSS JOIN LATERAL (
          SELECT sum(s."packagingCostCents" + s."shippingCostCents") AS cost FROM "Shipment" s
          WHERE s."orderId" = t."orderId" AND s.status NOT IN ('cancelled', 'refunded')
        ) parcels
        WHERE parcels.cost IS NOT NULL
      ),
      -- An order with a shipment in a group counts there once, with its whole cost (hindsight is per order).
      per_order AS (
        SELECT k.dimension, k.key, count(*)::int AS hindsight_orders,
               sum(oc.cost)::float8 AS own_cost_sum, sum(hs."costCents")::float8 AS hindsight_cost_sum
        FROM (SELECT DISTINCT dimension, key, "orderId" FROM keyed) k
        JOIN "OrderHindsight" hs ON hs."orderId" = k."orderId"
        JOIN order_cost oc ON oc."orderId" = k."orderId"
        GROUP BY k.dimension, k.key
      )
      SELECT p.*, coalesce(h.hindsight_orders, 0)::int AS hindsight_orders, h.own_cost_sum, h.hindsight_cost_sum
      FROM per_shipment p LEFT JOIN per_order h ON h.dimension = p.dimension AND h.key = p.key
      ORDER BY p.dimension, p.delivered DESC, p.key`;
}

/** Each late order through its last-delivered shipment: the instants its plan and its stage visits give. */
function readLateOrders(db: Db, from: Date, to: Date) {
  return db.$queryRaw<LateRow[]>`
      WITH ${ordersDeliveredIn(from, to)}
      SELECT DISTINCT ON (od.id)
             od.id AS order_id, od."createdAt" AS placed_at, od.promised,
             coalesce(
               (SELECT p->>'shipBy' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(od.promise->'shipments') = 'array'
                  THEN od.promise->'shipments' ELSE '[]'::jsonb END) p
                WHERE p->>'warehouseCode' = s."warehouseCode" LIMIT 1),
               od.promise->>'shipBy') AS planned_ship_by,
             w."packingMinutes" AS packing_minutes,
             (SELECT min(t."startedAt") FROM "StageTiming" t
              WHERE t."orderId" = od.id AND t."shipmentId" = s.id AND t.stage = 'picking') AS pick_started,
             lc."startedAt" AS ready_at,
             coalesce(lc."endedAt", s."shippedAt") AS handed_over,
             s."deliveredAt" AS delivered_at,
             s."replacesShipmentId" IS NOT NULL AS replaces_lost
      FROM od
      JOIN "Shipment" s ON s."orderId" = od.id AND s."deliveredAt" = od.delivered
      JOIN "Warehouse" w ON w.code = s."warehouseCode"
      LEFT JOIN LATERAL (
        SELECT t."startedAt", t."endedAt" FROM "StageTiming" t
        -- By the order first: StageTiming is indexed by order, not by shipment.
        WHERE t."orderId" = od.id AND t."shipmentId" = s.id AND t.stage = 'label_created' ORDER BY t."startedAt" DESC LIMIT 1
      ) lc ON true
      WHERE od.delivered > od.promised
      ORDER BY od.id, s.id`;
}

const hours = (ms: number | null, timeScale: number) => (ms === null ? null : Math.round(((ms * timeScale) / HOUR_MS) * 10) / 10);
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? null : Math.round((a / b) * 1000) / 1000);
const cents = (x: number | null) => (x === null ? null : Math.round(x));

function orderFigures(o: OrderRow | undefined, timeScale: number): Omit<PromiseKeeping, 'by' | 'late'> {
  const orders = o?.orders ?? 0;
  const hindsightOrders = o?.hindsight_orders ?? 0;
  return {
    ordersDelivered: orders,
    onTime: o?.on_time ?? 0,
    onTimeRate: orders > 0 ? (o?.on_time ?? 0) / orders : null,
    tightnessP50Hours: hours(o?.p50_ms ?? null, timeScale),
    tightnessP90Hours: hours(o?.p90_ms ?? null, timeScale),
    costPerOrderCents: cents(o?.cost ?? null),
    hindsight: {
      orders: hindsightOrders,
      costPerOrderCents: hindsightOrders > 0 ? cents(o?.hindsight_cost ?? null) : null,
      costVsHindsight: ratio(o?.own_cost_sum ?? null, o?.hindsight_cost_sum ?? null),
      tightnessP50Hours: hours(o?.hindsight_p50_ms ?? null, timeScale),
      note:
        hindsightOrders === 0
          ? HINDSIGHT_UNKNOWN
          : hindsightOrders < orders
            ? `Known for ${hindsightOrders} of ${orders} delivered orders; costVsHindsight is over those. ${HINDSIGHT_KNOWN}`
            : HINDSIGHT_KNOWN,
    },
  };
}

function promiseGroups(groupRows: readonly GroupRow[], timeScale: number): Record<PromiseDimension, PromiseGroup[]> {
  const by = Object.fromEntries(PROMISE_DIMENSIONS.map((d) => [d, [] as PromiseGroup[]])) as Record<PromiseDimension, PromiseGroup[]>;
  for (const row of groupRows) {
    by[row.dimension]?.push({
      key: row.key,
      shipmentsDelivered: row.delivered,
      onTime: row.on_time,
      onTimeRate: row.delivered > 0 ? row.on_time / row.delivered : null,
      tightnessP50Hours: hours(row.p50_ms, timeScale),
      tightnessP90Hours: hours(row.p90_ms, timeScale),
      averageCostCents: cents(row.cost),
      hindsightOrders: row.hindsight_orders,
      costVsHindsight: ratio(row.own_cost_sum, row.hindsight_cost_sum),
    });
  }
  return by;
}

/** The plan's packing allowance is business time; the instants are wall-clock. */
function lateFacts(row: LateRow, timeScale: number): LateShipmentFacts {
  const shipBy = row.planned_ship_by === null ? Number.NaN : Date.parse(row.planned_ship_by);
  return {
    orderId: row.order_id,
    orderPlacedMs: row.placed_at.getTime(),
    promisedByMs: row.promised.getTime(),
    plannedShipByMs: Number.isFinite(shipBy) ? shipBy : null,
    packingMs: (row.packing_minutes * 60_000) / timeScale,
    pickStartedMs: row.pick_started?.getTime() ?? null,
    readyForCarrierMs: row.ready_at?.getTime() ?? null,
    handedOverMs: row.handed_over?.getTime() ?? null,
    deliveredMs: row.delivered_at.getTime(),
    replacesLostParcel: row.replaces_lost,
  };
}
