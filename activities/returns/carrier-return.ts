import { createHash } from 'node:crypto';
import type { Milestone } from '../../domain/notifications';
import { CARRIER_RETURN_REASON, type CustomerSettlingDecision, returnIds } from '../../domain/return-policy';
import type { Db } from '../db';
import { asActivity } from '../failures';
import { lockOrder } from '../inventory';
import { type RelayWaker, withMilestones } from '../notifications/outbox';
import type { ReturnStarter } from '../return-starter';

/** A parcel the carrier brought back to the warehouse, and how ops settled the customer for it (none: they waited). */
export interface CarrierReturn {
  shipmentId: string;
  /** `reship`, `refund`, `cancel`: the customer is settled by that answer; absent: the inspection owes the refund. */
  customerSettledBy?: CustomerSettlingDecision;
  at: string;
  /** The shipment's time scale, for the return's workflow. */
  timeScale: number;
}

/** One carrier return per parcel: its id follows from the shipment's, so a retry finds the one it made. */
export const carrierReturnIdFor = (shipmentId: string) =>
  `RMA-${createHash('sha256').update(`return:carrier:${shipmentId}`, 'utf8').digest('hex').slice(0, 12).toUpperCase()}`;

/** Opening the return of a parcel the carrier brought back. */
export function createCarrierReturnActivities(db: Db, waker: RelayWaker, starter: ReturnStarter | undefined) {
  return {
    /**
     * Opens the return of a parcel the carrier brought back to the warehouse that shipped it: already received (no
     * label, no inbound tracking: the carrier's own scans brought it), its lines the shipment's, waiting for the
     * inspection. The shop hears `return.created` and `return.received`; the customer, who started nothing, no mail.
     * One per shipment: a retry answers the return it opened, and starts its workflow if it is not yet.
     */
    openCarrierReturn(input: CarrierReturn): Promise<{ returnId: string; workflowId: string }> {
      return asActivity(async () => {
        const opened = await withMilestones(db, waker, async (tx) => {
          const returnId = carrierReturnIdFor(input.shipmentId);
          const workflowId = returnIds.workflowId(returnId);
          const shipment = await tx.shipment.findUniqueOrThrow({
            where: { id: input.shipmentId },
            include: { lines: { include: { orderLine: { include: { sku: { select: { unitPriceCents: true, currency: true } } } } } } },
          });
          await lockOrder(tx, shipment.orderId);
          const known = await tx.return.findUnique({
            where: { shipmentId: input.shipmentId },
            select: { id: true, workflowId: true, orderId: true },
          });
          if (known) return { result: { returnId: known.id, workflowId: known.workflowId, orderId: known.orderId }, milestones: [] };
          const at = new Date(input.at);
          const lines = [...shipment.lines]
            .sort((a, b) => (a.orderLineId < b.orderLineId ? -1 : a.orderLineId > b.orderLineId ? 1 : 0))
            .map((line, i) => ({
              lineNo: i + 1,
              orderLineId: line.orderLineId,
              skuCode: line.skuCode,
              quantity: line.quantity,
              unitPriceCents: line.orderLine.sku.unitPriceCents,
            }));
          await tx.return.create({
            data: {
              id: returnId,
              orderId: shipment.orderId,
              idempotencyKey: `carrier:${input.shipmentId}`,
              requestHash: createHash('sha256').update(`carrier:${input.shipmentId}`, 'utf8').digest('hex'),
              channel: 'carrier',
              requestedBy: 'colis',
              reason: CARRIER_RETURN_REASON,
              status: 'received',
              warehouseCode: shipment.warehouseCode,
              workflowId,
              receivedAt: at,
              shipmentId: input.shipmentId,
              customerSettledBy: input.customerSettledBy ?? null,
              currency: shipment.lines[0]?.orderLine.sku.currency ?? 'EUR',
              lines: { create: lines },
            },
          });
          const parcel = {
            returnId,
            shipmentId: input.shipmentId,
            carrierCode: shipment.carrierCode,
            trackingNumber: shipment.trackingNumber,
          };
          const items = lines.map((l) => ({ lineNo: l.lineNo, skuCode: l.skuCode, quantity: l.quantity }));
          const milestones: Milestone[] = [
            {
              orderId: shipment.orderId,
              key: `return:${returnId}:created`,
              webhook: {
                type: 'return.created',
                data: { ...parcel, channel: 'carrier', reason: CARRIER_RETURN_REASON, warehouseCode: shipment.warehouseCode, items },
              },
            },
            {
              orderId: shipment.orderId,
              key: `return:${returnId}:received`,
              webhook: { type: 'return.received', data: { ...parcel, status: 'received', reason: CARRIER_RETURN_REASON } },
            },
          ];
          return { result: { returnId, workflowId, orderId: shipment.orderId }, milestones };
        });
        if (starter) {
          await starter.start({ returnId: opened.returnId, orderId: opened.orderId, timeScale: input.timeScale });
          await db.return.updateMany({ where: { id: opened.returnId, startedAt: null }, data: { startedAt: new Date() } });
        }
        return { returnId: opened.returnId, workflowId: opened.workflowId };
      });
    },
  };
}
