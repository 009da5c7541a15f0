import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import { receiveReturnAfterClose } from '../../activities/returns/arrival-after-close';
import { createReturnSettlementActivities } from '../../activities/returns/settlement';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { ReturnInspection } from '../../domain/returns';
import type { NormalisedTrackingEvent } from '../../domain/tracking';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { tellOrdersRestocked } from './restock-news';

/**
 * A return parcel the carrier delivers to the warehouse after its return ended without the goods: ops refunded it
 * while it was stuck, or it expired or was cancelled once its label had been used. Its workflow has closed, so no one
 * hears the `delivered` scan: the webhook that carries it receives the return again
 * (activities/returns/arrival-after-close.ts, `receiveReturnAfterClose`), and it waits in `/ops/returns` like any
 * parcel at a warehouse. Its inspection (`POST /returns/{id}/inspection`) is settled here, in the database, as the
 * workflow would have: the goods counted back in or written off once, the restocked units offered to the orders
 * waiting for them. Without it the goods stand in the warehouse uncounted.
 */

/**
 * True when `batch` delivered the parcel of a finished return to the warehouse and this call received it; false for
 * anything else (no delivery, a return inspected already or received again before, a return that had not finished).
 */
export async function receiveLateReturnArrival(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  returnId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<boolean> {
  const scans = batch.flatMap((event): NormalisedTrackingEvent[] => {
    const normalised = normaliseCarrierEvent(event);
    return normalised.ok ? [normalised.event] : [];
  });
  const delivered = scans.find((scan) => scan.status === 'delivered');
  if (!delivered) return false;
  const received = await receiveReturnAfterClose(app.db, temporalRelayWaker(app.temporal), {
    returnId,
    scans,
    at: delivered.occurredAt,
  });
  if (received) log.warn({ returnId }, 'parcel of a finished return delivered to the warehouse: received again for inspection');
  return received;
}

/** Whether a return row is one received again after it had closed (its workflow gone): `closedAt` stays set then. */
export const arrivedAfterClose = (row: { status: string; closedAt: Date | null }) => row.status === 'received' && row.closedAt !== null;

/**
 * The inspection of a return received after it had closed: settled in the database (the stock moved once, keyed by the
 * return and line; a concurrent twin finds it completed and is judged by the figures it recorded), then the restocked
 * units offered to the orders waiting for them, as `POST /inventory/restock` does.
 */
export async function inspectArrivedAfterClose(
  app: FastifyInstance,
  returnId: string,
  inspection: ReturnInspection,
  inspectedBy: string,
): Promise<void> {
  const settlement = createReturnSettlementActivities(app.db, temporalRelayWaker(app.temporal));
  await settlement.settleReturn({
    returnId,
    settlement: {
      kind: 'inspected',
      inspection: { lines: inspection.lines, inspectedBy, ...(inspection.note ? { note: inspection.note } : {}) },
    },
    at: new Date().toISOString(),
  });
  for (const { orderId, warehouseCode, skuCode } of await settlement.ordersAwaitingReturnedStock({ returnId })) {
    await tellOrdersRestocked(app, [orderId], () => ({ warehouseCode, skuCode }));
  }
}
