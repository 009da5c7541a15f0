import { z } from 'zod';
import { EARLIEST_STORABLE_MS, isStorableInstant } from './clock';
import { ORDER_STATUS_CHART_NODE, SHIPMENT_STATUS_CHART_NODE } from './lifecycle';
import { PromiseKeepingSchema } from './promise-keeping';

/**
 * The process chart: the journey as a fixed graph of stages (boxes) and flows (arrows), the figures
 * each box carries, and the rule that names the stage holding the process back. Pure: the API fills
 * the figures from the database (api/services/process.ts) and draws them (api/services/process-svg.ts).
 *
 * Stage ids are the `stage` values the workflows write to StageTiming; `delivered` and the
 * escalation nodes are derived (Shipment.deliveredAt, Escalation rows), never recorded as stages.
 */

export const PROCESS_LANES = ['order', 'warehouse', 'carrier', 'exceptions'] as const;
export type ProcessLane = (typeof PROCESS_LANES)[number];

export type ProcessNodeKind = 'stage' | 'end' | 'side' | 'escalation';

export interface ProcessNodeDef {
  id: string;
  label: string;
  kind: ProcessNodeKind;
  lane: ProcessLane;
  column: number;
  /**
   * What a visit may take, in business hours, before it holds the process back: the bottleneck
   * rule counts only time beyond it, so a long but healthy stage (transit) is not flagged for being long.
   */
  budgetHours?: number;
  /**
   * Work done by machines (database, carrier APIs) rather than people, trucks or the calendar. A
   * demo's time scale compresses waiting, not computation, so these stages are measured in real
   * time: ten seconds of rate shopping under a 1440× clock is still ten seconds, not four hours.
   */
  machine?: true;
}

export const PROCESS_NODES: readonly ProcessNodeDef[] = [
  { id: 'intake', label: 'Intake', kind: 'stage', lane: 'order', column: 0, budgetHours: 0.25, machine: true },
  { id: 'reserving', label: 'Reservation', kind: 'stage', lane: 'order', column: 1, budgetHours: 0.25, machine: true },
  { id: 'backordered', label: 'Backorder wait', kind: 'stage', lane: 'order', column: 2, budgetHours: 72 },
  { id: 'waiting_for_pick_slot', label: 'Pick slot wait', kind: 'stage', lane: 'warehouse', column: 0, budgetHours: 24 },
  { id: 'picking', label: 'Pick', kind: 'stage', lane: 'warehouse', column: 1, budgetHours: 4 },
  { id: 'packing', label: 'Pack (box choice)', kind: 'stage', lane: 'warehouse', column: 2, budgetHours: 2 },
  { id: 'rating', label: 'Rate shopping', kind: 'stage', lane: 'warehouse', column: 3, budgetHours: 0.5, machine: true },
  { id: 'booking', label: 'Booking', kind: 'stage', lane: 'warehouse', column: 4, budgetHours: 0.5, machine: true },
  { id: 'label_created', label: 'Hand-over', kind: 'stage', lane: 'carrier', column: 0, budgetHours: 24 },
  { id: 'in_transit', label: 'In transit', kind: 'stage', lane: 'carrier', column: 1, budgetHours: 96 },
  { id: 'out_for_delivery', label: 'Out for delivery', kind: 'stage', lane: 'carrier', column: 2, budgetHours: 12 },
  { id: 'delivered', label: 'Delivered', kind: 'end', lane: 'carrier', column: 3 },
  { id: 'available_for_pickup', label: 'At pickup point', kind: 'side', lane: 'exceptions', column: 2, budgetHours: 72 },
  { id: 'delivery_failed', label: 'Delivery failed', kind: 'side', lane: 'exceptions', column: 3, budgetHours: 24 },
  { id: 'exception', label: 'Carrier exception', kind: 'side', lane: 'exceptions', column: 4, budgetHours: 24 },
  { id: 'escalation:stuck', label: 'Stuck', kind: 'escalation', lane: 'exceptions', column: 0 },
  { id: 'escalation:late', label: 'Late', kind: 'escalation', lane: 'exceptions', column: 1 },
  { id: 'escalation:broken', label: 'Broken / lost', kind: 'escalation', lane: 'exceptions', column: 5 },
  { id: 'escalation:no_carrier', label: 'No carrier', kind: 'escalation', lane: 'warehouse', column: 5 },
  { id: 'escalation:backorder_deadline', label: 'Backorder overdue', kind: 'escalation', lane: 'order', column: 3 },
  { id: 'escalation:no_pick_slot', label: 'No pick slot', kind: 'escalation', lane: 'order', column: 4 },
];

