import type { AllocationLine } from '../../domain/allocation';
import { type BusinessClock, toBusinessMs, toRealMs } from '../../domain/business-clock';
import { isWorkingDayIn } from '../../domain/calendar';
import { type Destination, type NetworkFacts, ratePriceCents, ShipmentCosting, type WarehouseFacts } from '../../domain/fulfilment-plan';
import { localDay, localTimeMs, parseLocalTime } from '../../domain/local-time';
import { ids } from '../../domain/ids';
import type { ServiceLevel } from '../../domain/order';
import { nextPickSlot } from '../../domain/warehouse-slot';
import { realizedDeliveryAtMs, type TransitTruth } from '../carrier-simulator/transit-truth';

/**
 * What perfect knowledge would have done with an order: every warehouse that held the whole order (and
 * was up), and the order's actual split, each with every carrier service, its parcels delivered when the
 * simulator's ground truth says they would have been (transit-truth.ts: the same draw per shipment, carrier
 * and service whichever was chosen). From those: the cheapest that met the promise given at intake, and
 * the earliest delivery any choice could have made (how tight the promise was). Pick capacity is ignored:
 * the hindsight optimum is a lower bound on cost and on delivery time.
 *
 * Perfect knowledge includes the parcels the simulated carriers will stall. A stall is dealt to a shipment's first
 * label whatever warehouse, boxes, carrier or service carry it (scenarios.ts draws it from the label's key), so no
 * choice avoids it: the plan pays that parcel too — at its cheapest, since it will not arrive — and the parcel that
 * delivers goes with it, on the choice that keeps the promise. A plan can still dodge a stall by not having that
 * shipment (one warehouse instead of a split). What the hindsight cannot know, it does not charge: a replacement's
 * own stall is the journey's second bad luck, counted against Colis.
 */

export interface HindsightOrder {
  orderId: string;
  /** Business instant the order arrived. */
  placedAtMs: number;
  destination: Destination;
  /** The intake promise, business time. */
  promisedByMs: number;
  /** The service level the customer chose: the promise engine dates an order with this level's services. */
  serviceLevel: ServiceLevel;
  lines: readonly AllocationLine[];
  /**
   * The shipments that delivered it: id and warehouse, with their lines, and the shipment each replaced a parcel of,
   * first of the chain (its own id when it replaced none): the one whose first label a stall was dealt to.
   */
  shipments: readonly { shipmentId: string; firstShipmentId?: string; warehouseCode: string; lines: readonly AllocationLine[] }[];
}

export interface HindsightAnswer {
  /** Cheapest boxes + carriers meeting the promise; the cheapest of the earliest choices when nothing met it. */
  costCents: number;
  metPromise: boolean;
  /** Of `costCents`: the parcels a stall was dealt to, which the plan paid and lost (0 without `stalledFirstLabel`). */
  stalledParcelsCents: number;
  /** Business instant of the earliest delivery any choice could have made (any service, express included). */
  earliestDeliveryMs: number;
  /** The same with only services of the order's own level (undefined when none of that level could carry it). */
  earliestAtLevelMs: number | undefined;
}

export interface HindsightContext {
  network: NetworkFacts;
  truth: TransitTruth;
  clock: BusinessClock;
  /** Units per warehouse and SKU at the start (who could have shipped the whole order alone). */
  initialStock: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Whether a warehouse was down at a business instant. */
  isDown: (warehouseCode: string, businessMs: number) => boolean;
  /** Whether the carriers deal this shipment's first label a stall, whoever carries it; absent: the hindsight ignores stalls. */
  stalledFirstLabel?: (shipmentId: string) => boolean;
}

interface Choice {
  costCents: number;
  deliveredMs: number;
  level: ServiceLevel;
}

export function hindsight(order: HindsightOrder, context: HindsightContext): HindsightAnswer | undefined {
  const costing = new ShipmentCosting(context.network);
  let best: PlanOutcome | undefined;
  let earliest: PlanOutcome | undefined;
  let earliestAtLevel: PlanOutcome | undefined;
  for (const plan of plansFor(order, context)) {
    const perShipment = plan.map((s) => choicesFor(s, order, context, costing));
    if (perShipment.some((choices) => choices.length === 0)) continue;
    const stalledCents = sum(
      plan.map((s, i) => (context.stalledFirstLabel?.(s.firstShipmentId) ? minBy(perShipment[i] ?? [], (c) => c.costCents).costCents : 0)),
    );
    earliest = earlierOf(earliest, withStalled(fastestPlan(perShipment), stalledCents));
    const atLevel = perShipment.map((choices) => choices.filter((c) => c.level === order.serviceLevel));
    if (atLevel.every((choices) => choices.length > 0)) earliestAtLevel = earlierOf(earliestAtLevel, fastestPlan(atLevel));
    // Shipments are independent: each takes its own cheapest on-time service.
    const onTime = perShipment.map((choices) => choices.filter((c) => c.deliveredMs <= order.promisedByMs));
    if (onTime.some((choices) => choices.length === 0)) continue;
    const cheapest = onTime.map((choices) => minBy(choices, (c) => c.costCents));
    const planCost = withStalled(
      { costCents: sum(cheapest.map((c) => c.costCents)), deliveredMs: Math.max(...cheapest.map((c) => c.deliveredMs)), stalledCents: 0 },
      stalledCents,
    );
    if (!best || planCost.costCents < best.costCents) best = planCost;
  }
  if (!earliest) return undefined;
  const chosen = best ?? earliest;
  return {
    costCents: chosen.costCents,
    stalledParcelsCents: chosen.stalledCents,
    metPromise: best !== undefined,
    earliestDeliveryMs: earliest.deliveredMs,
    earliestAtLevelMs: earliestAtLevel?.deliveredMs,
  };
}

