import { type Allocation, type AllocationLine, candidateAllocations, type StockLevel } from '../domain/allocation';
import { type BusinessClock, deadlineToBusinessMs, toBusinessMs } from '../domain/business-clock';
import type { DecisionSettings } from '../domain/decision-rules';
import { type Destination, lastDeliveryDayBy, type NetworkFacts, ShipmentCosting, type ShipmentOption } from '../domain/fulfilment-plan';
import { planForPromise } from '../domain/promise-engine';
import { cutoffJudgedAt } from '../domain/warehouse-slot';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';
import type { PlanningFacts } from './planning-facts';

/**
 * Allocation by total cost against the promise: of the allocations that place as many units as the stock
 * allows (domain/allocation.ts `candidateAllocations`), the one whose boxes and carriers cost least to the
 * customer's door while every shipment still arrives by the order's promise with the on-time target — or,
 * when none can any more, the one that arrives earliest (the journey then re-promises). Under the baseline
 * rules the caller keeps its lowest-code allocation.
 *
 * Everything but the stock is read before the reservation's transaction (`costContext`): the transaction
 * holds its order and level locks on one pooled connection and must not wait for a second one.
 */
export interface CostContext {
  network: NetworkFacts;
  clock: BusinessClock;
  promisedByDay: Record<string, Record<string, number>>;
  destination: Destination;
  promisedByMs: number;
  nowMs: number;
  /** Real instant the order came in, for its first reservation: the cut-off is judged there, as its pick slot will be. */
  receivedAtMs?: number;
  onTimeTarget: number;
}

export interface AllocationByCost {
  allocation: Allocation;
  /** False when no candidate keeps the promise any more: the earliest was taken. */
  keepsPromise: boolean;
  estimatedCostCents: number;
}

/**
 * `against`: the order's current promise (a first reservation, a restock), or the one it was given at intake
 * (a replacement for a lost parcel: sent to arrive by the date the customer was first told while that is
 * still reachable, not by the later date its loss moved the promise to; when it is not, the earliest).
 */
export async function costContext(
  deps: { db: Db; facts: PlanningFacts; settings: DecisionSettings },
  orderId: string,
  against: 'current' | 'intake' = 'current',
): Promise<CostContext | undefined> {
  const order = await deps.db.order.findUnique({
    where: { id: orderId },
    select: {
      promisedBy: true,
      originalPromisedBy: true,
      createdAt: true,
      shippingAddress: { select: { countryCode: true, postalCode: true, region: true } },
      _count: { select: { shipments: true } },
    },
  });
  if (!order) return undefined;
  const nowMs = Date.now();
  const [network, clock] = await Promise.all([deps.facts.networkFacts(nowMs), currentBusinessClock(deps.db, nowMs)]);
  return {
    network,
    clock,
    promisedByDay: await deps.facts.promisedByDay(clock, nowMs),
    destination: order.shippingAddress,
    promisedByMs: (against === 'intake' ? (order.originalPromisedBy ?? order.promisedBy) : order.promisedBy).getTime(),
    nowMs,
    // Its first shipments' pick slots judge the cut-off at its arrival (activities/pick-slots.ts): so does their allocation.
    ...(order._count.shipments === 0 ? { receivedAtMs: order.createdAt.getTime() } : {}),
    onTimeTarget: deps.settings.onTimeTarget,
  };
}

/** The allocation to reserve, chosen on the locked stock; undefined when there is nothing to choose. */
export function allocateByCost(
  context: CostContext,
  wanted: readonly AllocationLine[],
  stock: readonly StockLevel[],
): AllocationByCost | undefined {
  const candidates = candidateAllocations(wanted, stock).filter((allocation) => allocation.shipments.length > 0);
  if (candidates.length <= 1) return candidates[0] ? { allocation: candidates[0], keepsPromise: true, estimatedCostCents: 0 } : undefined;
  const { network, clock, destination } = context;
  const warehouses = new Map(network.warehouses.map((w) => [w.code, w]));
  const costing = new ShipmentCosting(network);
  const nowBusiness = toBusinessMs(clock, context.nowMs);
  const receivedBusiness = context.receivedAtMs === undefined ? undefined : toBusinessMs(clock, context.receivedAtMs);

  const plans: ShipmentOption[][] = [];
  const allocations: Allocation[] = [];
  for (const allocation of candidates) {
    const options = allocation.shipments.flatMap((shipment) => {
      const warehouse = warehouses.get(shipment.warehouseCode);
      const option =
        warehouse &&
        costing.option(
          warehouse,
          shipment.lines,
          destination,
          cutoffJudgedAt(nowBusiness, receivedBusiness, warehouse.timeZone),
          context.promisedByDay[warehouse.code] ?? {},
        );
      return option ? [option] : [];
    });
    if (options.length !== allocation.shipments.length) continue;
    plans.push(options);
    allocations.push(allocation);
  }
  const promisedDay = lastDeliveryDayBy(destination, deadlineToBusinessMs(clock, context.promisedByMs));
  const chosen = planForPromise(plans, destination, promisedDay, { confidence: context.onTimeTarget, horizonDays: 30 });
  // The choice holds the very options of one plan: that plan's allocation is the one to reserve.
  const first = chosen?.choice.shipments[0]?.option;
  const allocation = first ? allocations[plans.findIndex((plan) => plan.includes(first))] : undefined;
  return chosen && allocation ? { allocation, keepsPromise: chosen.keepsPromise, estimatedCostCents: chosen.choice.costCents } : undefined;
}