export const STAGE_IDS: ReadonlySet<string> = new Set(PROCESS_NODES.map((n) => n.id));

/** The journey's arrows, always drawn; transitions observed outside them are still counted in `edges`. */
export const PROCESS_EDGES: readonly (readonly [string, string])[] = [
  ['intake', 'reserving'],
  ['reserving', 'backordered'],
  ['reserving', 'waiting_for_pick_slot'],
  ['backordered', 'waiting_for_pick_slot'],
  ['waiting_for_pick_slot', 'picking'],
  ['picking', 'packing'],
  ['packing', 'rating'],
  ['rating', 'booking'],
  ['booking', 'label_created'],
  ['label_created', 'in_transit'],
  ['in_transit', 'out_for_delivery'],
  ['out_for_delivery', 'delivered'],
  ['out_for_delivery', 'available_for_pickup'],
  ['available_for_pickup', 'delivered'],
];

/** Orders and shipments whose database status says which stage they are in now (domain/lifecycle.ts). */
export const ORDER_STATUS_STAGE: Readonly<Record<string, string>> = ORDER_STATUS_CHART_NODE;
export const SHIPMENT_STATUS_STAGE: Readonly<Record<string, string>> = SHIPMENT_STATUS_CHART_NODE;

/** A window's start `spanMs` before its end, never before year 1 (a `to` alone in year 1 would start in year 0). */
export const windowStartBefore = (to: Date, spanMs: number): Date => new Date(Math.max(EARLIEST_STORABLE_MS, to.getTime() - spanMs));

/** `from`/`to` of a reporting window. An edge outside the years 1–9999 would reach the database as a 500, not a 400. */
export const WindowEdgeSchema = z.iso
  .datetime({ offset: true })
  .refine((iso) => isStorableInstant(Date.parse(iso)), { message: 'is outside the years 0001 to 9999 (UTC)' });

/** A window's edges in order: `from` before `to`; `from` alone runs to now, so it must be in the past; `to` alone, after year 1 began. */
export function checkWindowEdges(q: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to))
    ctx.addIssue({ code: 'custom', message: 'from must be before to', path: ['from'] });
  if (q.from && !q.to && Date.parse(q.from) >= Date.now()) {
    ctx.addIssue({ code: 'custom', message: 'from without to runs to now, so it must be in the past', path: ['from'] });
  }
  // Its day back stops at year 1 (windowStartBefore): a `to` of 0001-01-01T00:00Z alone was an empty window, answered 200.
  if (q.to && !q.from && Date.parse(q.to) <= EARLIEST_STORABLE_MS) {
    ctx.addIssue({
      code: 'custom',
      message: 'to without from starts a day before it, so it must be after 0001-01-01T00:00:00Z',
      path: ['to'],
    });
  }
}

export const ProcessWindowQuerySchema = z
  .object({
    window: z.enum(['hour', 'day', 'week']).optional(),
    from: WindowEdgeSchema.optional(),
    to: WindowEdgeSchema.optional(),
  })
  .refine((q) => !(q.window && (q.from || q.to)), { message: 'give either window or from/to, not both', path: ['window'] })
  .superRefine(checkWindowEdges);
export type ProcessWindowQuery = z.infer<typeof ProcessWindowQuerySchema>;

const WINDOW_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;

export interface ProcessWindow {
  from: Date;
  to: Date;
  label: string;
}

/** `window` counts back from now; `from` alone runs to now; `to` alone starts a day earlier. Default: the last day. */
export function resolveWindow(query: ProcessWindowQuery, now: Date): ProcessWindow {
  if (query.from || query.to) {
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : windowStartBefore(to, WINDOW_MS.day);
    return { from, to, label: `${from.toISOString()} – ${to.toISOString()}` };
  }
  const window = query.window ?? 'day';
  return { from: new Date(now.getTime() - WINDOW_MS[window]), to: now, label: `last ${window}` };
}

