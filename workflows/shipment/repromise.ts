import { patched } from '@temporalio/workflow';
import type { RepromiseReason } from '../../domain/repromise';
import { bookkeeping, summarised } from '../activity-options';
import type { ShipmentJourney } from './shipment';

/** Behind this patch, shipments started before re-promising existed replay as they ran (README, "Upgrading"). */
export const REPROMISE_PATCH = 'repromise-at-risk';

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
