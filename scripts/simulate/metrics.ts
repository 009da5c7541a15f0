import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { type BusinessClock, deadlineToBusinessMs, toBusinessMs, toRealMs } from '../../domain/business-clock';
import { FINAL_ORDER_STAGES } from '../../domain/lifecycle';
import type { TransitTruth } from '../carrier-simulator/transit-truth';
import { type HindsightContext, hindsight } from './hindsight';
import { type IntegrityCounts, type MeasuredOrder, type MeasuredShipment, readIntegrityCounts, readOrders } from './run-records';

/**
 * The figures of a simulation run, read from PostgreSQL once the week is over: on-time against the
 * promise given at intake (Order.originalPromisedBy), cost per order, what was paid for risk, the same
 * orders with perfect knowledge (hindsight.ts), and the integrity counts that must be zero.
 */

export interface SimulationResult {
  scenario: string;
  rules: string;
  orders: number;
  delivered: number;
  /** Orders neither delivered nor finished whose intake promise had passed when the run stopped: late for sure. */
  overdue: number;
  /** On time against the intake promise, over the delivered orders and the overdue ones (an overdue order is late). */
  onTimeRate: number | null;
  /** Promised minus the earliest delivery any choice could have made, any service (express for an economy order too). */
  promiseTightnessP50Hours: number | null;
  /** Promised minus the earliest delivery by a service of the level the customer chose (what the promise may use). */
  promiseTightnessAtLevelP50Hours: number | null;
  costPerOrderCents: number | null;
  /** With perfect knowledge, stalls included: a parcel a stall was dealt to is paid by any choice (hindsight.ts). */
  hindsightCostPerOrderCents: number | null;
  costVsHindsight: number | null;
  /** The hindsight as published until stop 38: it knew transit, not stalls (no parcel of its plans stalled). */
  stallBlindHindsightCostPerOrderCents: number | null;
  costVsStallBlindHindsight: number | null;
  /** Against the stall-blind hindsight, without what re-shipping stalled or lost parcels cost: first parcels only. */
  costVsHindsightFirstParcels: number | null;
  riskPremiumPerOrderCents: number | null;
  /**
   * Accepted orders Colis lost: no order row, or an order neither finished nor with its journey still running.
   * An order whose journey still ran when the run stopped is `unfinished`, not lost (late once its promise passed).
   */
  lost: number;
  /** Orders whose journey was still running when the run stopped at its business deadline (a loaded machine's backlog). */
  unfinished: number;
  oversold: number;
  duplicateLabels: number;
  reallocated: number;
  repromised: number;
  /** Re-promised orders delivered by the date they had before their first change: told "late" for nothing. */
  repromisedNeedlessly: number;
  /** Orders delivered after their intake promise that no change announced before it passed: surprised. */
  lateUnannounced: number;
  escalations: number;
  byCarrier: { carrierCode: string; shipments: number; delivered: number; onTime: number; averageCostCents: number }[];
  /** The scenario's targets the run was made under (none: the product's defaults). */
  targets?: { promiseConfidence?: number; onTimeTarget?: number };
}

export interface MetricsInput {
  db: Db;
  scenario: string;
  rules: string;
  clock: BusinessClock;
  truth: TransitTruth;
  /** Orders the API accepted (their ids). */
  acceptedOrderIds: readonly string[];
  /** Business instant each order was placed, by id. */
  placedAtMs: ReadonlyMap<string, number>;
  initialStock: HindsightContext['initialStock'];
  isDown: HindsightContext['isDown'];
  stalledFirstLabel: NonNullable<HindsightContext['stalledFirstLabel']>;
  /** Labels the simulated carriers sold (their own record): more than Colis recorded means a label bought twice. */
  labelsSoldByCarriers: number;
  /** Orders not finished whose journey's workflow was still running when the run stopped (asked of Temporal). */
  stillRunning: ReadonlySet<string>;
}

const FINAL_ORDER_STATES: ReadonlySet<string> = new Set(FINAL_ORDER_STAGES);

export async function measure(input: MetricsInput): Promise<SimulationResult> {
  const { db } = input;
  const ids = [...input.acceptedOrderIds];
  const orders = await readOrders(db, ids);
  const facts = new PlanningFacts(db);
  const network = await facts.networkFacts();
  const context: HindsightContext = {
    network,
    truth: input.truth,
    clock: input.clock,
    initialStock: input.initialStock,
    isDown: input.isDown,
    stalledFirstLabel: input.stalledFirstLabel,
  };

  const stoppedAtMs = Date.now();
  const tally = tallyOrders(orders, input, context, stoppedAtMs);

  // Stored so /reports/fulfilment and the process chart can set cost against hindsight where it is known.
  await db.orderHindsight.createMany({ data: tally.known, skipDuplicates: true });

  const counts = await readIntegrityCounts(db, ids);
  return simulationResult(input, ids, tally, counts, lostAndUnfinished(ids, orders, input.stillRunning));
}