export const ProcessNodeSchema = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['stage', 'end', 'side', 'escalation']),
  lane: z.enum(PROCESS_LANES),
  column: z.number().int(),
  /** Orders/shipments in the stage now (escalations: open now). */
  inStageNow: z.number().int(),
  /** Visits that ended inside the window (delivered: deliveries; escalations: resolved). */
  completedInWindow: z.number().int(),
  /** Business milliseconds in the stage, over the visits that ended in the window; null without any. */
  medianMs: z.number().nullable(),
  p95Ms: z.number().nullable(),
  /** Visits that ended failed or cancelled, over visits ended in the window. */
  failureRate: z.number().nullable(),
  /** Escalations opened while in this stage, over its visits (ended in the window + in it now). */
  escalationRate: z.number().nullable(),
  escalationsOpened: z.number().int(),
  /** Business hours beyond the stage's budget: the bottleneck score. */
  overBudgetHours: z.number(),
  budgetHours: z.number().optional(),
  cost: z
    .object({
      packagingCents: z.number().int().optional(),
      carrierSpendCents: z.number().int().optional(),
      savingVsFastestCents: z.number().int().optional(),
    })
    .optional(),
  bottleneck: z.boolean(),
});
export type ProcessNode = z.infer<typeof ProcessNodeSchema>;

export const ProcessEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Transitions inside the window (shipments, except from order stages into the warehouse: orders). */
  count: z.number().int(),
  /** Part of the fixed journey drawing (others are reships, re-books, returns to an earlier stage). */
  main: z.boolean(),
});
export type ProcessEdge = z.infer<typeof ProcessEdgeSchema>;

export const ProcessChartSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string(), label: z.string() }),
    generatedAt: z.string(),
    /** Durations are business time: recorded wall-clock time × this (1 outside demos). */
    timeScale: z.number(),
    currency: z.string(),
    nodes: z.array(ProcessNodeSchema),
    edges: z.array(ProcessEdgeSchema),
    bottleneck: z.string().nullable(),
    bottleneckRule: z.string(),
    /** On-time against the intake promise, tightness, cost against hindsight, late orders' slack: as the fulfilment report. */
    promise: PromiseKeepingSchema,
  })
  .meta({ id: 'ProcessChart' });
export type ProcessChart = z.infer<typeof ProcessChartSchema>;

export const BOTTLENECK_RULE =
  'The stage with the most business hours spent beyond its budget: for every visit that ended in the window, ' +
  'its time in the stage minus the budget; for every order or shipment in the stage now, its time since its last ' +
  'change minus the budget (a lower bound); for an escalation, every hour its open cases have waited for ops ' +
  '(an escalation has no budget: waiting on a decision is lost time). Long but healthy stages (transit) are not ' +
  'flagged; stalls are. Machine stages (intake, reservation, rate shopping, booking) count real time, whatever ' +
  'the demo clock. None when no stage is over budget.';

/** Applies BOTTLENECK_RULE: the id of the stage with the most time over budget, or null. */
export function pickBottleneck(nodes: readonly Pick<ProcessNode, 'id' | 'kind' | 'overBudgetHours'>[]): string | null {
  let best: { id: string; hours: number } | null = null;
  for (const node of nodes) {
    if (node.kind === 'end') continue;
    if (node.overBudgetHours <= 0) continue;
    if (!best || node.overBudgetHours > best.hours) best = { id: node.id, hours: node.overBudgetHours };
  }
  return best?.id ?? null;
}

/** "3 d 4 h", "2 h 10 min", "45 s": the largest two units, for a box read at a glance. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

export function formatPercent(rate: number | null): string {
  if (rate === null) return '–';
  if (rate > 0 && rate < 0.01) return '<1%';
  return `${Math.round(rate * 100)}%`;
}

export function formatMoney(cents: number, currency: string): string {
  const sign = cents < 0 ? '−' : '';
  return `${sign}${(Math.abs(cents) / 100).toFixed(2)} ${currency}`;
}
