import { hoursToRealMs } from '../../domain/clock';
import type { TrackingStatus } from '../../domain/lifecycle';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { repromiseIfAtRisk } from './repromise';
import type { ShipmentJourney } from './shipment';

/**
 * Re-promise, never surprise, on the promise's own day: a carrier puts the parcels it delivers today out for
 * delivery by a time its parcels taught us (domain/delivery-round.ts, carried by the label). A parcel due today and
 * not out for delivery by then will not come today; its customer hears the new date then, hours before the promise
 * passes, instead of after it. Checked once per promise in force: a re-promise sets a new day with its own round.
 */

/** Statuses that answer the question already: the parcel came, waits at a pickup point, or the carrier tried. */
const ROUND_SETTLED: ReadonlySet<TrackingStatus> = new Set([
  'delivered',
  'available_for_pickup',
  'delivery_failed',
  'returned_to_sender',
  'lost',
]);

/** When the promise in force has its delivery round checked; none without a learned round or once there is nothing to check. */
export function roundCheckAtMs(j: ShipmentJourney, promisedByMs: number): number | undefined {
  const hours = j.label?.outForDeliveryByHours;
  if (hours === undefined || j.watch.lateEscalated || j.watch.roundCheckedForMs === promisedByMs) return undefined;
  if (ROUND_SETTLED.has(j.tracking.status) || outForDeliveryOnItsDay(j, promisedByMs)) return undefined;
  return promisedByMs - hoursToRealMs(hours, j.input.timeScale);
}

/** Once the round has passed without the parcel, and before the promise does (the late alarm takes it from there). */
export async function checkDeliveryRound(j: ShipmentJourney, promisedByMs: number): Promise<void> {
  const checkAtMs = roundCheckAtMs(j, promisedByMs);
  const now = Date.now();
  if (checkAtMs === undefined || now < checkAtMs || now >= promisedByMs) return;
  j.watch.roundCheckedForMs = promisedByMs;
  // Shipments that ran before the check existed replay as they ran (README, "Upgrading a running system").
  if (!takesLater(LATER_PATCHES.missedRoundRepromises)) return;
  const promised = j.view.promisedBy.slice(0, 16).replace('T', ' ');
  const round = new Date(checkAtMs).toISOString().slice(0, 16).replace('T', ' ');
  // The activity checks the round has ended in the destination's day: a shop's promise set before the window's close
  // (a noon `promisedBy`) is checked before the round ends, and the parcel is then judged as at a scan.
  const outForDeliveryByHours = j.label?.outForDeliveryByHours;
  await repromiseIfAtRisk(j, 'not_out_for_delivery', `not out for delivery by ${round}, promised by ${promised}`, {
    ...(outForDeliveryByHours === undefined ? {} : { outForDeliveryByHours }),
  });
}

/** Out for delivery on the promise's day: the scan within the business day before the promise, not a round days ago. */
function outForDeliveryOnItsDay(j: ShipmentJourney, promisedByMs: number): boolean {
  const { status, lastScanAt } = j.tracking;
  if (status !== 'out_for_delivery' || !lastScanAt) return false;
  return Date.parse(lastScanAt) >= promisedByMs - hoursToRealMs(24, j.input.timeScale);
}
