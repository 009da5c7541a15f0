import type { Db } from '../../activities/db';
import { carrierSpend } from './carrier-spend';
import { computePromiseKeeping } from './promise-keeping';
import {
  BOTTLENECK_RULE,
  ORDER_STATUS_STAGE,
  PROCESS_EDGES,
  PROCESS_NODES,
  SHIPMENT_STATUS_STAGE,
  STAGE_IDS,
  pickBottleneck,
  type ProcessChart,
  type ProcessEdge,
  type ProcessNode,
  type ProcessWindow,
} from '../../domain/process';

/**
 * The process chart's figures, computed in PostgreSQL (percentile_cont, window functions) so the
 * answer stays fast on hundreds of thousands of StageTiming rows: only aggregates leave the database.
 *
 * Sources: finished stage visits from StageTiming (the workflows write them with their status changes,
 * so a machine stage still open may not have its row yet); what is in each stage now from Order.status
 * and Shipment.status, which the workflows keep current (domain/lifecycle.ts says which stage writes what); escalations from Escalation;
 * costs from Shipment and Label. Durations in the database are wall-clock: × timeScale gives
 * business time.
 */

interface StageRow {
  stage: string;
  completed: number;
  failed: number;
  median_ms: number | null;
  p95_ms: number | null;
  over_budget_ms: number;
}
interface NowRow {
  stage: string;
  n: number;
  over_budget_ms: number;
}
interface EscalationRow {
  reason: string;
  open_now: number;
  /** Wall-clock time the open cases have waited for a decision, summed. */
  open_ms: number;
  resolved: number;
  median_ms: number | null;
  p95_ms: number | null;
}
interface AttributionRow {
  stage: string | null;
  reason: string;
  n: number;
}
interface EdgeRow {
  stage: string;
  next: string;
  n: number;
}
interface DeliveredRow {
  n: number;
  median_ms: number | null;
  p95_ms: number | null;
}

const HOUR_MS = 3_600_000;

/** Budgets per stage, in wall-clock ms as the rows hold time (budgets are business hours; machine stages run 1×). */
interface Budgets {
  stages: string[];
  realMs: number[];
}

/** Business time is wall-clock × the time scale, except for machine stages (see PROCESS_NODES). */
const scaleOf = (def: { machine?: true }, timeScale: number) => (def.machine ? 1 : timeScale);

export async function computeProcessChart(db: Db, window: ProcessWindow, timeScale: number, now: Date = new Date()): Promise<ProcessChart> {
  const figures = await readFigures(db, window, timeScale, now);
  const nodes = nodesOf(figures, timeScale);
  const bottleneck = pickBottleneck(nodes);
  for (const node of nodes) node.bottleneck = node.id === bottleneck;
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString(), label: window.label },
    generatedAt: now.toISOString(),
    timeScale,
    currency: figures.carrier.currency ?? 'EUR',
    nodes,
    edges: edgesOf(figures.edgeRows, figures.attributionRows),
    bottleneck,
    bottleneckRule: BOTTLENECK_RULE,
    promise: figures.kept,
  };
}

type Figures = Awaited<ReturnType<typeof readFigures>>;

/** Every aggregate the chart is drawn from, read at once. */
async function readFigures(db: Db, { from, to }: ProcessWindow, timeScale: number, now: Date) {
  const budgeted = PROCESS_NODES.filter((n) => n.budgetHours !== undefined);
  const budgets: Budgets = {
    stages: budgeted.map((n) => n.id),
    realMs: budgeted.map((n) => ((n.budgetHours ?? 0) * HOUR_MS) / scaleOf(n, timeScale)),
  };
  const [stageRows, nowRows, escalationRows, attributionRows, edgeRows, deliveredRows, packagingRows, carrier, kept] = await Promise.all([
    stageVisits(db, from, to, budgets),
    inStageNow(db, now, budgets),
    escalationFigures(db, from, to, now),
    escalationStages(db, from, to),
    transitions(db, from, to),
    deliveries(db, from, to),
    db.$queryRaw<{ packaging: number }[]>`
      SELECT coalesce(sum(s."packagingCostCents"), 0)::int AS packaging FROM "Shipment" s WHERE s."packedAt" >= ${from} AND s."packedAt" < ${to}`,
    carrierSpend(db, from, to),
    computePromiseKeeping(db, from, to, timeScale),
  ]);
  return {
    stageBy: new Map(stageRows.map((r) => [r.stage, r])),
    nowBy: new Map(nowRows.map((r) => [r.stage, r])),
    escalationBy: new Map(escalationRows.map((r) => [r.reason, r])),
    attributionRows,
    edgeRows,
    delivered: deliveredRows[0] ?? { n: 0, median_ms: null, p95_ms: null },
    packagingCents: packagingRows[0]?.packaging ?? 0,
    carrier,
    kept,
  };
}

