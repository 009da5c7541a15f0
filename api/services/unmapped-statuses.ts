import type { Db } from '../../activities/db';
import type { UnmappedStatusList } from '../../domain/api';

/**
 * What ops read to extend the carriers' status mappings: the codes Colis stored but cannot read, by
 * carrier and code, with how often and since when, and the newest such scan as an example to look up
 * with the carrier. Aggregated in PostgreSQL: a chatty carrier's thousands of scans leave as one row.
 */
interface UnmappedGroupRow {
  carrierCode: string;
  carrierStatusCode: string;
  scans: number;
  shipments: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  shipmentId: string | null;
  returnId: string | null;
  orderId: string;
  detail: string | null;
}

/** The unmapped codes by carrier, with counts and the newest scan as an example; most recently seen first. */
export async function unmappedStatuses(db: Db, limit = 200): Promise<UnmappedStatusList['items']> {
  const rows = await db.$queryRaw<UnmappedGroupRow[]>`
    WITH grouped AS (
      SELECT "carrierCode", "carrierStatusCode", count(*)::int AS scans,
             count(DISTINCT coalesce("shipmentId", "returnId"))::int AS shipments,
             min("receivedAt") AS "firstSeenAt", max("receivedAt") AS "lastSeenAt"
      FROM "UnmappedTrackingEvent" GROUP BY "carrierCode", "carrierStatusCode"
    ), newest AS (
      SELECT DISTINCT ON (u."carrierCode", u."carrierStatusCode") u."carrierCode", u."carrierStatusCode", u."shipmentId", u."returnId",
             coalesce(s."orderId", r."orderId") AS "orderId", u."detail"
      FROM "UnmappedTrackingEvent" u
      LEFT JOIN "Shipment" s ON s."id" = u."shipmentId"
      LEFT JOIN "Return" r ON r."id" = u."returnId"
      ORDER BY u."carrierCode", u."carrierStatusCode", u."receivedAt" DESC
    )
    SELECT g.*, n."shipmentId", n."returnId", n."orderId", n."detail"
    FROM grouped g JOIN newest n USING ("carrierCode", "carrierStatusCode")
    ORDER BY g."lastSeenAt" DESC
    LIMIT ${limit}`;
  return rows.map((row) => ({
    carrierCode: row.carrierCode,
    carrierStatusCode: row.carrierStatusCode,
    scans: row.scans,
    shipments: row.shipments,
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    example: {
      ...(row.shipmentId !== null ? { shipmentId: row.shipmentId } : {}),
      ...(row.returnId !== null ? { returnId: row.returnId } : {}),
      orderId: row.orderId,
      ...(row.detail !== null ? { detail: row.detail } : {}),
    },
  }));
}
