import { condition } from '@temporalio/workflow';
import { arrivalDeadlineMs, RETURN_STALL_WINDOW_HOURS, stallWindowMs } from '../../domain/return-policy';
import type { ReturnOutcome } from './definitions';
import { followingDetails } from './details';
import type { ReturnJourney } from './journey';
import { showCurrentDetails } from '../shared/current-details';

/**
 * Follows the parcel back: waits for the customer to use the label (voided when it expires unused),
 * then for its scans to the warehouse, escalating a parcel that stalls or is late, until the goods
 * are inspected, or ops refund or close the return.
 */
export async function followParcel(journey: ReturnJourney): Promise<ReturnOutcome> {
  let stallBaseMs = Date.now();
  let lateEscalated = false;
  let firstScanMs: number | undefined;
  let brokenEscalatedFor: string | undefined;
  let nextPollMs = journey.parcel.nextPollAfter(Date.now());
  // The row may say the label was used before this run saw a scan (a reset run, its scans polled: no signal to hand it
  // over): never expired then. In any other run the row moves only on this run's scans, so this agrees with them.
  const unused = () => journey.parcel.status === 'label_created' && journey.status === 'label_created';
  for (;;) {
    const used = journey.parcel.status !== 'label_created';
    const arrived = journey.status === 'received';
    const lastScanMs = journey.parcel.lastScanMs ?? 0;
    const stallAtMs = Math.max(stallBaseMs, lastScanMs) + stallWindowMs(journey.input.timeScale);
    const lateAtMs = firstScanMs === undefined ? Number.POSITIVE_INFINITY : arrivalDeadlineMs(firstScanMs, journey.input.timeScale);
    const deadlines = [arrived ? Number.POSITIVE_INFINITY : nextPollMs];
    if (unused()) deadlines.push(journey.expiresAtMs);
    deadlines.push(journey.escalations.nextStepAtMs() ?? Number.POSITIVE_INFINITY);
    if (used && !arrived && !journey.escalated) deadlines.push(stallAtMs, lateEscalated ? Number.POSITIVE_INFINITY : lateAtMs);
    const wakeAtMs = Math.min(...deadlines);
    showCurrentDetails([followingDetails(journey.status, journey.parcel, journey.expiresAtMs, journey.escalations.views, wakeAtMs)]);
    await condition(
      () => journey.parcel.hasNews || journey.inspection !== undefined || journey.escalations.hasAnswer() || journey.cancelRequested,
      Number.isFinite(wakeAtMs) ? Math.max(1, wakeAtMs - Date.now()) : undefined,
    );

    const lastScanBefore = journey.parcel.lastScanAt;
    await journey.parcel.absorbInbox();
    // A carrier polled as a safety net is asked again only once its scans stop (the fraction counts from the newest).
    if (journey.parcel.pollsByFraction && journey.parcel.lastScanAt !== lastScanBefore)
      nextPollMs = journey.parcel.nextPollAfter(Date.now());
    if (firstScanMs === undefined && journey.parcel.status !== 'label_created') firstScanMs = journey.parcel.lastScanMs ?? Date.now();
    if (journey.inspection) return journey.settleInspected(journey.inspection);
    const answered = journey.escalations.takeAnswered();
    if (answered) {
      const { decision, resolvedBy } = answered.answer;
      if (decision === 'refund') return journey.settleWithoutGoods(resolvedBy);
      if (decision === 'cancel') return journey.close('cancelled', `closed by ${resolvedBy}`);
      stallBaseMs = Date.now();
      continue;
    }
    const now = Date.now();
    if (journey.cancelRequested && journey.parcel.status === 'label_created') return journey.callOff();
    if (unused() && now >= journey.expiresAtMs) return journey.expire();
    if (journey.status !== 'received' && now >= nextPollMs) {
      await journey.parcel.poll();
      nextPollMs = journey.parcel.nextPollAfter(Date.now());
      continue;
    }
    if (journey.escalations.isOpen()) {
      await journey.escalations.stepUpDue();
      continue;
    }
    if (journey.status === 'received' || journey.parcel.status === 'label_created') continue;
    if (['lost', 'returned_to_sender', 'exception'].includes(journey.parcel.status)) {
      if (brokenEscalatedFor === journey.parcel.status) continue;
      brokenEscalatedFor = journey.parcel.status;
      await journey.escalations.raise(
        'return_stuck',
        `carrier reports ${journey.parcel.status.replace(/_/g, ' ')} for ${journey.parcel.trackingNumber}`,
      );
    } else if (now >= stallAtMs) {
      // Webhooks may have been lost: a carrier polled by fraction is asked once more before the parcel is called stuck.
      if (journey.parcel.pollsByFraction && (await journey.parcel.pollFoundScan())) {
        nextPollMs = journey.parcel.nextPollAfter(Date.now());
        continue;
      }
      await journey.escalations.raise(
        'return_stuck',
        `no scan of return parcel ${journey.parcel.trackingNumber} within ${RETURN_STALL_WINDOW_HOURS} h`,
      );
    } else if (!lateEscalated && now >= lateAtMs) {
      lateEscalated = true;
      await journey.escalations.raise(
        'return_late',
        `return parcel ${journey.parcel.trackingNumber} not at the warehouse within its transit allowance`,
      );
    }
  }
}
