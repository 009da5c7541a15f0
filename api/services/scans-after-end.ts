import { parcelsOfErasedOrders } from '../../activities/erased-orders';
import { type ParcelOwner, scanRowFields } from '../../activities/unmapped-scans';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../activities/db';
import type { ScanAfterEndList } from '../../domain/api';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { Prisma } from '../../prisma/generated/client';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { receiveLateDelivery } from './found-parcels';
import { receiveLateCarrierReturn } from './late-carrier-returns';
import { receiveParcelLeftAfterCancel } from './left-after-cancel';

/**
 * Carrier scans of a shipment's parcel that reach no workflow: its journey had ended (its workflow gone) when they came.
 * Before, they were answered 200 and dropped with a log line. Each is stored once (`TrackingEventAfterEnd`, keyed by
 * carrier and event id: a repeat, or two copies of the webhook at once, store one row), with the stage the shipment had
 * ended in; it shows in its order's timeline (api/services/stored-scans.ts) and in the ops list of scans after the end
 * (`GET /carriers/scans-after-end`, the ops escalations page). Then those that ask for something are acted on: a parcel
 * back at the sender is received for inspection (late-carrier-returns.ts), a given-up parcel delivered after all is put
 * in front of ops (found-parcels.ts), a parcel cancelled before its pickup scan is taken back out of stock
 * (left-after-cancel.ts). Every one of those is idempotent, so a repeated scan runs them again and changes nothing: an
 * API stopped between the row and the action is made good by the carrier's retry. A return parcel's scans that no
 * workflow hears (its return ended) are kept in the same table, by `returnId` with the status the return had ended in,
 * shown with the return (`scansAfterEnd` of its view) and in the same ops list; a late arrival at the warehouse is
 * received instead (late-return-arrivals.ts).
 */

/** What came of one shipment's scans after its end: how many were stored now (the others were stored before). */
export interface AfterEnd {
  fresh: number;
}

export async function receiveScansAfterEnd(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<AfterEnd> {
  const shipment = await app.db.shipment.findUnique({ where: { id: shipmentId }, select: { status: true } });
  if (!shipment) return { fresh: 0 };
  const fresh = await storeScansAfterEnd(app.db, { source: 'webhook', parcel: { shipmentId }, events: batch });
  const acted = await actOnScansAfterEnd(app, log, shipmentId, batch);
  if (!acted && fresh > 0) {
    log.info({ shipmentId, endedAs: shipment.status, events: batch.length, fresh }, 'scans after the shipment ended: stored for ops');
  }
  return { fresh };
}

/**
 * A return parcel's scans that no workflow hears (its return has ended, or its workflow is gone), a late arrival at the
 * warehouse aside (late-return-arrivals.ts, which stores its scans with the return): stored once, for the return's view
 * and the ops list. Before, they were dropped with a log line.
 */
export async function receiveReturnScansAfterEnd(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  returnId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<AfterEnd> {
  const fresh = await storeScansAfterEnd(app.db, { source: 'webhook', parcel: { returnId }, events: batch });
  if (fresh > 0) log.info({ returnId, events: batch.length, fresh }, 'scans after the return ended: stored for ops');
  return { fresh };
}

/** Acts on the scans that ask for something of an ended shipment; true when one did. */
export async function actOnScansAfterEnd(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<boolean> {
  return (
    (await receiveLateCarrierReturn(app, log, shipmentId, batch)) !== undefined ||
    (await receiveLateDelivery(app, log, shipmentId, batch)) ||
    (await receiveParcelLeftAfterCancel(app, log, shipmentId, batch))
  );
}

/**
 * Stores the scans Colis can read (those it cannot are stored apart: unmapped-scans.ts) with how their parcel's journey
 * had ended, read under the order's lock; answers how many were new. A return parcel's scan its late arrival stored with
 * the return (late-return-arrivals.ts: a copy of the webhook received it meanwhile) is not stored twice.
 */
export async function storeScansAfterEnd(
  db: Db,
  input: { source: 'webhook' | 'poll'; parcel: ParcelOwner; events: readonly CarrierTrackingEvent[] },
): Promise<number> {
  const scans = input.events.flatMap((event) => {
    const normalised = normaliseCarrierEvent(event);
    return normalised.ok ? [{ ...scanRowFields(event, input.source), status: normalised.event.status }] : [];
  });
  if (scans.length === 0) return 0;
  const { parcel } = input;
  return db.$transaction(async (tx) => {
    const erased = await parcelsOfErasedOrders(
      tx,
      'shipmentId' in parcel ? { shipmentIds: [parcel.shipmentId], returnIds: [] } : { shipmentIds: [], returnIds: [parcel.returnId] },
    );
    const ended = await endedParcel(tx, parcel);
    if (ended === undefined) return 0;
    const withReturn = 'returnId' in parcel ? await scansStoredWithReturn(tx, parcel.returnId) : new Set<string>();
    const data = scans
      .filter((scan) => !withReturn.has(scan.id))
      .map((scan) => ({ ...scan, ...ended, ...(erased.size === 0 ? {} : { detail: null, location: null }) }));
    const stored = await tx.trackingEventAfterEnd.createMany({ data, skipDuplicates: true });
    return stored.count;
  });
}

/** The return's scans its workflow, or its late arrival, stored with it: keyed as rows of scans after the end are. */
async function scansStoredWithReturn(tx: Prisma.TransactionClient, returnId: string): Promise<Set<string>> {
  const rows = await tx.returnScan.findMany({ where: { returnId }, select: { carrierCode: true, carrierEventId: true } });
  return new Set(rows.map((row) => `${row.carrierCode}:${row.carrierEventId}`));
}

/** The parcel's owner and how its journey had ended, as a row of scans after the end records them. */
async function endedParcel(tx: Prisma.TransactionClient, parcel: ParcelOwner) {
  if ('shipmentId' in parcel) {
    const shipment = await tx.shipment.findUnique({ where: { id: parcel.shipmentId }, select: { status: true } });
    return shipment ? { shipmentId: parcel.shipmentId, shipmentStatus: shipment.status } : undefined;
  }
  const row = await tx.return.findUnique({ where: { id: parcel.returnId }, select: { status: true } });
  return row ? { returnId: parcel.returnId, returnStatus: row.status } : undefined;
}

/** The newest scans after the end, for ops: what the carrier said, of which parcel, and how its journey had ended. */
export async function scansAfterEnd(db: Db, limit = 200): Promise<ScanAfterEndList['items']> {
  const rows = await db.trackingEventAfterEnd.findMany({
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: limit,
    include: { shipment: { select: { orderId: true } }, return: { select: { orderId: true } } },
  });
  return rows.map((row) => ({
    carrierCode: row.carrierCode,
    trackingNumber: row.trackingNumber,
    status: row.status,
    carrierStatusCode: row.carrierStatusCode,
    orderId: row.shipment?.orderId ?? row.return?.orderId ?? '',
    ...(row.shipmentId !== null ? { shipmentId: row.shipmentId } : {}),
    ...(row.shipmentStatus !== null ? { shipmentStatus: row.shipmentStatus } : {}),
    ...(row.returnId !== null ? { returnId: row.returnId } : {}),
    ...(row.returnStatus !== null ? { returnStatus: row.returnStatus } : {}),
    occurredAt: row.occurredAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.location !== null ? { location: row.location } : {}),
  }));
}
