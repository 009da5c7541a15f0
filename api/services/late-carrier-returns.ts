import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import { temporalReturnStarter } from '../../activities/return-starter';
import { createCarrierReturnActivities } from '../../activities/returns/carrier-return';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import type { CustomerSettlingDecision } from '../../domain/return-policy';
import { scanSays, settleClaimOfFoundParcel } from './found-parcels';

/**
 * A parcel the carrier brings back after its shipment's journey ended: ops gave it up while it was stuck (re-shipped,
 * refunded, cancelled) or let a lost parcel end, and then it turned up at the warehouse that shipped it; or the carrier
 * scanned it delivered and then brought it back all the same (a delivery scanned in error, a parcel refused at the door
 * after the scan). No workflow is
 * left to hear the carrier's `returned_to_sender`, so the webhook that carries it opens the carrier return itself, as
 * the shipment does for a parcel returned while it still follows it (workflows/shipment/carrier-return.ts): already
 * received, waiting for the inspection, which restocks the goods or writes them off. Without it the goods stand in the
 * warehouse uncounted.
 */

/**
 * Shipment endings after which the goods may still come back: given up while still with the carrier, or delivered by
 * the carrier's word (the journey takes a delivery as final, so a return to sender after it reaches no workflow).
 */
const ENDED_WITH_GOODS_OUT = ['lost', 'refunded', 'cancelled', 'delivered'] as const;
type EndedWithGoodsOut = (typeof ENDED_WITH_GOODS_OUT)[number];

/** Who settled the customer when the shipment ended: the inspection owes them a refund only when nobody did. */
function settledBy(status: EndedWithGoodsOut, reshipped: boolean): CustomerSettlingDecision | undefined {
  if (status === 'refunded') return 'refund';
  if (status === 'cancelled') return 'cancel';
  return reshipped ? 'reship' : undefined;
}

/**
 * Opens the carrier return of an ended shipment whose parcel `batch` says is back at the sender, once (the return's id
 * follows from the shipment's); answers its id, or undefined when the scans ask for none: no return to sender, a
 * shipment that did not end with its goods out (given up, or delivered), or goods that never left the shelf (no `ship` movement).
 */
export async function receiveLateCarrierReturn(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  shipmentId: string,
  batch: readonly CarrierTrackingEvent[],
): Promise<string | undefined> {
  const returned = batch.find(scanSays('returned_to_sender'));
  if (!returned) return undefined;
  const shipment = await app.db.shipment.findUnique({
    where: { id: shipmentId },
    select: { status: true },
  });
  const status = ENDED_WITH_GOODS_OUT.find((s) => s === shipment?.status);
  // Under any of its labels (the caller found the shipment by the scanned one): a parcel re-labelled before it left may
  // travel, and come back, under the label it was first given.
  if (!status) return undefined;
  const [shipped, reshipped] = await Promise.all([
    app.db.inventoryMovement.count({ where: { shipmentId, kind: 'ship' } }),
    // Ops' answer, not the replacement's row: a replacement short of stock has none yet, and the customer is settled all the same.
    app.db.escalation.count({ where: { shipmentId, status: 'resolved', decision: 'reship' } }),
  ]);
  if (shipped === 0) return undefined;
  const customerSettledBy = settledBy(status, reshipped > 0);
  const opened = await createCarrierReturnActivities(
    app.db,
    temporalRelayWaker(app.temporal),
    temporalReturnStarter(app.temporal),
  ).openCarrierReturn({
    shipmentId,
    ...(customerSettledBy ? { customerSettledBy } : {}),
    at: returned.occurredAt,
    timeScale: app.config.timeScale,
  });
  await settleClaimOfFoundParcel(
    app.db,
    shipmentId,
    `the carrier brought the parcel back (${returned.occurredAt.slice(0, 10)}, return ${opened.returnId})`,
  );
  log.info(
    { shipmentId, returnId: opened.returnId, endedAs: status },
    'parcel of an ended shipment back at the sender: carrier return opened',
  );
  return opened.returnId;
}
