import { type AllocationLine, candidateAllocations, type StockLevel } from './allocation';
import { addWorkingDays, timeZoneOf } from './calendar';
import {
  type Destination,
  destinationPlace,
  endOfDeliveryDayMs,
  lastDeliveryDayBy,
  type NetworkFacts,
  ShipmentCosting,
  type ShipmentOption,
  type WarehouseFacts,
} from './fulfilment-plan';
import { localDay } from './local-time';
import { cheapestPlanByDay, DEFAULT_PROMISE_TARGETS, earliestPlan, type PlanChoice, type PromiseTargets } from './plan-choice';
import { notByRequestedDate, REQUESTED_DATE_PASSED, type UndatedCause, undatedReason } from './promise-undated';
import type { BackorderPolicy, ServiceLevel } from './order';

/**
 * The promise engine: the earliest day the network can deliver an order by with the target confidence,
 * and the cheapest way to keep it.
 *
 * Plans are the candidate allocations of the order (one shipment per warehouse, see
 * `candidateAllocations`): from stock now, or — for a backorder — from stock plus expected restocks,
 * each shipment ready when its goods are. For a candidate day D every plan books, per shipment, the
 * service combination that costs least while P(every shipment delivered by the end of D) reaches the
 * target; the first D where some plan can is the promise, and the cheapest such plan is how to keep it.
 * The promise uses the services of the order's own level (an express order is promised what express
 * services achieve); keeping it may use any service that gets there in time.
 */

export interface InboundFacts {
  warehouseCode: string;
  skuCode: string;
  quantity: number;
  /** Business time the goods are expected on the shelf. */
  expectedAtMs: number;
}

export interface PromiseSituation {
  /** Business time of the decision. */
  nowMs: number;
  serviceLevel: ServiceLevel;
  backorderPolicy: BackorderPolicy;
  lines: readonly AllocationLine[];
  destination: Destination;
  /** Available now (on hand − reserved), per warehouse and SKU. */
  stock: readonly StockLevel[];
  inbound: readonly InboundFacts[];
  /** Shipments already promised a pick day, per warehouse and local day. */
  promisedByDay: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The caller's own deadline (business time), to be kept or refused. */
  requestedByMs?: number;
  /** Some of the stock or restocks of these SKUs is promised to earlier orders (domain/promised-stock.ts): said when nothing is left. */
  heldForOthers?: boolean;
  /** A restock of these SKUs is too long overdue to date anything (domain/expected-restocks.ts): said when nothing is left. */
  overdueRestocks?: boolean;
}

/** Where the dates come from: stock on the shelf, a restock, only part of the order, or nothing known. */
export type PromiseBasis = 'in_stock' | 'backorder' | 'partial' | 'restock_unknown';

export interface EnginePromise {
  basis: PromiseBasis;
  /** Business time; the end of `choice.deliveryDay` at the destination, or the caller's own date when kept. */
  deliverByMs: number;
  shipByMs: number;
  confidence: number;
  choice: PlanChoice | undefined;
  /** Why no delivery could be dated (confidence 0): what the shop reads, with or without a date of its own. */
  undatedReason?: UndatedCause;
  requested?: { byMs: number; met: boolean; confidence: number; reason?: UndatedCause };
}

/** The promise for an order placed now, and the plan that keeps it. */
export function computePromise(
  situation: PromiseSituation,
  facts: NetworkFacts,
  targets: PromiseTargets = DEFAULT_PROMISE_TARGETS,
): EnginePromise {
  const costing = new ShipmentCosting(facts);
  const { plans, basis } = buildPlans(situation, facts, costing);
  const levels = new Set<ServiceLevel>([situation.serviceLevel]);
  const choice = earliestPlan(plans, situation.destination, levels, targets);
  if (!choice) {
    const because =
      plans.length > 0 ? undefined : basis === 'backorder' ? 'no_restock' : onShelf(situation) ? 'no_pick_slot' : 'nothing_on_shelf';
    const reason = undatedReason(
      plans,
      because,
      situation.serviceLevel,
      situation.destination,
      targets.horizonDays,
      situation.heldForOthers,
      situation.overdueRestocks,
    );
    return unknownPromise(situation, because === 'no_restock' ? 'restock_unknown' : basis, reason);
  }

  const promise: EnginePromise = {
    basis,
    deliverByMs: endOfDeliveryDayMs(situation.destination, choice.deliveryDay),
    shipByMs: Math.max(...choice.shipments.map((s) => s.option.shipByMs)),
    confidence: choice.confidence,
    choice,
  };
  if (situation.requestedByMs === undefined) return promise;
  return withRequestedDate(promise, situation.requestedByMs, plans, situation, levels, targets);
}

/**
 * How to keep a promise already made: the cheapest plan, any service allowed, that reaches the target by
 * `deliveryDay`; when none can (stock moved, a warehouse went down), the plan that keeps the earliest day —
 * the caller then re-promises.
 */
export function planForPromise(
  plans: readonly (readonly ShipmentOption[])[],
  destination: Destination,
  deliveryDay: string,
  targets: PromiseTargets = DEFAULT_PROMISE_TARGETS,
): { choice: PlanChoice; keepsPromise: boolean } | undefined {
  const kept = cheapestPlanByDay(plans, deliveryDay, destination, undefined, targets.confidence);
  if (kept) return { choice: kept, keepsPromise: true };
  const earliest = earliestPlan(plans, destination, undefined, targets);
  return earliest ? { choice: earliest, keepsPromise: false } : undefined;
}

