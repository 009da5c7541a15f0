import type { NormalisedTrackingEvent } from '../domain/tracking';
import type { Db } from './db';
import { advanceLastScanAt, trackingEventId, trackingEventRows } from './tracking';

/**
 * A shipment's scans as the API receives them by webhook, stored before its workflow is signalled, so that
 * a scan that moves nothing (another hub, the same status) costs the workflow no write of its own: the
 * signal says the scans are stored, and the workflow writes only what changes a status or asks for work.
 *
 * Stored first, signalled second, marked third: a row without `signalledAt` is a scan the workflow may not
 * have heard (the API died between the two), so the carrier's retry of the webhook signals it again rather
 * than dropping it as a duplicate; the workflow drops the copies it already has by event id.
 */

export async function storePushedScans(db: Db, shipmentId: string, events: readonly NormalisedTrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const newestMs = Math.max(...events.map((e) => Date.parse(e.occurredAt)));
  await db.$transaction(async (tx) => {
    await tx.trackingEvent.createMany({ data: trackingEventRows(shipmentId, 'webhook', events, null), skipDuplicates: true });
    await advanceLastScanAt(tx, shipmentId, new Date(newestMs));
  });
}

/** The workflow has them now: a later copy of these scans is a duplicate. */
export async function markScansSignalled(db: Db, events: readonly NormalisedTrackingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.trackingEvent.updateMany({
    where: { id: { in: events.map(trackingEventId) }, signalledAt: null },
    data: { signalledAt: new Date() },
  });
}
