import { ids } from '../../domain/ids';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../activities/db';
import { lockLevels, lockOrder } from '../../activities/inventory';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { ESCALATION_REASON_RULES, isWithCarrier, shipmentStageOf } from '../../domain/lifecycle';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { alertOps } from './ops-alert';

/**
 * A parcel its order cancelled before the carrier's pickup scan, scanned by the carrier after all: the shipment ended
 * `cancelled` (label voided, its reservations released: the units counted back on the shelf), but the dock had already
 * handed the parcel over. No workflow follows it any more, so the webhook that carries the first such scan does what the
 * shipment would have: the units leave the shelf in the ledger (a `ship` movement per reservation released at the
 * cancel, keyed so a repeated scan takes nothing twice, never below zero: a shortfall is said, not hidden), and ops get
 * a `left_after_cancel` escalation naming the parcel and what to do. The escalation shows in the shipment's timeline,
 * and so in the order's. Recalled, the parcel comes back as a carrier return (late-carrier-returns.ts counts the `ship`
 * movement), inspected and restocked there.
 */

/** What was taken out of one stock level for the parcel. */
interface TakenOut {
  warehouseCode: string;
  skuCode: string;
  quantity: number;
  taken: number;
  onHand: number;
  reserved: number;
}

/**
 * True when `batch` holds a carrier scan of the parcel of a shipment cancelled before its pickup scan, under any of its
 * labels (handled: stock taken out once, escalation opened once, however often the carrier repeats it); false for
 * anything else: no scan saying the carrier has it, a shipment not cancelled, or goods that did leave the shelf in
 * Colis's books (a `ship` movement from before this scan, which a later cancel cannot have undone).
 */