interface CarrierTally {
  shipments: number;
  delivered: number;
  onTime: number;
  cost: number;
}

/** Sums over the orders; the result's rates and per-order figures divide them. */
interface Tally {
  delivered: number;
  overdue: number;
  onTime: number;
  cost: number;
  premium: number;
  hindsightCost: number;
  stallBlindHindsightCost: number;
  hindsightCounted: number;
  costCounted: number;
  replacementCost: number;
  tightness: number[];
  tightnessAtLevel: number[];
  known: { orderId: string; costCents: number; metPromise: boolean; earliestDeliveryAt: Date }[];
  carriers: Map<string, CarrierTally>;
}

function tallyOrders(orders: readonly MeasuredOrder[], input: MetricsInput, context: HindsightContext, stoppedAtMs: number): Tally {
  const tally: Tally = {
    delivered: 0,
    overdue: 0,
    onTime: 0,
    cost: 0,
    premium: 0,
    hindsightCost: 0,
    stallBlindHindsightCost: 0,
    hindsightCounted: 0,
    costCounted: 0,
    replacementCost: 0,
    tightness: [],
    tightnessAtLevel: [],
    known: [],
    carriers: new Map(),
  };
  for (const order of orders) {
    const promised = order.originalPromisedBy ?? order.promisedBy;
    const shipments = order.shipments.filter((s) => s.status !== 'cancelled');
    const orderCost = shipments.reduce((sum, s) => sum + s.packagingCostCents + s.shippingCostCents, 0);
    tally.premium += shipments.reduce((sum, s) => sum + s.riskPremiumCents, 0);
    // A lost or damaged parcel re-shipped counts through its replacement (its cost stays in the order's).
    const replaced = new Set(shipments.flatMap((s) => (s.replacesShipmentId ? [s.replacesShipmentId] : [])));
    const toDeliver = shipments.filter((s) => !replaced.has(s.id));
    const allDelivered = toDeliver.length > 0 && toDeliver.every((s) => s.status === 'delivered' && s.deliveredAt);
    tallyCarriers(tally.carriers, shipments, promised);
    if (!allDelivered) {
      if (!FINAL_ORDER_STATES.has(order.status) && promised.getTime() < stoppedAtMs) tally.overdue += 1;
      continue;
    }
    tally.delivered += 1;
    const lastDelivery = Math.max(...toDeliver.map((s) => s.deliveredAt?.getTime() ?? 0));
    if (lastDelivery <= promised.getTime()) tally.onTime += 1;
    tally.cost += orderCost;
    tally.costCounted += 1;
    tally.replacementCost += shipments
      .filter((s) => s.replacesShipmentId)
      .reduce((sum, s) => sum + s.packagingCostCents + s.shippingCostCents, 0);
    tallyHindsight(tally, order, toDeliver, promised, input, context);
  }
  return tally;
}

function tallyCarriers(carriers: Map<string, CarrierTally>, shipments: readonly MeasuredShipment[], promised: Date): void {
  for (const s of shipments) {
    if (!s.carrierCode) continue;
    const row = carriers.get(s.carrierCode) ?? { shipments: 0, delivered: 0, onTime: 0, cost: 0 };
    row.shipments += 1;
    row.cost += s.shippingCostCents;
    if (s.deliveredAt) {
      row.delivered += 1;
      if (s.deliveredAt <= promised) row.onTime += 1;
    }
    carriers.set(s.carrierCode, row);
  }
}