/** Finished stage visits in the window: counts, failures, percentiles, time over budget. */
function stageVisits(db: Db, from: Date, to: Date, budgets: Budgets) {
  return db.$queryRaw<StageRow[]>`
    WITH budget AS (SELECT * FROM unnest(${budgets.stages}::text[], ${budgets.realMs}::float8[]) AS b(stage, ms)),
    v AS (
      SELECT t.stage, t.outcome, EXTRACT(EPOCH FROM (t."endedAt" - t."startedAt")) * 1000 AS ms
      FROM "StageTiming" t
      WHERE t."endedAt" >= ${from} AND t."endedAt" < ${to}
    )
    SELECT v.stage,
           count(*)::int AS completed,
           (count(*) FILTER (WHERE v.outcome IN ('failed', 'cancelled')))::int AS failed,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY v.ms))::float8 AS median_ms,
           (percentile_cont(0.95) WITHIN GROUP (ORDER BY v.ms))::float8 AS p95_ms,
           coalesce(sum(greatest(0, v.ms - budget.ms)), 0)::float8 AS over_budget_ms
    FROM v LEFT JOIN budget ON budget.stage = v.stage
    GROUP BY v.stage`;
}

/** What is in each stage now (order and shipment statuses), and how long past its budget. */
function inStageNow(db: Db, now: Date, budgets: Budgets) {
  const orderStatuses = Object.keys(ORDER_STATUS_STAGE);
  const orderStages = Object.values(ORDER_STATUS_STAGE);
  const shipmentStatuses = Object.keys(SHIPMENT_STATUS_STAGE);
  const shipmentStages = Object.values(SHIPMENT_STATUS_STAGE);
  return db.$queryRaw<NowRow[]>`
    WITH budget AS (SELECT * FROM unnest(${budgets.stages}::text[], ${budgets.realMs}::float8[]) AS b(stage, ms)),
    omap AS (SELECT * FROM unnest(${orderStatuses}::text[], ${orderStages}::text[]) AS m(status, stage)),
    smap AS (SELECT * FROM unnest(${shipmentStatuses}::text[], ${shipmentStages}::text[]) AS m(status, stage)),
    live AS (
      SELECT omap.stage, o."updatedAt" AS since
      FROM "Order" o JOIN omap ON omap.status = o.status::text
      -- The same statuses again, on the column itself: the join on text alone read every order ever placed.
      WHERE o.status = ANY(${orderStatuses}::"OrderStatus"[])
      UNION ALL
      -- Shipments of the first workflows (workflows/v1) read "picking" from their slot booking on; today's
      -- write waiting_for_pick_slot themselves. Remove with v1.
      SELECT CASE WHEN s.status = 'picking' AND s."pickDay" > ${now}::date THEN 'waiting_for_pick_slot' ELSE smap.stage END,
             s."updatedAt"
      FROM "Shipment" s JOIN smap ON smap.status = s.status::text
      WHERE s.status = ANY(${shipmentStatuses}::"ShipmentStatus"[])
    )
    SELECT live.stage, count(*)::int AS n,
           coalesce(sum(greatest(0, EXTRACT(EPOCH FROM (${now}::timestamptz - live.since)) * 1000 - budget.ms)), 0)::float8 AS over_budget_ms
    FROM live LEFT JOIN budget ON budget.stage = live.stage
    GROUP BY live.stage`;
}

/** Escalations per reason: open now (and for how long), resolved in the window and how fast. */
function escalationFigures(db: Db, from: Date, to: Date, now: Date) {
  return db.$queryRaw<EscalationRow[]>`
    SELECT e.reason::text AS reason,
           (count(*) FILTER (WHERE e.status = 'open'))::int AS open_now,
           coalesce(sum(greatest(0, EXTRACT(EPOCH FROM (${now}::timestamptz - e."openedAt")) * 1000)) FILTER (WHERE e.status = 'open'), 0)::float8 AS open_ms,
           (count(*) FILTER (WHERE e."resolvedAt" >= ${from} AND e."resolvedAt" < ${to}))::int AS resolved,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (e."resolvedAt" - e."openedAt")) * 1000)
             FILTER (WHERE e."resolvedAt" >= ${from} AND e."resolvedAt" < ${to}))::float8 AS median_ms,
           (percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (e."resolvedAt" - e."openedAt")) * 1000)
             FILTER (WHERE e."resolvedAt" >= ${from} AND e."resolvedAt" < ${to}))::float8 AS p95_ms
    FROM "Escalation" e
    WHERE e.status = 'open' OR (e."resolvedAt" >= ${from} AND e."resolvedAt" < ${to})
    GROUP BY e.reason`;
}