export async function receiveParcelLeftAfterCancel(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<boolean> {
  const scan = batch.find(saysTheCarrierHasIt);
  if (!scan) return false;
  const shipment = await app.db.shipment.findUnique({
    where: { id: shipmentId },
    select: { status: true, trackingNumber: true, orderId: true, warehouseCode: true, carrierCode: true },
  });
  // Any of its labels: a parcel re-labelled before the cancel (an address change voids the first label and buys another)
  // may leave the dock under the label it was first given; its goods are in it all the same.
  if (shipment?.status !== 'cancelled') return false;
  const earlierLabel = shipment.trackingNumber !== scan.trackingNumber;
  const dedupeKey = `${shipmentId}:left_after_cancel`;
  const [handedOver, opened] = await Promise.all([
    app.db.inventoryMovement.count({ where: { shipmentId, kind: 'ship', NOT: { idempotencyKey: { startsWith: 'left-after-cancel:' } } } }),
    app.db.escalation.count({ where: { dedupeKey } }),
  ]);
  if (handedOver > 0) return false;
  if (opened > 0) {
    log.info({ shipmentId }, 'repeated scan of a parcel that left after its cancel: already escalated');
    // The first scan's answer may not have reached the carrier (the API stopped before its alert started): it repeats.
    await alertOps(app, dedupeKey);
    return true;
  }
  const { orderId, warehouseCode } = shipment;
  const scanned = `${scan.occurredAt.slice(0, 16).replace('T', ' ')}`;
  const takenOut = await takeOutOfStock(
    app.db,
    { orderId, shipmentId, warehouseCode },
    `carrier scan of ${scan.trackingNumber} on ${scanned}`,
  );
  const detail =
    `parcel ${scan.trackingNumber} (${shipment.carrierCode ?? scan.carrierCode}) was scanned by the carrier on ${scanned}, after shipment ` +
    `${shipmentId} was cancelled before its pickup: it travels on a voided label to a customer who cancelled` +
    (earlierLabel
      ? ` (an earlier label, replaced by ${shipment.trackingNumber ?? 'none'} before the cancel: it goes to that label's address)`
      : '') +
    '. Intercept or recall it ' +
    `with the carrier, then close this escalation (cancel: recalled, it comes back as a carrier return; wait: let it be delivered). ` +
    stockWords(takenOut);
  const { count } = await app.db.escalation.createMany({
    data: [
      {
        id: ids.escalationId(dedupeKey),
        dedupeKey,
        orderId,
        shipmentId,
        reason: 'left_after_cancel',
        severity: ESCALATION_REASON_RULES.left_after_cancel.initialSeverity,
        detail,
      },
    ],
    skipDuplicates: true,
  });
  if (count === 1) log.warn({ shipmentId, orderId }, 'parcel cancelled before pickup scanned by the carrier: escalated');
  await alertOps(app, dedupeKey);
  return true;
}

/** A scan, read in the tracking model's terms, that says the carrier has (or had) the parcel. */
function saysTheCarrierHasIt(event: CarrierTrackingEvent): boolean {
  const normalised = normaliseCarrierEvent(event);
  return normalised.ok && isWithCarrier(shipmentStageOf(normalised.event.status));
}

/**
 * The units the cancel put back on the shelf, taken out again: one `ship` movement per reservation the cancel released
 * (at the warehouse the shipment left from), keyed by the reservation, so a retry or a repeated scan takes nothing
 * twice. Never below zero: a level holding fewer units takes what it holds, and the escalation says so.
 */
async function takeOutOfStock(
  db: Db,
  { orderId, shipmentId, warehouseCode }: { orderId: string; shipmentId: string; warehouseCode: string },
  note: string,
): Promise<TakenOut[]> {
  return db.$transaction(async (tx) => {
    await lockOrder(tx, orderId);
    const released = await tx.reservation.findMany({
      where: { shipmentId, warehouseCode, status: 'released' },
      orderBy: { id: 'asc' },
    });
    await lockLevels(tx, released);
    const taken: TakenOut[] = [];
    for (const r of released) {
      const level = await tx.inventoryLevel.findUnique({ where: { warehouseCode_skuCode: { warehouseCode, skuCode: r.skuCode } } });
      const onHand = level?.onHand ?? 0;
      const take = Math.min(r.quantity, Math.max(onHand, 0));
      const { count } = await tx.inventoryMovement.createMany({
        data: [
          {
            warehouseCode,
            skuCode: r.skuCode,
            kind: 'ship',
            onHandDelta: -take,
            reservedDelta: 0,
            orderId,
            shipmentId,
            idempotencyKey: `left-after-cancel:${r.id}`,
            note: `left after its cancel (${note})${take < r.quantity ? `: ${r.quantity - take} not on hand to take out` : ''}`,
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) continue;
      if (take > 0) {
        const changed = await tx.$executeRaw`
          UPDATE "InventoryLevel" SET "onHand" = "onHand" - ${take}, "updatedAt" = now()
          WHERE "warehouseCode" = ${warehouseCode} AND "skuCode" = ${r.skuCode} AND "onHand" >= ${take}`;
        if (changed !== 1) throw new Error(`level ${warehouseCode}/${r.skuCode} holds less than ${take}`);
      }
      taken.push({
        warehouseCode,
        skuCode: r.skuCode,
        quantity: r.quantity,
        taken: take,
        onHand: onHand - take,
        reserved: level?.reserved ?? 0,
      });
    }
    return taken;
  });
}

/** What the escalation says of the stock: what left the shelf, and any shortfall or units promised that are not there. */
function stockWords(takenOut: readonly TakenOut[]): string {
  if (takenOut.length === 0) return 'No units were held for it at the cancel: nothing taken out of stock.';
  const parts = takenOut.map((t) => {
    const short =
      t.taken < t.quantity ? ` (only ${t.taken} on hand: ${t.quantity - t.taken} missing from the ledger, count the shelf)` : '';
    const oversold =
      t.onHand < t.reserved ? `; ${t.reserved - t.onHand} unit(s) promised to other orders are not on the shelf (oversold)` : '';
    return `${t.quantity} × ${t.skuCode} at ${t.warehouseCode}${short}${oversold}`;
  });
  return `Taken back out of stock, as restocked at the cancel: ${parts.join('; ')}.`;
}