/** The same delivered order with perfect knowledge (hindsight.ts): its cost, and how tight its promise was. */
function tallyHindsight(
  tally: Tally,
  order: MeasuredOrder,
  toDeliver: readonly MeasuredShipment[],
  promised: Date,
  input: MetricsInput,
  context: HindsightContext,
): void {
  const firstOf = (s: MeasuredShipment): string => {
    const replaced = s.replacesShipmentId ? order.shipments.find((o) => o.id === s.replacesShipmentId) : undefined;
    return replaced ? firstOf(replaced) : s.id;
  };
  const asked = {
    orderId: order.id,
    placedAtMs: input.placedAtMs.get(order.id) ?? toBusinessMs(input.clock, promised.getTime()),
    destination: order.shippingAddress,
    promisedByMs: deadlineToBusinessMs(input.clock, promised.getTime()),
    serviceLevel: order.serviceLevel,
    lines: order.lines.map((l) => ({ lineId: l.id, skuCode: l.skuCode, quantity: l.quantity })),
    shipments: toDeliver.map((s) => ({
      shipmentId: s.id,
      firstShipmentId: firstOf(s),
      warehouseCode: s.warehouseCode,
      lines: s.lines.map((l) => ({ lineId: l.orderLineId, skuCode: l.skuCode, quantity: l.quantity })),
    })),
  };
  const best = hindsight(asked, context);
  const { stalledFirstLabel: _knowsStalls, ...stallBlind } = context;
  const blind = hindsight(asked, stallBlind);
  if (!best || !blind) return;
  tally.hindsightCost += best.costCents;
  tally.stallBlindHindsightCost += blind.costCents;
  tally.hindsightCounted += 1;
  tally.known.push({
    orderId: order.id,
    costCents: best.costCents,
    metPromise: best.metPromise,
    earliestDeliveryAt: new Date(toRealMs(input.clock, best.earliestDeliveryMs)),
  });
  const promisedBusinessMs = toBusinessMs(input.clock, promised.getTime());
  tally.tightness.push((promisedBusinessMs - best.earliestDeliveryMs) / 3_600_000);
  if (best.earliestAtLevelMs !== undefined) tally.tightnessAtLevel.push((promisedBusinessMs - best.earliestAtLevelMs) / 3_600_000);
}

function simulationResult(
  input: MetricsInput,
  ids: readonly string[],
  tally: Tally,
  [oversold, labelsRecorded, repromised, escalations, reallocated, needless, surprised]: IntegrityCounts,
  { lost, unfinished }: { lost: number; unfinished: number },
): SimulationResult {
  const { delivered, overdue, onTime, cost, costCounted, replacementCost, premium } = tally;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const costPerOrder = ratio(cost, costCounted);
  const hindsightPerOrder = ratio(tally.hindsightCost, tally.hindsightCounted);
  const stallBlindPerOrder = ratio(tally.stallBlindHindsightCost, tally.hindsightCounted);
  return {
    scenario: input.scenario,
    rules: input.rules,
    orders: ids.length,
    delivered,
    overdue,
    onTimeRate: ratio(onTime, delivered + overdue),
    promiseTightnessP50Hours: median(tally.tightness),
    promiseTightnessAtLevelP50Hours: median(tally.tightnessAtLevel),
    costPerOrderCents: costPerOrder === null ? null : Math.round(costPerOrder),
    hindsightCostPerOrderCents: hindsightPerOrder === null ? null : Math.round(hindsightPerOrder),
    costVsHindsight: costPerOrder !== null && hindsightPerOrder ? round(costPerOrder / hindsightPerOrder, 3) : null,
    stallBlindHindsightCostPerOrderCents: stallBlindPerOrder === null ? null : Math.round(stallBlindPerOrder),
    costVsStallBlindHindsight: costPerOrder !== null && stallBlindPerOrder ? round(costPerOrder / stallBlindPerOrder, 3) : null,
    costVsHindsightFirstParcels:
      costCounted > 0 && stallBlindPerOrder ? round((cost - replacementCost) / costCounted / stallBlindPerOrder, 3) : null,
    riskPremiumPerOrderCents: ids.length > 0 ? Math.round(premium / ids.length) : null,
    lost,
    unfinished,
    oversold: oversold[0]?.n ?? 0,
    duplicateLabels: Math.max(0, input.labelsSoldByCarriers - labelsRecorded),
    // Shipments moved away from a warehouse that went down before they were picked.
    reallocated,
    repromised: repromised.length,
    repromisedNeedlessly: needless[0]?.n ?? 0,
    lateUnannounced: surprised[0]?.n ?? 0,
    escalations,
    byCarrier: [...tally.carriers]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([carrierCode, row]) => ({
        carrierCode,
        shipments: row.shipments,
        delivered: row.delivered,
        onTime: row.onTime,
        averageCostCents: row.shipments > 0 ? Math.round(row.cost / row.shipments) : 0,
      })),
  };
}

/**
 * An accepted order is lost when it has no row, or is neither finished nor still running in Temporal (its journey
 * ended without finishing it, or never started); one still running when the run stopped is only unfinished.
 */
export function lostAndUnfinished(
  acceptedIds: readonly string[],
  orders: readonly { id: string; status: string }[],
  stillRunning: ReadonlySet<string>,
): { lost: number; unfinished: number } {
  const found = new Set(orders.map((o) => o.id));
  const open = orders.filter((o) => !FINAL_ORDER_STATES.has(o.status));
  const unfinished = open.filter((o) => stillRunning.has(o.id)).length;
  return { lost: acceptedIds.filter((id) => !found.has(id)).length + open.length - unfinished, unfinished };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.floor(sorted.length / 2)] ?? 0, 1);
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