/**
 * The stage an escalation was opened in: its reason says so for two; else the shipment's stage
 * visit that covers the moment (or, before its row is written, the shipment's status now).
 */
function escalationStages(db: Db, from: Date, to: Date) {
  const shipmentStatuses = Object.keys(SHIPMENT_STATUS_STAGE);
  const shipmentStages = Object.values(SHIPMENT_STATUS_STAGE);
  return db.$queryRaw<AttributionRow[]>`
    WITH smap AS (SELECT * FROM unnest(${shipmentStatuses}::text[], ${shipmentStages}::text[]) AS m(status, stage))
    SELECT coalesce(
             CASE e.reason WHEN 'no_carrier' THEN 'rating' WHEN 'backorder_deadline' THEN 'backordered' END,
             visit.stage, smap.stage) AS stage,
           e.reason::text AS reason, count(*)::int AS n
    FROM "Escalation" e
    LEFT JOIN "Shipment" s ON s.id = e."shipmentId"
    LEFT JOIN smap ON smap.status = s.status::text
    LEFT JOIN LATERAL (
      SELECT t.stage FROM "StageTiming" t
      WHERE t."orderId" = e."orderId" AND t."shipmentId" = e."shipmentId" AND t."startedAt" <= e."openedAt"
      ORDER BY t."startedAt" DESC LIMIT 1
    ) visit ON true
    WHERE e."openedAt" >= ${from} AND e."openedAt" < ${to}
    GROUP BY 1, 2`;
}

/** Transitions: consecutive visits of one order (order stages) or one shipment, the first ending in the window. */
function transitions(db: Db, from: Date, to: Date) {
  return db.$queryRaw<EdgeRow[]>`
    WITH w AS (
      SELECT t.id, t."orderId", t."shipmentId", t.stage, t."startedAt", t."endedAt", t.outcome
      FROM "StageTiming" t
      WHERE (t."startedAt" >= ${from} AND t."startedAt" < ${to}) OR (t."endedAt" >= ${from} AND t."endedAt" < ${to})
    ),
    s AS (
      SELECT w.*, lead(w.stage) OVER (PARTITION BY w."orderId", coalesce(w."shipmentId", '') ORDER BY w."startedAt", w.id) AS next
      FROM w
    )
    SELECT s.stage,
           coalesce(s.next, 'delivered') AS next,
           count(*)::int AS n
    FROM s
    WHERE s."endedAt" >= ${from} AND s."endedAt" < ${to}
      AND (s.next IS NOT NULL OR (s.outcome = 'ok' AND s."shipmentId" IS NOT NULL
           AND EXISTS (SELECT 1 FROM "Shipment" sh WHERE sh.id = s."shipmentId" AND sh.status = 'delivered')))
    GROUP BY 1, 2`;
}

/** Deliveries in the window, and how long after the order each came. */
function deliveries(db: Db, from: Date, to: Date) {
  return db.$queryRaw<DeliveredRow[]>`
    SELECT count(*)::int AS n,
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (s."deliveredAt" - o."createdAt")) * 1000))::float8 AS median_ms,
           (percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (s."deliveredAt" - o."createdAt")) * 1000))::float8 AS p95_ms
    FROM "Shipment" s
    -- Each parcel's order by key: joined by hash, the planner read every order in history for a week's deliveries.
    CROSS JOIN LATERAL (SELECT o."createdAt" FROM "Order" o WHERE o.id = s."orderId" LIMIT 1) o
    WHERE s."deliveredAt" >= ${from} AND s."deliveredAt" < ${to}`;
}

