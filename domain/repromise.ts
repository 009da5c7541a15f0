import { addWorkingDays, isWorkingDayIn, workingDaysBetween } from './calendar';
import { type Destination, destinationPlace, endOfDeliveryDayMs, type ShipmentOption } from './fulfilment-plan';
import { DEFAULT_PROMISE_TARGETS, earliestPlan, type PromiseTargets } from './plan-choice';
import type { TransitDistribution } from './transit';

/**
 * Re-promise, never surprise: when the journey learns a shipment's promise is at risk, the date the
 * customer can now count on, with the same confidence as the intake promise. Pure, business time.
 *
 * A shipment still in the warehouse (a missed pick slot, a re-ship, its warehouse down) is dated like
 * a new promise from its next pick slot (`earliestPlan` on its one option, any service). A parcel with
 * the carrier (a late scan, a stall) is dated from what the learned transit distribution says about a
 * parcel *not delivered yet*: P(day k | not by today) over the working days after its hand-over day.
 * Promises only ever move later: an earlier date is no news a customer needs.
 */

export { isRepromiseReason, REPROMISE_REASONS, REPROMISE_WORDING, type RepromiseReason } from './repromise-reasons';

export type ShipmentPosition =
  /** Not handed over yet: its next pick slot and the services that can take it (a ShipmentOption from now). */
  | { kind: 'in_warehouse'; option: ShipmentOption }
  /**
   * With the carrier since `handoverDay` (origin's local day), not delivered yet on `today` (destination's local
   * day); `todayIsOver` once the destination's delivery window has closed (nothing more arrives today).
   */
  | { kind: 'with_carrier'; handoverDay: string; today: string; todayIsOver: boolean; distribution: TransitDistribution };

/** The day the shipment arrives by with `confidence`, from where it is now; undefined when nothing can date it. */
export function expectedDeliveryDay(
  position: ShipmentPosition,
  destination: Destination,
  targets: PromiseTargets = DEFAULT_PROMISE_TARGETS,
): string | undefined {
  if (position.kind === 'in_warehouse') return earliestPlan([[position.option]], destination, undefined, targets)?.deliveryDay;
  const place = destinationPlace(destination);
  const { pmf } = position.distribution;
  const elapsed = workingDaysBetween(place, position.handoverDay, position.today);
  // Working days after the hand-over already gone by without a delivery: today counts once it is over (or no delivery day).
  const todayStillOpen = !position.todayIsOver && isWorkingDayIn(place, position.today) && elapsed > 0;
  const gone = todayStillOpen ? elapsed - 1 : elapsed;
  // What is left of the distribution once those days are ruled out.
  const remaining = pmf.slice(gone);
  const mass = remaining.reduce((sum, p) => sum + p, 0);
  if (mass <= 1e-9) {
    // Later than anything the model has seen: at least a day more per day of the quote, the parcel is lost or nearly.
    return addWorkingDays(place, position.today, Math.max(1, position.distribution.quotedDays));
  }
  let cumulative = 0;
  for (let i = 0; i < remaining.length; i++) {
    cumulative += (remaining[i] ?? 0) / mass;
    if (cumulative >= targets.confidence - 1e-12) return addWorkingDays(place, position.handoverDay, gone + i + 1);
  }
  return addWorkingDays(place, position.handoverDay, pmf.length);
}

export type Repromise =
  | { changed: false; promisedByMs: number }
  | { changed: true; previousPromisedByMs: number; promisedByMs: number; deliveryDay: string };

/**
 * Whether the promise in force must move: to the end of the expected delivery day when that is later than
 * the current promise, never earlier. `promisedByMs` and the answer are business time.
 */
export function repromise(
  position: ShipmentPosition,
  destination: Destination,
  promisedByMs: number,
  targets: PromiseTargets = DEFAULT_PROMISE_TARGETS,
): Repromise {
  const day = expectedDeliveryDay(position, destination, targets);
  if (day === undefined) return { changed: false, promisedByMs };
  const expectedByMs = endOfDeliveryDayMs(destination, day);
  if (expectedByMs <= promisedByMs) return { changed: false, promisedByMs };
  return { changed: true, previousPromisedByMs: promisedByMs, promisedByMs: expectedByMs, deliveryDay: day };
}
