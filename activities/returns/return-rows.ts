import type { ReturnStatus } from '../../domain/return-policy';
import type { NormalisedTrackingEvent } from '../../domain/tracking';
import type { Tx } from '../inventory';

/** The return's row as the activities that move it read it: under lock, so two steps of one return never interleave. */
export type ReturnRow = {
  id: string;
  orderId: string;
  status: ReturnStatus;
  warehouseCode: string;
  reason: string;
  currency: string;
  refundCents: number | null;
  receivedAt: Date | null;
  carrierCode: string | null;
  trackingNumber: string | null;
  labelUrl: string | null;
  labelExpiresAt: Date | null;
  customerSettledBy: string | null;
};

export async function lockedReturn(tx: Tx, returnId: string): Promise<ReturnRow> {
  const [row] = await tx.$queryRaw<ReturnRow[]>`
    SELECT "id", "orderId", "status"::text AS "status", "warehouseCode", "reason"::text AS "reason", "currency", "refundCents",
           "receivedAt", "carrierCode", "trackingNumber", "labelUrl", "labelExpiresAt", "customerSettledBy"
    FROM "Return" WHERE "id" = ${returnId} FOR UPDATE`;
  if (!row) throw new Error(`return ${returnId} does not exist`);
  return row;
}

/** A return parcel's scans as rows, keyed by carrier and event id so a repeat is a duplicate. */
export function returnScanRows(returnId: string, source: 'webhook' | 'poll', events: readonly NormalisedTrackingEvent[]) {
  return events.map((e) => ({
    id: `${e.carrierCode}:${e.eventId}`,
    returnId,
    carrierCode: e.carrierCode,
    carrierEventId: e.eventId,
    trackingNumber: e.trackingNumber,
    status: e.status,
    detail: e.detail ?? null,
    location: e.location ?? null,
    occurredAt: new Date(e.occurredAt),
    source,
  }));
}