/** One node per stage of PROCESS_NODES, its figures in business time. */
function nodesOf(figures: Figures, timeScale: number): ProcessNode[] {
  const openedIn = new Map<string, number>();
  for (const row of figures.attributionRows) {
    if (row.stage) openedIn.set(row.stage, (openedIn.get(row.stage) ?? 0) + row.n);
  }
  return PROCESS_NODES.map((def) => {
    const base = {
      id: def.id,
      label: def.label,
      kind: def.kind,
      lane: def.lane,
      column: def.column,
      ...(def.budgetHours !== undefined ? { budgetHours: def.budgetHours } : {}),
    };
    if (def.kind === 'escalation') return { ...base, ...escalationNode(figures, def.id.slice('escalation:'.length), timeScale) };
    if (def.kind === 'end') return { ...base, ...endNode(figures.delivered, timeScale) };
    const done = figures.stageBy.get(def.id);
    const live = figures.nowBy.get(def.id);
    const completed = done?.completed ?? 0;
    const inStageNow = live?.n ?? 0;
    const opened = openedIn.get(def.id) ?? 0;
    const visits = completed + inStageNow;
    const overBudgetMs = ((done?.over_budget_ms ?? 0) + (live?.over_budget_ms ?? 0)) * scaleOf(def, timeScale);
    const inBusinessTime = (ms: number | null) => (ms === null ? null : Math.round(ms * scaleOf(def, timeScale)));
    return {
      ...base,
      inStageNow,
      completedInWindow: completed,
      medianMs: inBusinessTime(done?.median_ms ?? null),
      p95Ms: inBusinessTime(done?.p95_ms ?? null),
      failureRate: completed > 0 ? (done?.failed ?? 0) / completed : null,
      escalationRate: visits > 0 ? opened / visits : null,
      escalationsOpened: opened,
      overBudgetHours: Math.round((overBudgetMs / HOUR_MS) * 10) / 10,
      ...(def.id === 'packing' ? { cost: { packagingCents: figures.packagingCents } } : {}),
      ...(def.id === 'booking'
        ? { cost: { carrierSpendCents: figures.carrier.spendCents, savingVsFastestCents: figures.carrier.savedCents } }
        : {}),
      bottleneck: false,
    };
  });
}

const scaledBy = (timeScale: number) => (ms: number | null) => (ms === null ? null : Math.round(ms * timeScale));

/** An escalation box: cases open now and how long they have waited, resolved in the window and how fast. */
function escalationNode(figures: Figures, reason: string, timeScale: number) {
  const row = figures.escalationBy.get(reason);
  const scaled = scaledBy(timeScale);
  return {
    inStageNow: row?.open_now ?? 0,
    completedInWindow: row?.resolved ?? 0,
    medianMs: scaled(row?.median_ms ?? null),
    p95Ms: scaled(row?.p95_ms ?? null),
    failureRate: null,
    escalationRate: null,
    escalationsOpened: figures.attributionRows.filter((r) => r.reason === reason).reduce((sum, r) => sum + r.n, 0),
    overBudgetHours: Math.round((((row?.open_ms ?? 0) * timeScale) / HOUR_MS) * 10) / 10,
    bottleneck: false,
  };
}

/** The end box: parcels delivered in the window, order to door. */
function endNode(delivered: DeliveredRow, timeScale: number) {
  const scaled = scaledBy(timeScale);
  return {
    inStageNow: 0,
    completedInWindow: delivered.n,
    medianMs: scaled(delivered.median_ms),
    p95Ms: scaled(delivered.p95_ms),
    failureRate: null,
    escalationRate: null,
    escalationsOpened: 0,
    overBudgetHours: 0,
    bottleneck: false,
  };
}

/** The main flow's edges (always drawn, counted or not), then every other transition seen, escalations included. */
function edgesOf(edgeRows: readonly EdgeRow[], attributionRows: readonly AttributionRow[]): ProcessEdge[] {
  const counts = new Map<string, number>();
  const add = (fromId: string, toId: string, n: number) => {
    if (!STAGE_IDS.has(fromId) || !STAGE_IDS.has(toId)) return;
    const key = `${fromId}>${toId}`;
    counts.set(key, (counts.get(key) ?? 0) + n);
  };
  for (const row of edgeRows) add(row.stage, row.next === 'fulfilment' ? 'waiting_for_pick_slot' : row.next, row.n);
  for (const row of attributionRows) if (row.stage) add(row.stage, `escalation:${row.reason}`, row.n);
  const mainKeys = new Set(PROCESS_EDGES.map(([a, b]) => `${a}>${b}`));
  const edges: ProcessEdge[] = [
    ...PROCESS_EDGES.map(([a, b]) => ({ from: a, to: b, count: counts.get(`${a}>${b}`) ?? 0, main: true })),
    ...[...counts.entries()]
      .filter(([key]) => !mainKeys.has(key))
      .map(([key, count]) => {
        const [a = '', b = ''] = key.split('>');
        return { from: a, to: b, count, main: false };
      }),
  ];

  return edges;
}