interface PlannedShipment {
  shipmentId: string;
  firstShipmentId: string;
  warehouse: WarehouseFacts;
  lines: readonly AllocationLine[];
}

/** Every warehouse that held the whole order (as the order's first shipment), and the order's actual split. */
function plansFor(order: HindsightOrder, context: HindsightContext): PlannedShipment[][] {
  const plans: PlannedShipment[][] = [];
  const byCode = new Map(context.network.warehouses.map((w) => [w.code, w]));
  const key = order.shipments[0]?.shipmentId ?? `${order.orderId}-S1`;
  for (const warehouse of context.network.warehouses) {
    const stock = context.initialStock.get(warehouse.code);
    if (!order.lines.every((line) => (stock?.get(line.skuCode) ?? 0) >= line.quantity)) continue;
    plans.push([{ shipmentId: key, firstShipmentId: ids.shipmentId(order.orderId, 1), warehouse, lines: order.lines }]);
  }
  const actual = order.shipments.flatMap((s) => {
    const warehouse = byCode.get(s.warehouseCode);
    return warehouse ? [{ shipmentId: s.shipmentId, firstShipmentId: s.firstShipmentId ?? s.shipmentId, warehouse, lines: s.lines }] : [];
  });
  if (actual.length === order.shipments.length && actual.length > 0) plans.push(actual);
  return plans;
}

interface PlanOutcome {
  costCents: number;
  deliveredMs: number;
  /** Of the cost: parcels a stall was dealt to. */
  stalledCents: number;
}

const withStalled = (plan: PlanOutcome, stalledCents: number): PlanOutcome => ({
  ...plan,
  costCents: plan.costCents + stalledCents,
  stalledCents: plan.stalledCents + stalledCents,
});

/** Each shipment on its earliest service (the cheaper of equals): the plan delivers with its last parcel. */
function fastestPlan(perShipment: readonly Choice[][]): PlanOutcome {
  const fastest = perShipment.map((choices) => minBy(choices, (c) => c.deliveredMs * 1e6 + c.costCents));
  return { costCents: sum(fastest.map((c) => c.costCents)), deliveredMs: Math.max(...fastest.map((c) => c.deliveredMs)), stalledCents: 0 };
}

function earlierOf(current: PlanOutcome | undefined, candidate: PlanOutcome): PlanOutcome {
  if (!current) return candidate;
  if (candidate.deliveredMs !== current.deliveredMs) return candidate.deliveredMs < current.deliveredMs ? candidate : current;
  return candidate.costCents < current.costCents ? candidate : current;
}

function choicesFor(
  shipment: { shipmentId: string; warehouse: WarehouseFacts; lines: readonly AllocationLine[] },
  order: HindsightOrder,
  context: HindsightContext,
  costing: ShipmentCosting,
): Choice[] {
  const { warehouse } = shipment;
  const place = { countryCode: warehouse.countryCode, ...(warehouse.region ? { region: warehouse.region } : {}) };
  const slot = nextPickSlot({
    nowMs: order.placedAtMs,
    timeZone: warehouse.timeZone,
    cutoffLocalTime: warehouse.cutoffLocalTime,
    dailyCapacity: Number.MAX_SAFE_INTEGER,
    bookedByDay: {},
    isPickDay: (d) => isWorkingDayIn(place, d) && !context.isDown(warehouse.code, localTimeMs(d, 12 * 60, warehouse.timeZone)),
  });
  if (!slot) return [];
  const day = slot.day;
  // The carrier takes the parcel once it is picked and packed, on the pick day.
  const handoverBusinessMs = Math.max(
    order.placedAtMs,
    localTimeMs(day, Math.min(parseLocalTime(warehouse.cutoffLocalTime) + warehouse.packingMinutes, 23 * 60), warehouse.timeZone),
  );
  if (localDay(handoverBusinessMs, warehouse.timeZone) !== day) return [];
  const { packagingCents, parcels } = costing.pack(warehouse, shipment.lines);
  const crossBorder = warehouse.countryCode !== order.destination.countryCode;
  return context.network.services.flatMap((service) => {
    if (!service.destinationCountries.includes(order.destination.countryCode)) return [];
    if (parcels.some((p) => p.weightGrams > service.maxParcelWeightGrams)) return [];
    if (parcels.some((p) => Math.max(p.lengthMm, p.widthMm, p.heightMm) > service.maxParcelLengthMm)) return [];
    const deliveredRealMs = realizedDeliveryAtMs(context.truth, {
      shipmentId: shipment.shipmentId,
      carrierCode: service.carrierCode,
      serviceCode: service.serviceCode,
      originCountry: warehouse.countryCode,
      destinationCountry: order.destination.countryCode,
      quotedDays: service.transitDays + (crossBorder ? 1 : 0),
      handoverAtMs: toRealMs(context.clock, handoverBusinessMs),
    });
    return [
      {
        costCents: packagingCents + ratePriceCents(service, parcels, crossBorder),
        deliveredMs: toBusinessMs(context.clock, deliveredRealMs),
        level: service.level,
      },
    ];
  });
}

function minBy<T>(items: readonly T[], score: (item: T) => number): T {
  let best = items[0];
  if (best === undefined) throw new Error('minBy of nothing');
  for (const item of items) if (score(item) < score(best)) best = item;
  return best;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
