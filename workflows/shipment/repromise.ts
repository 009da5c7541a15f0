import { hoursToRealMs } from '../../domain/clock';
import type { RepromiseReason } from '../../domain/repromise';
import { isTerminal } from '../../domain/tracking';
import { bookkeeping, summarised } from '../activity-options';
import type { RepromiseAnswer, RepromiseRequest } from '../activity-types';
import { searchAttributes } from '../definitions';
import { LATER_PATCHES, PATCHES, takesLater } from '../shared/generation';
import type { ScanWork, ShipmentJourney } from './shipment';

/** Scans at most this many business hours apart are judged once: a burst of hub scans costs one look. */
const SCAN_CHECK_EVERY_HOURS = 12;

/**
 * Re-promise, never surprise: the journey learnt the promise is at risk (a missed pick slot, a stall, a late
 * parcel, a re-ship). The activity dates the shipment from where it is now and moves the promise only when
 * that date is later (activities/repromise.ts); see `heardRepromise` for what follows. The intake promise is kept.
 */
export async function repromiseIfAtRisk(
  j: ShipmentJourney,
  reason: RepromiseReason,
  detail: string,
  round: Pick<RepromiseRequest, 'outForDeliveryByHours'> = {},
): Promise<void> {
  // v2 shipments started before re-promising existed replay as they ran (README, "Upgrading").
  if (!j.takes(PATCHES.repromiseAtRisk)) return;
  const { orderId, shipmentId } = j.input;
  const answer = await summarised(bookkeeping.repromiseShipment, `Re-promise if at risk (${reason.replace(/_/g, ' ')})`, {
    orderId,
    shipmentId,
    reason,
    detail,
    nowMs: Date.now(),
    ...(j.generation === 'v3' ? { announce: true } : {}),
    ...round,
  });
  await heardRepromise(j, answer);
}

/**
 * A re-promise's answer: the new date goes in the view and the timeline, the late deadline moves with it.
 * A v3 shipment's activity has told the customer and the shop already, and the order hears only a move of
 * its own date (a later shipment of a split order may promise later still); a v2 order is told every
 * change and announces it itself.
 */
export async function heardRepromise(j: ShipmentJourney, answer: RepromiseAnswer): Promise<void> {
  if (!answer.changed) return;
  j.view.promisedBy = answer.promisedBy;
  // The Web UI's PromisedBy: the new date, as the view says (it kept the start's, the intake promise, before).
  if (takesLater(LATER_PATCHES.repromisePublishesPromisedBy)) {
    j.searchAttributes.set({ key: searchAttributes.promisedBy, value: new Date(answer.promisedBy) }).publish();
  }
  // A new promise gets its own late check.
  if (!j.escalations.isOpen('late')) j.watch.lateEscalated = false;
  j.timeline.note(
    'note',
    `re-promised: ${answer.promisedBy.slice(0, 16).replace('T', ' ')}`,
    `${answer.wording} (was ${answer.previousPromisedBy.slice(0, 16).replace('T', ' ')})`,
  );
  if (j.generation === 'v3' && !answer.orderMoved) return;
  await j.onMilestone({
    kind: 'repromised',
    shipmentId: j.input.shipmentId,
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
 * the parcel is already late. At most once per half business day of scans. A v3 shipment judges in the
 * write that stores the scans (`judgeAtScan`, scans.ts); this is v2's separate look.
 */
export async function repromiseIfScanShowsRisk(j: ShipmentJourney): Promise<void> {
  if (j.generation === 'v3' || !scanJudgementDue(j, j.dispatched)) return;
  if (!j.takes(PATCHES.repromiseOnScan)) return;
  const { status, lastScanAt } = j.tracking;
  j.watch.riskCheckedAtScanMs = Date.parse(lastScanAt ?? '');
  await repromiseIfAtRisk(j, 'late_scan', scanDetail(status, lastScanAt ?? ''));
}

/** The judgement a v3 shipment asks of the write that stores its scans, when one is due (`dispatched`: after them). */
export function judgeAtScan(j: ShipmentJourney, dispatched: boolean): ScanWork {
  const { status, lastScanAt } = j.tracking;
  if (!scanJudgementDue(j, dispatched) || !lastScanAt) return {};
  j.watch.riskCheckedAtScanMs = Date.parse(lastScanAt);
  const { orderId, shipmentId } = j.input;
  // Judged at the scan's instant, as its detail says, not at the worker's: a worker seconds behind its scans judged a
  // parcel hours later than it was scanned on a fast clock (past the day's last delivery: late by a day). A carrier's
  // clock ahead of ours does not judge the future.
  const nowMs = Math.min(Date.parse(lastScanAt), Date.now());
  return {
    judgePromise: { orderId, shipmentId, reason: 'late_scan', detail: scanDetail(status, lastScanAt), nowMs },
    // The carrier's delivery round as learned by now, for the label's promise day (delivery-round.ts).
    ...(j.label ? { roundOf: j.label.carrierCode } : {}),
  };
}

function scanJudgementDue(j: ShipmentJourney, dispatched: boolean): boolean {
  const { status, lastScanAt } = j.tracking;
  if (!dispatched || !lastScanAt || status === 'label_created' || status === 'delivered' || isTerminal(status)) return false;
  const checked = j.watch.riskCheckedAtScanMs;
  return checked === undefined || Date.parse(lastScanAt) - checked >= hoursToRealMs(SCAN_CHECK_EVERY_HOURS, j.input.timeScale);
}

const scanDetail = (status: string, lastScanAt: string): string =>
  `judged at the ${status.replace(/_/g, ' ')} scan of ${lastScanAt.slice(0, 16).replace('T', ' ')}`;
