import { patched } from '@temporalio/workflow';
import { hoursToRealMs } from '../../domain/clock';
import type { RepromiseReason } from '../../domain/repromise';
import { isTerminal } from '../../domain/tracking';
import { bookkeeping, summarised } from '../activity-options';
import type { ShipmentJourney } from './shipment';

/** Behind this patch, shipments started before re-promising existed replay as they ran (README, "Upgrading"). */
export const REPROMISE_PATCH = 'repromise-at-risk';
/** Behind this one, shipments started before re-promising from a scan replay without it. */
export const SCAN_REPROMISE_PATCH = 'repromise-on-scan';

/** Scans at most this many business hours apart are judged once: a burst of hub scans costs one look. */
const SCAN_CHECK_EVERY_HOURS = 12;

/**
 * Re-promise, never surprise: the journey learnt the promise is at risk (a missed pick slot, a stall, a late
 * parcel, a re-ship). The activity dates the shipment from where it is now and moves the promise only when
 * that date is later (activities/repromise.ts); the new date goes in the view and the timeline, the late
 * deadline moves with it, and the order hears it (it tells the customer). The intake promise is kept.
 */
export async function repromiseIfAtRisk(j: ShipmentJourney, reason: RepromiseReason, detail: string): Promise<void> {
  if (!patched(REPROMISE_PATCH)) return;
  const { orderId, shipmentId } = j.input;
  const answer = await summarised(bookkeeping.repromiseShipment, `Re-promise if at risk (${reason.replace(/_/g, ' ')})`, {
    orderId,
    shipmentId,
    reason,
    detail,
    nowMs: Date.now(),
  });
  if (!answer.changed) return;
  j.view.promisedBy = answer.promisedBy;
  // A new promise gets its own late check.
  if (!j.escalations.isOpen('late')) j.watch.lateEscalated = false;
  j.timeline.note(
    'note',
    `re-promised: ${answer.promisedBy.slice(0, 16).replace('T', ' ')}`,
    `${answer.wording} (was ${answer.previousPromisedBy.slice(0, 16).replace('T', ' ')})`,
  );
  await j.onMilestone({
    kind: 'repromised',
    shipmentId,
    previousPromisedBy: answer.previousPromisedBy,
    promisedBy: answer.promisedBy,
    reason: answer.reason,
    wording: answer.wording,
  });
}

/**
 * Re-promise early, from a scan: a parcel with the carrier and not delivered is judged at its scans — the
 * learned transit, given it is still not delivered today, says whether it arrives by the promise with the
 * promise's confidence (activities/repromise.ts, `with_carrier`); if not, the promise moves now, not once
 * the parcel is already late. At most once per half business day of scans.
 */
export async function repromiseIfScanShowsRisk(j: ShipmentJourney): Promise<void> {
  const status = j.tracking.status;
  const lastScanAt = j.tracking.lastScanAt;
  if (!j.dispatched || !lastScanAt || status === 'label_created' || status === 'delivered' || isTerminal(status)) return;
  const scanMs = Date.parse(lastScanAt);
  const checked = j.watch.riskCheckedAtScanMs;
  if (checked !== undefined && scanMs - checked < hoursToRealMs(SCAN_CHECK_EVERY_HOURS, j.input.timeScale)) return;
  if (!patched(SCAN_REPROMISE_PATCH)) return;
  j.watch.riskCheckedAtScanMs = scanMs;
  await repromiseIfAtRisk(
    j,
    'late_scan',
    `judged at the ${status.replace(/_/g, ' ')} scan of ${lastScanAt.slice(0, 16).replace('T', ' ')}`,
  );
}
