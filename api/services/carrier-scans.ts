import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { claimStoredScans, markScansSignalled, releaseScanClaims, storePushedScans } from '../../activities/pushed-scans';
import { type ParcelOwner, storeUnmappedScans } from '../../activities/unmapped-scans';
import type { WebhookAck } from '../../domain/api';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { ids } from '../../domain/ids';
import { isFinalShipmentStage } from '../../domain/lifecycle';
import { FINAL_RETURN_STATUSES, returnIds } from '../../domain/return-policy';
import { screenScans } from '../../domain/scan-screening';
import { holdsOneStatus, type NormalisedTrackingEvent } from '../../domain/tracking';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { trackingEventsSignal } from '../../workflows/definitions';
import { returnScansSignal } from '../../workflows/returns/definitions';
import { ApiError } from '../errors';
import { receiveLateReturnArrival } from './late-return-arrivals';
import { actOnScansAfterEnd, receiveReturnScansAfterEnd, receiveScansAfterEnd } from './scans-after-end';
import { withinDeadline } from './workflows';

/**
 * One carrier's pushed scans, whatever the webhook they came by (the simulator's, ShipEngine's), taken
 * in the same way: screened once (dated on receipt beyond the clock-skew allowance; unmapped codes
 * stored for ops, never dropped), every tracking number known (404, nothing signalled), scans already
 * signalled acknowledged and dropped, the rest signalled to each shipment's (or return's) workflow,
 * which deduplicates again by event id and owns the shipment's status. A travelling parcel's scans are
 * stored here before the signal (activities/pushed-scans.ts), so a scan that moves nothing costs its
 * workflow no write, and claimed while signalled, so copies of one webhook posted at once signal such a scan
 * once and one answer counts it accepted, the others duplicate. A return's, those of a voided label or an ended
 * shipment, and a batch of several statuses (it may pass through one and come back, which only the workflow's write
 * tells the shop) are left to the workflow: nothing here marks them heard before it writes them, so copies posted at
 * once may each signal them and count them accepted, and the workflow drops all but one by event id. A shipment's
 * scans that no workflow hears (its journey ended) are stored once, for its order's timeline and ops, and acted on
 * (scans-after-end.ts): a parcel the carrier brings back then is received for inspection (late-carrier-returns.ts); one
 * it delivers after its shipment ended lost or refunded is put in front of ops and its carrier claim settled
 * (found-parcels.ts); one whose shipment was cancelled before its pickup scan is taken back out of stock and escalated
 * (left-after-cancel.ts). A return parcel delivered after its return ended without the goods is received again for
 * inspection (late-return-arrivals.ts); a return parcel's other scans after its return ended are stored once as an ended
 * shipment's are, for the return's view and ops (scans-after-end.ts).
 */

export interface PushedScans {
  carrier: string;
  events: readonly CarrierTrackingEvent[];
  /** Where scan `i`'s tracking number sits in the request, for the 404's field. */
  trackingNumberPath(index: number): string;
}

