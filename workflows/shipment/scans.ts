import { log } from '@temporalio/workflow';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { shipmentStageOf, type TrackingStatus } from '../../domain/lifecycle';
import { applyTrackingEvents, type NormalisedTrackingEvent } from '../../domain/tracking';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { bookkeeping } from '../activity-options';
import { searchAttributes } from '../definitions';
import { LATER_PATCHES, takesLater } from '../shared/generation';
import { heardRepromise, judgeAtScan } from './repromise';
import type { ScanWork, ShipmentJourney } from './shipment';

/**
 * Takes in carrier scans (webhook or poll), duplicated and out of order as carriers send them, through
 * the one tracking status model (domain/tracking.ts). Fresh scans are stored at once, with the status
 * change they cause (one local activity); duplicates are dropped before they cost anything. A v3 shipment
 * does in that same local activity what the scans call for: consume the reservations at the hand-over,
 * judge the promise (re-promise from a scan). Scans the sender `stored` already (the API, for webhooks)
 * are written again only when there is more to write: a status, a stage visit, earlier scans, work.
 */
export async function absorbScans(
  j: ShipmentJourney,
  source: 'webhook' | 'poll',
  raw: readonly CarrierTrackingEvent[],
  stored = false,
): Promise<void> {
  const label = j.label;
  if (!label || raw.length === 0) return;
  const normalised: NormalisedTrackingEvent[] = [];
  for (const event of raw) {
    // Scans for a voided earlier label (after a re-book) are history, not this parcel's state.
    if (event.trackingNumber !== label.trackingNumber) continue;
    const result = normaliseCarrierEvent(event);
    if (result.ok) normalised.push(result.event);
    else log.warn('unknown carrier status code', { shipmentId: j.input.shipmentId, code: event.statusCode, carrier: event.carrierCode });
  }
  const before = j.tracking.status;
  const update = applyTrackingEvents(j.tracking, normalised);
  j.tracking = update.state;
  // By identity, not id: the first copy of an event repeated within one batch is fresh, only the repeats are duplicates.
  const duplicates = new Set(update.ignored.filter((i) => i.reason === 'duplicate').map((i) => i.event));
  const fresh = normalised.filter((e) => !duplicates.has(e));
  if (fresh.length === 0) return;

  // Scans the sender stored are written again only if there is more to write; histories from before (no
  // marker, or no mark on the batch) take the old path, pending from here (README, "Upgrading a running system").
  const storedBySender = stored && takesLater(LATER_PATCHES.apiStoredScans);
  if (!storedBySender) j.unrecordedScans.push({ source, events: fresh });
  const handedOver = !j.dispatched && j.tracking.status !== 'label_created';
  const status = j.tracking.status;
  // Set first, so the upsert that closes a stuck escalation carries the new status too: one upsert, not two.
  if (status !== before) j.searchAttributes.set({ key: searchAttributes.shipmentStatus, value: shipmentStageOf(status) });
  await j.escalations.resolveByFacts('a new carrier scan arrived', ['stuck']);
  const work: ScanWork =
    j.generation === 'v3' ? { ...(handedOver ? { consumeReservations: true } : {}), ...judgeAtScan(j, j.dispatched || handedOver) } : {};
  const nothingNew = status === before && !handedOver && work.judgePromise === undefined && writtenSoFar(j);
  if (storedBySender && !nothingNew) j.unrecordedScans.push({ source, events: fresh });
  // Stored at once, in the same write as a status change.
  const written =
    status !== before
      ? await j.enterStage(shipmentStageOf(status), describeTracking(status, j.stallWindowHours), undefined, work)
      : j.unrecordedScans.length > 0
        ? await j.recordStatus(work)
        : undefined;
  // Shown once stored: whoever sees a scan in the view finds it in the database too (readers sort by time).
  for (const e of fresh)
    j.timeline.add({ at: e.occurredAt, kind: 'tracking', label: e.status.replace(/_/g, ' '), detail: e.detail, location: e.location });
  j.view.trackingStatus = j.tracking.status;
  j.view.lastScanAt = j.tracking.lastScanAt ?? undefined;
  if (handedOver) {
    // The carrier has the parcel: the stock has left the building, and nothing is left to undo.
    j.dispatched = true;
    if (!work.consumeReservations) await bookkeeping.consumeReservations({ shipmentId: j.input.shipmentId });
    j.saga.clear();
    await j.onMilestone({
      kind: 'dispatched',
      shipmentId: j.input.shipmentId,
      carrierCode: label.carrierCode,
      trackingNumber: label.trackingNumber,
    });
  }
  // A label booked before its carrier's round was learned gets it now, in time for its promise day.
  if (written?.outForDeliveryByHours !== undefined && j.label) j.label.outForDeliveryByHours = written.outForDeliveryByHours;
  if (written?.promise) await heardRepromise(j, written.promise);
  if (status !== before && status === 'out_for_delivery') await j.onMilestone({ kind: 'out_for_delivery', shipmentId: j.input.shipmentId });
  if (status !== before && status === 'delivered') await j.onMilestone({ kind: 'delivered', shipmentId: j.input.shipmentId });
}

/** Nothing the shipment's row lacks: no scans, no stage visits waiting for the next write. */
function writtenSoFar(j: ShipmentJourney): boolean {
  return j.unrecordedScans.length === 0 && j.stages.allWritten;
}

function describeTracking(status: TrackingStatus, stallWindowHours: number): string {
  const since = new Date().toISOString().slice(11, 16);
  switch (status) {
    case 'label_created':
      return `Waiting for the carrier to collect since ${since} (stall window ${stallWindowHours} h)`;
    case 'in_transit':
      return `In transit; waiting for the next carrier scan since ${since} (stall window ${stallWindowHours} h)`;
    case 'out_for_delivery':
      return `Out for delivery since ${since}`;
    case 'delivered':
      return `Delivered at ${since}`;
    default:
      return `Carrier reports ${status.replace(/_/g, ' ')} at ${since}`;
  }
}
