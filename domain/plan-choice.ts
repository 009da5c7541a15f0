import { addWorkingDays } from './calendar';
import { type Destination, destinationPlace, probabilityByDay, type ServiceOption, type ShipmentOption } from './fulfilment-plan';
import type { ServiceLevel } from './order';

/**
 * Choosing a plan for a day: the first working day some candidate plan (domain/promise-engine.ts `buildPlans`)
 * delivers everything by with the target confidence, and per plan the cheapest services that reach it. Read by
 * the promise at intake, the allocation against a promise and the re-promise, so all three choose alike.
 */

export interface PromiseTargets {
  /** P(every parcel of the order delivered by the promise) the promise must reach. */
  confidence: number;
  /** Working days after today beyond which no promise is made (an operations problem, not a date). */
  horizonDays: number;
}

export const DEFAULT_PROMISE_TARGETS: PromiseTargets = { confidence: 0.95, horizonDays: 30 };

export interface ChosenShipment {
  option: ShipmentOption;
  service: ServiceOption;
  /** P(this shipment delivered by the end of the plan's day). */
  probability: number;
}

export interface PlanChoice {
  deliveryDay: string;
  shipments: ChosenShipment[];
  /** Boxes + carriers, as the published rate cards price them. */
  costCents: number;
  /** Product of the shipments' probabilities. */
  confidence: number;
}

/** The first day some plan reaches the target, and its cheapest plan that day. */
export function earliestPlan(
  plans: readonly (readonly ShipmentOption[])[],
  destination: Destination,
  levels: ReadonlySet<ServiceLevel> | undefined,
  targets: PromiseTargets,
): PlanChoice | undefined {
  if (plans.length === 0) return undefined;
  const place = destinationPlace(destination);
  const firstHandover = plans.flatMap((plan) => plan.map((s) => s.handoverDay)).sort()[0];
  if (!firstHandover) return undefined;
  for (let n = 1; n <= targets.horizonDays; n++) {
    const day = addWorkingDays(place, firstHandover, n);
    const choice = cheapestPlanByDay(plans, day, destination, levels, targets.confidence);
    if (choice) return choice;
  }
  return undefined;
}

/** Past this many service combinations per plan, each shipment takes its own share of the target. */
const MAX_COMBINATIONS = 625;

/** The cheapest plan (services included) delivering everything by the end of `day` with P ≥ `confidence`. */
export function cheapestPlanByDay(
  plans: readonly (readonly ShipmentOption[])[],
  day: string,
  destination: Destination,
  levels: ReadonlySet<ServiceLevel> | undefined,
  confidence: number,
): PlanChoice | undefined {
  let best: PlanChoice | undefined;
  for (const plan of plans) {
    const perShipment = plan.map((option) =>
      option.services
        .filter((service) => levels === undefined || levels.has(service.level))
        .map((service) => ({ option, service, probability: probabilityByDay(option, service, destination, day) }))
        .filter((s) => s.probability > 0)
        .sort((a, b) => a.service.priceCents - b.service.priceCents || b.probability - a.probability),
    );
    if (perShipment.some((services) => services.length === 0)) continue;
    const choice = cheapestCombination(perShipment, confidence);
    if (!choice) continue;
    const costCents = choice.reduce((sum, s) => sum + s.option.packagingCents + s.service.priceCents, 0);
    const planConfidence = choice.reduce((p, s) => p * s.probability, 1);
    const candidate: PlanChoice = { deliveryDay: day, shipments: choice, costCents, confidence: planConfidence };
    if (!best || isBetter(candidate, best)) best = candidate;
  }
  return best;
}

function isBetter(a: PlanChoice, b: PlanChoice): boolean {
  if (a.costCents !== b.costCents) return a.costCents < b.costCents;
  if (a.shipments.length !== b.shipments.length) return a.shipments.length < b.shipments.length;
  if (a.confidence !== b.confidence) return a.confidence > b.confidence;
  // Deterministic last resort, so the same facts always give the same plan.
  return planKey(a) < planKey(b);
}

const planKey = (choice: PlanChoice) =>
  choice.shipments.map((s) => `${s.option.warehouseCode}:${s.service.carrierCode}:${s.service.serviceCode}`).join('|');

function cheapestCombination(perShipment: ChosenShipment[][], confidence: number): ChosenShipment[] | undefined {
  const combinations = perShipment.reduce((n, services) => n * services.length, 1);
  if (combinations > MAX_COMBINATIONS) {
    const share = confidence ** (1 / perShipment.length);
    const picks = perShipment.map((services) => services.find((s) => s.probability >= share));
    return picks.every((p): p is ChosenShipment => p !== undefined) ? picks : undefined;
  }
  let best: { picks: ChosenShipment[]; cost: number } | undefined;
  const walk = (i: number, picks: ChosenShipment[], cost: number, probability: number) => {
    if (best && cost >= best.cost) return;
    if (i === perShipment.length) {
      if (probability >= confidence - 1e-12) best = { picks: [...picks], cost };
      return;
    }
    for (const pick of perShipment[i] ?? []) {
      picks.push(pick);
      walk(i + 1, picks, cost + pick.service.priceCents, probability * pick.probability);
      picks.pop();
    }
  };
  walk(0, [], 0, 1);
  return best?.picks;
}