/** The plans of an order: allocations from stock, or for a backorder from stock and expected restocks. */
export function buildPlans(
  situation: PromiseSituation,
  facts: NetworkFacts,
  costing: ShipmentCosting = new ShipmentCosting(facts),
): { plans: ShipmentOption[][]; basis: PromiseBasis } {
  const up = new Map(facts.warehouses.filter((w) => !w.down).map((w) => [w.code, w]));
  const stock = situation.stock.filter((level) => up.has(level.warehouseCode));
  const fromStock = candidateAllocations(situation.lines, stock);
  const covered = fromStock.some((allocation) => allocation.shortages.length === 0 && allocation.shipments.length > 0);
  const toOptions = (allocations: typeof fromStock, readyAt: (warehouse: WarehouseFacts, lines: readonly AllocationLine[]) => number) =>
    allocations.flatMap((allocation) => {
      const options: ShipmentOption[] = [];
      for (const shipment of allocation.shipments) {
        const warehouse = up.get(shipment.warehouseCode);
        if (!warehouse) return [];
        const option = costing.option(
          warehouse,
          shipment.lines,
          situation.destination,
          readyAt(warehouse, shipment.lines),
          situation.promisedByDay[warehouse.code] ?? {},
        );
        if (!option) return [];
        options.push(option);
      }
      return options.length > 0 ? [options] : [];
    });

  if (covered) return { plans: toOptions(fromStock, () => situation.nowMs), basis: 'in_stock' };
  if (situation.backorderPolicy === 'ship_available') {
    return { plans: toOptions(fromStock, () => situation.nowMs), basis: 'partial' };
  }
  const inbound = situation.inbound.filter((i) => up.has(i.warehouseCode) && i.quantity > 0);
  const withRestocks = candidateAllocations(situation.lines, [
    ...stock,
    ...inbound.map((i) => ({ warehouseCode: i.warehouseCode, skuCode: i.skuCode, available: i.quantity })),
  ]).filter((allocation) => allocation.shortages.length === 0);
  const readyAt = (warehouse: WarehouseFacts, lines: readonly AllocationLine[]) => readyWithRestocks(situation, warehouse.code, lines);
  return { plans: toOptions(withRestocks, readyAt), basis: 'backorder' };
}

/** When a warehouse holds every unit of `lines`: now if its stock does, else when enough restocks have arrived. */
function readyWithRestocks(situation: PromiseSituation, warehouseCode: string, lines: readonly AllocationLine[]): number {
  let readyAt = situation.nowMs;
  for (const line of lines) {
    const onShelf = situation.stock
      .filter((l) => l.warehouseCode === warehouseCode && l.skuCode === line.skuCode)
      .reduce((sum, l) => sum + Math.max(0, l.available), 0);
    let have = onShelf;
    const arrivals = situation.inbound
      .filter((i) => i.warehouseCode === warehouseCode && i.skuCode === line.skuCode)
      .sort((a, b) => a.expectedAtMs - b.expectedAtMs);
    for (const arrival of arrivals) {
      if (have >= line.quantity) break;
      have += arrival.quantity;
      readyAt = Math.max(readyAt, arrival.expectedAtMs);
    }
  }
  return readyAt;
}

function withRequestedDate(
  promise: EnginePromise,
  requestedByMs: number,
  plans: readonly (readonly ShipmentOption[])[],
  situation: PromiseSituation,
  levels: ReadonlySet<ServiceLevel>,
  targets: PromiseTargets,
): EnginePromise {
  const day = lastDeliveryDayBy(situation.destination, requestedByMs);
  const kept =
    requestedByMs > situation.nowMs ? cheapestPlanByDay(plans, day, situation.destination, levels, targets.confidence) : undefined;
  if (kept) {
    return {
      ...promise,
      deliverByMs: requestedByMs,
      shipByMs: Math.max(...kept.shipments.map((s) => s.option.shipByMs)),
      confidence: kept.confidence,
      choice: kept,
      requested: { byMs: requestedByMs, met: true, confidence: kept.confidence },
    };
  }
  const best = cheapestPlanByDay(plans, day, situation.destination, levels, 0);
  return {
    ...promise,
    requested: {
      byMs: requestedByMs,
      met: false,
      confidence: best?.confidence ?? 0,
      reason: requestedByMs <= situation.nowMs ? REQUESTED_DATE_PASSED : notByRequestedDate(situation.serviceLevel, targets.confidence),
    },
  };
}

const onShelf = (situation: PromiseSituation) =>
  situation.stock.some((level) => level.available > 0 && situation.lines.some((line) => line.skuCode === level.skuCode));

/** How far out an order nothing can date is planned: two working weeks, re-promised when stock is known. */
const UNKNOWN_RESTOCK_WORKING_DAYS = 10;

/** Nothing can be dated (no stock, no restock expected): a date far enough to plan for, with confidence 0. */
function unknownPromise(situation: PromiseSituation, basis: PromiseBasis, reason: UndatedCause): EnginePromise {
  const place = destinationPlace(situation.destination);
  const fallbackDay = addWorkingDays(place, localDay(situation.nowMs, timeZoneOf(situation.destination)), UNKNOWN_RESTOCK_WORKING_DAYS);
  const deliverByMs = endOfDeliveryDayMs(situation.destination, fallbackDay);
  return {
    basis,
    deliverByMs,
    shipByMs: deliverByMs,
    confidence: 0,
    choice: undefined,
    undatedReason: reason,
    ...(situation.requestedByMs !== undefined ? { requested: { byMs: situation.requestedByMs, met: false, confidence: 0, reason } } : {}),
  };
}