export async function takePushedScans(app: FastifyInstance, log: FastifyBaseLogger, pushed: PushedScans): Promise<WebhookAck> {
  const { carrier } = pushed;
  const { events, redated, unmapped: unmappedScans } = screenScans(pushed.events, Date.now());
  const unmappedSet = new Set(unmappedScans);

  const trackingNumbers = [...new Set(events.map((event) => event.trackingNumber))];
  const labels = await app.db.label.findMany({
    where: { carrierCode: carrier, trackingNumber: { in: trackingNumbers } },
    select: { trackingNumber: true, shipmentId: true, status: true, shipment: { select: { trackingNumber: true, status: true } } },
    orderBy: [{ purchasedAt: 'asc' }, { id: 'asc' }],
  });
  // The parcel a shipment is travelling as now: not a voided label's, not one of a shipment that has ended.
  const isTravelling = (label: (typeof labels)[number]) =>
    label.status === 'purchased' && label.shipment.trackingNumber === label.trackingNumber && !isFinalShipmentStage(label.shipment.status);
  const travelling = new Set(labels.filter(isTravelling).map((label) => label.trackingNumber));
  // A number the carrier gave again (recycled, or another carrier's): its scans are the travelling parcel's, else the
  // newest label's. Labels come oldest first, so a later one takes the number over.
  const shipmentOf = new Map<string, string>();
  for (const label of labels) {
    if (!travelling.has(label.trackingNumber) || isTravelling(label)) shipmentOf.set(label.trackingNumber, label.shipmentId);
  }
  // A return parcel's scans go to its return's workflow.
  const returnLabels = await app.db.return.findMany({
    where: { carrierCode: carrier, trackingNumber: { in: trackingNumbers.filter((n) => !shipmentOf.has(n)) } },
    select: { trackingNumber: true, id: true },
    // The newest return under a number given again takes it over.
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const returnOf = new Map(returnLabels.map((r) => [r.trackingNumber ?? '', r.id]));
  const unknown = trackingNumbers.filter((number) => !shipmentOf.has(number) && !returnOf.has(number));
  if (unknown.length > 0) {
    throw new ApiError(
      404,
      'not_found',
      `unknown tracking number(s) for ${carrier}: ${unknown.join(', ')}`,
      events.flatMap((event, i) =>
        shipmentOf.has(event.trackingNumber) || returnOf.has(event.trackingNumber)
          ? []
          : [{ path: pushed.trackingNumberPath(i), message: 'no label has this tracking number' }],
      ),
    );
  }

  const known = { carrierCode: carrier, carrierEventId: { in: events.map((event) => event.eventId) } };
  const [recorded, recordedUnmapped, recordedReturnScans] = await Promise.all([
    // A scan stored here but never signalled (the API died in between) is not a duplicate: its retry signals it.
    app.db.trackingEvent.findMany({ where: { ...known, signalledAt: { not: null } }, select: { carrierEventId: true } }),
    app.db.unmappedTrackingEvent.findMany({ where: known, select: { carrierEventId: true } }),
    app.db.returnScan.findMany({ where: known, select: { carrierEventId: true } }),
  ]);
  const seen = new Set([...recorded, ...recordedUnmapped, ...recordedReturnScans].map((row) => row.carrierEventId));
  const fresh = new Map<string, CarrierTrackingEvent[]>();
  const freshReturns = new Map<string, CarrierTrackingEvent[]>();
  const unmappedFresh: CarrierTrackingEvent[] = [];
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    // The workflow could not read it: stored here and listed for ops, not signalled.
    if (unmappedSet.has(event)) {
      unmappedFresh.push(event);
      continue;
    }
    const returnId = returnOf.get(event.trackingNumber);
    if (returnId !== undefined) {
      freshReturns.set(returnId, [...(freshReturns.get(returnId) ?? []), event]);
      continue;
    }
    const shipmentId = shipmentOf.get(event.trackingNumber) ?? '';
    fresh.set(shipmentId, [...(fresh.get(shipmentId) ?? []), event]);
  }
  let acceptedReturns = 0;
  // A return's scans stored after its end before: duplicates, as an ended shipment's.
  let returnScansStoredBefore = 0;
  for (const [returnId, batch] of freshReturns) {
    const outcome = await signalReturn(app, log, returnId, batch);
    acceptedReturns += outcome.accepted;
    returnScansStoredBefore += outcome.duplicates;
  }

  const parcelOf = new Map<string, ParcelOwner>([
    ...[...shipmentOf].map(([number, shipmentId]): [string, ParcelOwner] => [number, { shipmentId }]),
    ...[...returnOf].map(([number, returnId]): [string, ParcelOwner] => [number, { returnId }]),
  ]);
  const unmapped = await storeUnmappedScans(app.db, { source: 'webhook', events: unmappedFresh, parcelOf });
  for (const event of unmappedFresh) {
    log.warn(
      { carrier, statusCode: event.statusCode, ...parcelOf.get(event.trackingNumber) },
      'carrier status code not understood; stored for ops',
    );
  }

  const shipments: string[] = [];
  let accepted = 0;
  // Fresh when read, signalled meanwhile by another copy of this webhook (or an ended shipment's, stored before).
  let signalledByAnotherCopy = 0;
  for (const [shipmentId, batch] of fresh) {
    const outcome = await signalShipment(app, log, shipmentId, batch, travelling);
    if (outcome.accepted > 0) shipments.push(shipmentId);
    accepted += outcome.accepted;
    signalledByAnotherCopy += outcome.duplicates;
  }
  accepted += acceptedReturns;
  const signalled = [...fresh.values(), ...freshReturns.values()].reduce((n, batch) => n + batch.length, 0);
  const duplicates = events.length - signalled - unmappedFresh.length + signalledByAnotherCopy + returnScansStoredBefore;
  log.info({ carrier, received: events.length, accepted, duplicates, unmapped, redated }, 'tracking webhook');
  return { received: events.length, accepted, duplicates, duplicate: duplicates === events.length, shipments, unmapped, redated };
}

/**
 * What one shipment's fresh scans came to in the answer. An ended shipment's count accepted when stored now, duplicates
 * when stored before; a terminated workflow's stored scans that nothing acted on are in neither count.
 */
interface BatchOutcome {
  accepted: number;
  /** Signalled by another copy of the webhook between our read and our claim, or stored after the end before. */
  duplicates: number;
}

/** How often a copy of the webhook looks again at scans another copy is signalling. */
const CLAIM_POLL_MS = 50;
/** A claim's lease beyond the signal's deadline: the claim's and the mark's writes. */
const CLAIM_MARGIN_MS = 5_000;

/**
 * One shipment's fresh scans to its workflow: stored first and claimed when every one is its travelling
 * parcel's and they hold one status, signalled, then marked signalled. When the shipment's journey has ended (its
 * workflow gone) they are stored as scans after the end, once, and acted on (scans-after-end.ts).
 */
async function signalShipment(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: CarrierTrackingEvent[],
  travelling: ReadonlySet<string>,
): Promise<BatchOutcome> {
  const readable = batch.every((event) => travelling.has(event.trackingNumber)) ? understood(batch) : undefined;
  // A workflow skips the write of a stored batch that leaves its status where it was: in transit, exception, in
  // transit would tell the shop nothing. Only a batch of one status is sure to carry no change on the way.
  const storable = readable && holdsOneStatus(readable) ? readable : undefined;
  if (!storable) {
    if (await signalWorkflow(app, shipmentId, batch, false)) return { accepted: batch.length, duplicates: 0 };
    // No workflow heard them: stored once for the order's timeline and ops, a repeat a duplicate.
    const { fresh } = await receiveScansAfterEnd(app, log, shipmentId, batch);
    return { accepted: fresh, duplicates: batch.length - fresh };
  }
  await storePushedScans(app.db, shipmentId, storable);
  return signalStoredScans(app, log, shipmentId, batch, storable);
}

/**
 * A shipment's stored scans, signalled once however many copies of the webhook carry them at once: this copy signals
 * those it claims, and waits on those another copy holds until that copy has signalled them (duplicates here) or let
 * them go (its signal failed, or its claim lapsed with its API: claimed and signalled here). Answering duplicate only
 * once the scan is signalled keeps a 200 from covering a scan no workflow heard. Past the lease, those still held
 * count as duplicates: a live copy re-claimed them, and answers 5xx to its carrier should its signal fail.
 */
async function signalStoredScans(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: CarrierTrackingEvent[],
  storable: readonly NormalisedTrackingEvent[],
): Promise<BatchOutcome> {
  // The signal is bounded by the workflow call deadline, so a claim outlives the signal of a copy that is alive.
  const claim = { token: randomUUID(), leaseMs: app.config.workflowCallTimeoutMs + CLAIM_MARGIN_MS };
  const giveUpAt = Date.now() + claim.leaseMs + CLAIM_POLL_MS;
  let accepted = 0;
  let duplicates = 0;
  let pending = storable;
  for (;;) {
    const { claimed, signalled, inFlight } = await claimStoredScans(app.db, pending, claim);
    duplicates += signalled.length;
    if (claimed.length > 0) {
      const claimedIds = new Set(claimed.map((event) => event.eventId));
      const events = batch.filter((event) => claimedIds.has(event.eventId));
      let delivery: Delivery;
      try {
        delivery = await sendToShipment(app, log, shipmentId, events);
      } catch (error) {
        // Left to the lease if even this fails: the carrier's retry (this copy answers 5xx) signals them after it.
        await releaseScanClaims(app.db, claimed, claim.token).catch(() => undefined);
        throw error;
      }
      if (delivery === 'signalled') await markScansSignalled(app.db, claimed);
      else await releaseScanClaims(app.db, claimed, claim.token);
      if (delivery !== 'ignored') accepted += claimed.length;
    }
    if (inFlight.length === 0 || Date.now() >= giveUpAt) return { accepted, duplicates: duplicates + inFlight.length };
    pending = inFlight;
    await sleep(CLAIM_POLL_MS);
  }
}

type Delivery = 'signalled' | 'received late' | 'ignored';

/**
 * Stored scans to the shipment's workflow. One whose workflow is gone (its journey ended since the labels were read, or
 * it was terminated) hears nothing: the scans stay stored, and one that asks for something of an ended shipment is acted on.
 */
async function sendToShipment(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: CarrierTrackingEvent[],
): Promise<Delivery> {
  if (await signalWorkflow(app, shipmentId, batch, true)) return 'signalled';
  if (await actOnScansAfterEnd(app, log, shipmentId, batch)) return 'received late';
  log.info({ shipmentId, events: batch.length }, 'stored scans for a shipment whose workflow is gone: not signalled');
  return 'ignored';
}

/** Scans to the shipment's workflow; false when it is gone (a shipment whose journey ended has nothing left to learn). */
async function signalWorkflow(app: FastifyInstance, shipmentId: string, batch: CarrierTrackingEvent[], stored: boolean): Promise<boolean> {
  try {
    await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
      app.temporal.workflow
        .getHandle(ids.shipmentWorkflowId(shipmentId))
        .signal(trackingEventsSignal, { source: 'webhook', events: batch, ...(stored ? { stored: true as const } : {}) }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return false;
  }
}

/**
 * One return's fresh scans to its workflow. A return that has ended (its row final: the workflow wrote it last, and
 * folds no scan after it) or whose workflow is gone hears nothing: its parcel delivered to the warehouse then is
 * received for inspection (late-return-arrivals.ts); any other scan is stored once after the end, for the return's view
 * and ops (scans-after-end.ts), counted accepted the first time and a duplicate after, as an ended shipment's.
 */
async function signalReturn(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  returnId: string,
  batch: CarrierTrackingEvent[],
): Promise<BatchOutcome> {
  const row = await app.db.return.findUnique({ where: { id: returnId }, select: { status: true } });
  if (row && !FINAL_RETURN_STATUSES.includes(row.status)) {
    try {
      await app.temporal.workflow.getHandle(returnIds.workflowId(returnId)).signal(returnScansSignal, { source: 'webhook', events: batch });
      return { accepted: batch.length, duplicates: 0 };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  if (await receiveLateReturnArrival(app, log, returnId, batch)) return { accepted: batch.length, duplicates: 0 };
  const { fresh } = await receiveReturnScansAfterEnd(app, log, returnId, batch);
  return { accepted: fresh, duplicates: batch.length - fresh };
}

/** The batch in the tracking model's terms; undefined if any scan is not understood (those are stored apart). */
function understood(batch: readonly CarrierTrackingEvent[]): NormalisedTrackingEvent[] | undefined {
  const normalised: NormalisedTrackingEvent[] = [];
  for (const event of batch) {
    const result = normaliseCarrierEvent(event);
    if (!result.ok) return undefined;
    normalised.push(result.event);
  }
  return normalised;
}
