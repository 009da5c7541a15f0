import type { CarrierTrackingEvent } from '../domain/carrier';
import type { Db } from './db';

/**
 * Scans whose status code Colis cannot read yet, stored apart from the understood ones (which the
 * shipment's workflow records as it folds them into its status): ops see them listed by carrier and
 * code (GET /carriers/unmapped-statuses, the ops escalations page) so the mapping in
 * domain/tracking-codes.ts can be extended, and each appears in its order's timeline.
 * The (carrier, event id) key absorbs duplicates as it does for every scan.
 */
export async function storeUnmappedScans(
  db: Db,
  input: { source: 'webhook' | 'poll'; events: readonly CarrierTrackingEvent[]; shipmentOf: ReadonlyMap<string, string> },
): Promise<number> {
  const rows = input.events.flatMap((event) => {
    const shipmentId = input.shipmentOf.get(event.trackingNumber);
    if (shipmentId === undefined) return [];
    return [
      {
        id: `${event.carrierCode}:${event.eventId}`,
        shipmentId,
        carrierCode: event.carrierCode,
        carrierEventId: event.eventId,
        trackingNumber: event.trackingNumber,
        carrierStatusCode: event.statusCode,
        detail: event.detail ?? null,
        location: event.location ?? null,
        occurredAt: new Date(event.occurredAt),
        source: input.source,
      },
    ];
  });
  if (rows.length === 0) return 0;
  const stored = await db.unmappedTrackingEvent.createMany({ data: rows, skipDuplicates: true });
  return stored.count;
}
