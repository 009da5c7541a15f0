import { parcelsOfErasedOrders } from '../../activities/erased-orders';
import { scanRowFields } from '../../activities/unmapped-scans';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../activities/db';
import type { ScanAfterEndList } from '../../domain/api';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { ShipmentStage } from '../../domain/lifecycle';
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
 * API stopped between the row and the action is made good by the carrier's retry.
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
  const fresh = await storeScansAfterEnd(app.db, { source: 'webhook', shipmentId, shipmentStatus: shipment.status, events: batch });
  const acted = await actOnScansAfterEnd(app, log, shipmentId, batch);
  if (!acted && fresh > 0) {
    log.info({ shipmentId, endedAs: shipment.status, events: batch.length, fresh }, 'scans after the shipment ended: stored for ops');
  }
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

/** Stores the scans Colis can read (those it cannot are stored apart: unmapped-scans.ts); answers how many were new. */
export async function storeScansAfterEnd(
  db: Db,
  input: { source: 'webhook' | 'poll'; shipmentId: string; shipmentStatus: ShipmentStage; events: readonly CarrierTrackingEvent[] },
): Promise<number> {
  const rows = input.events.flatMap((event) => {
    const normalised = normaliseCarrierEvent(event);
    if (!normalised.ok) return [];
    const row = { shipmentId: input.shipmentId, status: normalised.event.status, shipmentStatus: input.shipmentStatus };
    return [{ ...scanRowFields(event, input.source), ...row }];
  });
  if (rows.length === 0) return 0;
  return db.$transaction(async (tx) => {
    const erased = await parcelsOfErasedOrders(tx, { shipmentIds: [input.shipmentId], returnIds: [] });
    const data = erased.size === 0 ? rows : rows.map((row) => ({ ...row, detail: null, location: null }));
    const stored = await tx.trackingEventAfterEnd.createMany({ data, skipDuplicates: true });
    return stored.count;
  });
}

/** The newest scans after the end, for ops: what the carrier said, of which parcel, and how its shipment had ended. */
export async function scansAfterEnd(db: Db, limit = 200): Promise<ScanAfterEndList['items']> {
  const rows = await db.trackingEventAfterEnd.findMany({
    orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
    take: limit,
    include: { shipment: { select: { orderId: true } } },
  });
  return rows.map((row) => ({
    carrierCode: row.carrierCode,
    trackingNumber: row.trackingNumber,
    status: row.status,
    carrierStatusCode: row.carrierStatusCode,
    orderId: row.shipment.orderId,
    shipmentId: row.shipmentId,
    shipmentStatus: row.shipmentStatus,
    occurredAt: row.occurredAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.location !== null ? { location: row.location } : {}),
  }));
}
