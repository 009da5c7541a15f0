import { allHandlersFinished, condition, log, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { hoursToRealMs } from '../../domain/clock';
import type { FinalShipmentStage } from '../../domain/lifecycle';
import { stallWindowAfter } from '../../domain/scan-rhythm';
import { isBroken, isTerminal } from '../../domain/tracking';
import { carrier, stock, summarised } from '../activity-options';
import type { Answered } from '../shared/escalation-owner';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { bookLabel } from './booking';
import { voidLabel } from './label-void';
import { cameBackToSender, receiveCarrierReturn } from './carrier-return';
import { checkDeliveryRound, roundCheckAtMs } from './delivery-round';
import { repromiseIfAtRisk, repromiseIfScanShowsRisk } from './repromise';
import { giveUpParcel, reshipRefulfils } from './reship';
import { absorbScans } from './scans';
import { type ShipmentJourney, StopShipment } from './shipment';
import type { ShipmentInput } from './types';

/** How often carriers without webhooks are polled (business hours). */
const POLL_HOURS = 4;
/** A tracking run hands over to a fresh one (continue-as-new) past this many history events. */
const HISTORY_EVENTS_PER_RUN = 2_000;
/** Timeline entries a continued run carries over; the database keeps every scan and stage. */
const TIMELINE_CARRIED_OVER = 50;

/**
 * Tracking: carrier scans (webhooks, or polls for carriers without them) until a final status, watching
 * four deadlines on one timer — the stall window (no scan: stuck), the promise's delivery round (not out for
 * delivery on its day: re-promised), the promise (late), and the severity steps of open escalations. Stall
 * detection keeps running while a "late" escalation is open and after a re-ship; weeks of tracking continue
 * as new runs instead of growing one history without bound.
 */
export async function track(j: ShipmentJourney): Promise<FinalShipmentStage> {
  for (;;) {
    // The promise in force: a re-promise moves it (and the late deadline with it).
    const promisedByMs = Date.parse(j.view.promisedBy);
    const info = workflowInfo();
    // An address change the order waits to hear about is answered first: a fresh run would not carry it.
    const longRun = info.continueAsNewSuggested || info.historyLength > (j.input.historyEventsPerRun ?? HISTORY_EVENTS_PER_RUN);
    if (longRun && !j.addressOwed) await continueTracking(j);
    if (delivered(j)) return 'delivered';
    schedulePolls(j);
    const wakeAtMs = earliest(
      j.watch.nextPollMs,
      stallAtMs(j),
      j.watch.lateEscalated ? undefined : promisedByMs,
      roundCheckAtMs(j, promisedByMs),
      j.escalations.nextStepAtMs(),
    );
    await j.alarm.wait(
      () => j.inbox.length > 0 || j.cancelReason !== undefined || j.pendingAddress !== undefined || j.escalations.hasAnswer(),
      wakeAtMs,
      'Next check: scan, poll, stall, delivery round, promise or escalation deadline',
    );

    const lastScanBefore = j.tracking.lastScanAt;
    // Scans that came in with a cancel or an address change are the carrier's word, taken first: one that says the
    // carrier has collected the parcel leaves no label to void, no stock to put back on the shelf.
    const steered = j.cancelReason !== undefined || j.pendingAddress !== undefined;
    if (steered && !j.dispatched && j.inbox.length > 0 && takesLater(LATER_PATCHES.scansBeforeCancel)) await absorbInbox(j);
    if (j.cancelReason !== undefined) {
      if (!j.dispatched) throw new StopShipment('cancelled');
      j.cancelReason = undefined; // too late: the order learns it from the dispatched milestone and refuses the cancel
    }
    if (j.pendingAddress !== undefined && !j.dispatched) {
      await j.answerAddress(true);
      await voidLabel(j, 'address changed');
      j.takePendingAddress();
      await bookLabel(j, 'address changed');
      j.watch.stallBaseMs = Date.now();
      continue;
    }
    // Too late: the carrier has the parcel, labelled for the address it had. The order, when it waits to hear, is told.
    if (j.pendingAddress !== undefined) await j.answerAddress(false);
    j.pendingAddress = undefined;
    await absorbInbox(j);
    // A carrier polled as a safety net is asked again only once the scans stop (the fraction counts from the newest).
    if (j.label?.pollStallFraction !== undefined && j.tracking.lastScanAt !== lastScanBefore) delete j.watch.nextPollMs;
    await repromiseIfScanShowsRisk(j);
    const answered = j.escalations.takeAnswered();
    if (answered) {
      const final = await j.escalations.actOn(answered, () => applyDecision(j, answered));
      if (final) return final;
      continue;
    }
    if (delivered(j)) return 'delivered';
    if (j.watch.nextPollMs !== undefined && Date.now() >= j.watch.nextPollMs) {
      delete j.watch.nextPollMs;
      await absorbScans(j, 'poll', await poll(j));
      if (delivered(j)) return 'delivered';
      await repromiseIfScanShowsRisk(j);
    }
    await j.escalations.stepUpDue();
    await detectProblems(j, promisedByMs);
  }
}

/** Every scan batch waiting in the inbox, in the order it came. */
async function absorbInbox(j: ShipmentJourney): Promise<void> {
  while (j.inbox.length > 0) {
    const batch = j.inbox.shift();
    if (batch) await absorbScans(j, batch.source, batch.events, batch.stored === true);
  }
}

/**
 * When to ask the carrier for scans: every few hours for carriers without webhooks; for the others while
 * the parcel is stuck (its webhooks may be lost), once at the end of each stall window before calling it
 * stuck (detectProblems), and — for a carrier with a poll fraction (ShipEngine) — once that fraction of
 * the stall window passes without a scan, so a parcel whose webhooks stop is asked before it stalls.
 * A label recorded without a fraction (histories before it existed) is tracked exactly as before.
 */
function schedulePolls(j: ShipmentJourney): void {
  const label = j.label;
  const fraction = label?.pollStallFraction;
  const pollsNeeded =
    label !== undefined &&
    !isTerminal(j.tracking.status) &&
    (!label.supportsWebhooks || fraction !== undefined || j.escalations.isOpen('stuck'));
  if (!pollsNeeded) {
    delete j.watch.nextPollMs;
    return;
  }
  const everyHours = label.supportsWebhooks ? j.stallWindowHours * (fraction ?? 0.5) : POLL_HOURS;
  j.watch.nextPollMs ??= Date.now() + hoursToRealMs(everyHours, j.input.timeScale);
}

/**
 * Stuck (no scan within the stall window), broken (exception, returned, lost) and late (past the promise).
 * Before a parcel is called stuck, its carrier is asked once: a webhook may have been lost.
 */
async function detectProblems(j: ShipmentJourney, promisedByMs: number): Promise<void> {
  const stallAt = stallAtMs(j);
  let stalled = stallAt !== undefined && Date.now() >= stallAt && !stallBaseMovedToLabel(j);
  if (stalled && j.label?.supportsWebhooks) {
    const lastScanBefore = j.tracking.lastScanAt;
    await absorbScans(j, 'poll', await poll(j));
    stalled = j.tracking.lastScanAt === lastScanBefore;
  }
  const status = j.tracking.status;
  if (isBroken(status) && j.watch.brokenEscalatedFor !== status && !j.escalations.isOpen('broken')) {
    j.watch.brokenEscalatedFor = status;
    await j.escalations.raise(
      'broken',
      `carrier reports ${status.replace(/_/g, ' ')} for ${j.label?.trackingNumber ?? j.input.shipmentId}`,
    );
  }
  if (stalled && !isTerminal(status)) {
    const since = j.tracking.lastScanAt ?? new Date(j.watch.stallBaseMs).toISOString();
    await j.escalations.raise('stuck', `no scan since ${since.slice(0, 16).replace('T', ' ')} (stall window ${stallWindowNow(j)} h)`);
    await repromiseIfAtRisk(j, 'stall', `no scan since ${since.slice(0, 16).replace('T', ' ')}`);
  }
  await checkDeliveryRound(j, promisedByMs);
  if (!j.watch.lateEscalated && Date.now() >= promisedByMs && !isTerminal(status) && !(await deliveredAfterAll(j))) {
    j.watch.lateEscalated = true;
    const promised = j.view.promisedBy;
    // Ops hear the parcel is late, as before; the customer hears the new date when the promise moves.
    await j.escalations.raise('late', `promised by ${promised.slice(0, 16).replace('T', ' ')} and not delivered`);
    await repromiseIfAtRisk(j, 'late_scan', `not delivered by ${promised.slice(0, 16).replace('T', ' ')}`);
  }
}

/**
 * At the promise, the carrier is asked once before the parcel is called late: its delivery scan may not have
 * reached us yet (a lost webhook, a polled carrier between two polls), and a late alarm would re-promise a
 * delivered parcel and tell its customer so. Histories from before ask nothing.
 */
async function deliveredAfterAll(j: ShipmentJourney): Promise<boolean> {
  if (!takesLater(LATER_PATCHES.askCarrierBeforeLate)) return false;
  await absorbScans(j, 'poll', await poll(j));
  return isTerminal(j.tracking.status);
}

/**
 * A parcel waits for collection from its label, not from its shipment's start: a Friday-evening order that
 * waited the weekend for Monday's pick slot is not stuck the instant its label is bought. Asked only when the
 * deadline counted from the start falls with no scan yet (where the paths part), so a shipment labelled soon
 * enough never meets the marker; histories from before replay the deadline from the start.
 */
function stallBaseMovedToLabel(j: ShipmentJourney): boolean {
  const { labelledAtMs, stallBaseMs } = j.watch;
  if (labelledAtMs === undefined || labelledAtMs <= stallBaseMs || j.tracking.lastScanAt !== null) return false;
  if (!takesLater(LATER_PATCHES.stallFromLabel)) return false;
  j.watch.stallBaseMs = labelledAtMs;
  return true;
}

/** When the parcel counts as stuck; none while a stuck or broken escalation is open, or the parcel reached a final status. */
function stallAtMs(j: ShipmentJourney): number | undefined {
  if (!j.label || isTerminal(j.tracking.status) || j.escalations.isOpen('stuck') || j.escalations.isOpen('broken')) return undefined;
  const lastScanMs = j.tracking.lastScanAt ? Date.parse(j.tracking.lastScanAt) : 0;
  return Math.max(j.watch.stallBaseMs, lastScanMs) + hoursToRealMs(stallWindowNow(j), j.input.timeScale);
}

/**
 * Business hours of silence that make the parcel stuck now: the carrier's learned rhythm at the parcel's step
 * (domain/scan-rhythm.ts) when its label carries one, else the service level's fixed window. Labels booked
 * before the rhythm existed carry none and replay on the fixed window; every generation asks history too.
 */
function stallWindowNow(j: ShipmentJourney): number {
  const learned = j.label?.stallWindowHours;
  if (learned === undefined || !takesLater(LATER_PATCHES.learnedStallWindow)) return j.stallWindowHours;
  const transitScans = j.tracking.timeline.filter((scan) => scan.status !== 'label_created').length;
  return stallWindowAfter(learned, transitScans, j.stallWindowHours);
}

/** A carrier that refuses the poll (it lost track of the number) is no reason to fail: no scans means stuck in time. */
async function poll(j: ShipmentJourney): Promise<CarrierTrackingEvent[]> {
  const label = j.label;
  if (!label) return [];
  return summarised(carrier.pollTracking, `Poll ${label.carrierCode} for ${label.trackingNumber}`, {
    carrierCode: label.carrierCode,
    trackingNumber: label.trackingNumber,
  }).catch((error: unknown) => {
    log.warn('tracking poll refused', { shipmentId: j.input.shipmentId, error: String(error) });
    return [];
  });
}

/** Applies ops' decision on an escalation during tracking; a final stage when the decision ends the shipment. */
async function applyDecision(j: ShipmentJourney, answered: Answered): Promise<FinalShipmentStage | undefined> {
  const { answer } = answered;
  j.showDetails();
  switch (answer.decision) {
    case 'wait':
      if (j.tracking.status === 'lost') return j.tracking.status;
      if (j.tracking.status === 'returned_to_sender') {
        // Ops let it end: the goods are back for inspection, and nobody has settled the customer yet.
        if (j.dispatched && cameBackToSender(j)) await receiveCarrierReturn(j);
        return j.tracking.status;
      }
      j.watch.stallBaseMs = Date.now();
      return undefined;
    case 'reship':
      if (reshipRefulfils(j)) return giveUpParcel(j, answered);
      await voidLabel(j, 'reship');
      j.dispatched = false;
      await bookLabel(j, 'reship');
      await repromiseIfAtRisk(j, 'reship', `re-shipped as ${j.label?.trackingNumber ?? 'a new parcel'}`);
      j.watch.stallBaseMs = Date.now();
      delete j.watch.brokenEscalatedFor;
      return undefined;
    case 'refund':
    case 'cancel': {
      await voidLabel(j, answer.decision);
      const { orderId, shipmentId } = j.input;
      if (!j.dispatched) await stock.releaseReservations({ orderId, shipmentId, reason: `ops ${answer.decision}` });
      j.saga.clear();
      if (j.dispatched && cameBackToSender(j)) await receiveCarrierReturn(j, answer.decision);
      return answer.decision === 'refund' ? 'refunded' : 'cancelled';
    }
    case 'ship_available':
      return undefined;
  }
}

/** Hands the tracking shipment over to a fresh run with its state, once no update is still writing. */
async function continueTracking(j: ShipmentJourney): Promise<never> {
  if (j.unrecordedScans.length > 0) await j.recordStatus();
  await condition(allHandlersFinished);
  const label = j.label;
  const parcels = j.parcels;
  if (!label || !parcels) throw new Error('continue-as-new outside tracking');
  const continueAsNew = makeContinueAsNewFunc<(input: ShipmentInput) => Promise<unknown>>({
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  return continueAsNew({
    ...j.input,
    carriedOver: {
      view: { ...j.view, timeline: j.view.timeline.slice(-TIMELINE_CARRIED_OVER) },
      tracking: j.tracking,
      label,
      parcels,
      shipTo: j.shipTo,
      dispatched: j.dispatched,
      savingCents: j.savingCents,
      saga: j.saga.list,
      ...(j.stages.inProgress ? { stageInProgress: j.stages.inProgress } : {}),
      escalations: j.escalations.state(),
      watch: j.watch,
    },
  });
}

// A call, not a property read, so the compiler does not narrow the status across the awaits that change it.
const delivered = (j: ShipmentJourney): boolean => j.tracking.status === 'delivered';

function earliest(...deadlines: (number | undefined)[]): number | undefined {
  const set = deadlines.filter((d): d is number => d !== undefined);
  return set.length > 0 ? Math.min(...set) : undefined;
}
