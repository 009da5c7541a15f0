import { addWorkingDays, type CalendarPlace, isWorkingDayIn, workingDaysBetween } from './calendar';
import { type Destination, destinationPlace, endOfDeliveryDayMs, lastDeliveryDayBy, type ShipmentOption } from './fulfilment-plan';
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
  const { gone, remaining, mass } = stillToCome(position, place);
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

/**
 * What the transit distribution leaves for a parcel not delivered yet: the working days after its hand-over already
 * gone by without a delivery (today counts once it is over, or when it is no delivery day), and the probabilities of
 * the days after them (`remaining[i]`: delivered on working day gone + i + 1), of total `mass`.
 */
function stillToCome(position: Extract<ShipmentPosition, { kind: 'with_carrier' }>, place: CalendarPlace) {
  const elapsed = workingDaysBetween(place, position.handoverDay, position.today);
  const todayStillOpen = !position.todayIsOver && isWorkingDayIn(place, position.today) && elapsed > 0;
  const gone = todayStillOpen ? elapsed - 1 : elapsed;
  const remaining = position.distribution.pmf.slice(gone);
  return { gone, remaining, mass: remaining.reduce((sum, p) => sum + p, 0) };
}

/**
 * P(delivered by the end of `day`) for a parcel with the carrier and not delivered yet, from what its transit
 * distribution leaves (`stillToCome`); 0 when the model has nothing left (later than anything it has seen).
 */
export function onTimeProbability(
  position: Extract<ShipmentPosition, { kind: 'with_carrier' }>,
  destination: Destination,
  day: string,
): number {
  const place = destinationPlace(destination);
  const { gone, remaining, mass } = stillToCome(position, place);
  if (mass <= 1e-9) return 0;
  let byDay = 0;
  for (let i = 0; i < remaining.length; i++) {
    if (addWorkingDays(place, position.handoverDay, gone + i + 1) > day) break;
    byDay += (remaining[i] ?? 0) / mass;
  }
  return Math.min(1, byDay);
}

/**
 * A scan re-promises a parcel once its date has become more likely missed than kept. Not at the promise's own
 * confidence: a promise made at 95 % dips under it the evening before most on-time deliveries (a day of the
 * distribution ruled out leaves its tail heavier: a parcel 93 % on its quoted day is 75 % on the next once it missed
 * it), and customers were told "late" of parcels that came in time (28 of 34 scan re-promises in a peak week: RESULTS, stop 49).
 * The new date is still one kept with the promise's confidence. A stall is judged as before: it is news the
 * distribution does not hold (a parcel gone quiet is likelier lost).
 */
export const REPROMISE_WHEN_ON_TIME_BELOW = 0.5;

export type Repromise =
  | { changed: false; promisedByMs: number }
  | { changed: true; previousPromisedByMs: number; promisedByMs: number; deliveryDay: string };

/**
 * Whether the promise in force must move: to the end of the expected delivery day when that is later than
 * the current promise, never earlier. `promisedByMs` and the answer are business time. `atRiskBelow`: a parcel
 * with the carrier keeps its date while it is kept with at least this probability (a scan's judgement passes
 * `REPROMISE_WHEN_ON_TIME_BELOW`); absent, any expected day past the promise moves it.
 */
export function repromise(
  position: ShipmentPosition,
  destination: Destination,
  promisedByMs: number,
  targets: PromiseTargets = DEFAULT_PROMISE_TARGETS,
  atRiskBelow?: number,
): Repromise {
  if (position.kind === 'with_carrier' && atRiskBelow !== undefined) {
    const kept = onTimeProbability(position, destination, lastDeliveryDayBy(destination, promisedByMs));
    if (kept >= Math.min(atRiskBelow, targets.confidence)) return { changed: false, promisedByMs };
  }
  const day = expectedDeliveryDay(position, destination, targets);
  if (day === undefined) return { changed: false, promisedByMs };
  const expectedByMs = endOfDeliveryDayMs(destination, day);
  if (expectedByMs <= promisedByMs) return { changed: false, promisedByMs };
  return { changed: true, previousPromisedByMs: promisedByMs, promisedByMs: expectedByMs, deliveryDay: day };
}
