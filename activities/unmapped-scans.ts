import { parcelsOfErasedOrders } from './erased-orders';
import type { CarrierTrackingEvent } from '../domain/carrier';
import type { Db } from './db';

/**
 * Scans whose status code Colis cannot read yet, stored apart from the understood ones (which the
 * shipment's or the return's workflow records as it folds them into its status): ops see them listed
 * by carrier and code (GET /carriers/unmapped-statuses, the ops escalations page) so the mapping in
 * domain/tracking-codes.ts can be extended, and a shipment's appear in its order's timeline.
 * The (carrier, event id) key absorbs duplicates as it does for every scan.
 */

/** What a stored scan row holds of the carrier's event, whichever table keeps it: keyed by carrier and event id. */
export function scanRowFields(event: CarrierTrackingEvent, source: 'webhook' | 'poll') {
  return {
    id: `${event.carrierCode}:${event.eventId}`,
    carrierCode: event.carrierCode,
    carrierEventId: event.eventId,
    trackingNumber: event.trackingNumber,
    carrierStatusCode: event.statusCode,
    detail: event.detail ?? null,
    location: event.location ?? null,
    occurredAt: new Date(event.occurredAt),
    source,
  };
}

/** Whose parcel a tracking number is: a shipment's (its label) or a return's (its return label). */
export type ParcelOwner = { shipmentId: string } | { returnId: string };

export async function storeUnmappedScans(
  db: Db,
  input: { source: 'webhook' | 'poll'; events: readonly CarrierTrackingEvent[]; parcelOf: ReadonlyMap<string, ParcelOwner> },
): Promise<number> {
  const rows = input.events.flatMap((event) => {
    const owner = input.parcelOf.get(event.trackingNumber);
    if (owner === undefined) return [];
    return [
      {
        ...scanRowFields(event, input.source),
        ...('shipmentId' in owner ? { shipmentId: owner.shipmentId } : { returnId: owner.returnId }),
      },
    ];
  });
  if (rows.length === 0) return 0;
  const shipmentIds = rows.flatMap((row) => ('shipmentId' in row ? [row.shipmentId] : []));
  const returnIds = rows.flatMap((row) => ('returnId' in row ? [row.returnId] : []));
  return db.$transaction(async (tx) => {
    const erased = await parcelsOfErasedOrders(tx, { shipmentIds, returnIds });
    const data = rows.map((row) =>
      erased.has('shipmentId' in row ? row.shipmentId : row.returnId) ? { ...row, detail: null, location: null } : row,
    );
    const stored = await tx.unmappedTrackingEvent.createMany({ data, skipDuplicates: true });
    return stored.count;
  });
}

/** The parcel a polled tracking number belongs to: a shipment's label first, else a return's label. */
export async function parcelOfTrackingNumber(db: Db, carrierCode: string, trackingNumber: string): Promise<ParcelOwner | undefined> {
  // The newest label under a number the carrier gave again (carrier-scans.ts takes the travelling one first, as a rule
  // the newest).
  const label = await db.label.findFirst({
    where: { carrierCode, trackingNumber },
    select: { shipmentId: true },
    orderBy: [{ purchasedAt: 'desc' }, { id: 'desc' }],
  });
  if (label) return { shipmentId: label.shipmentId };
  const parcel = await db.return.findFirst({
    where: { carrierCode, trackingNumber },
    select: { id: true },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  return parcel ? { returnId: parcel.id } : undefined;
}
