import type { ShipmentLine } from '../domain/journey';
import { ids } from '../domain/ids';
import type { Db } from './db';
import { asActivity } from './failures';
import { DEFAULT_INVENTORY_OPTIONS, type InventoryActivityOptions, lockOrder } from './inventory';

/**
 * Turns held stock into shipments: one per warehouse for the reservations not planned yet. Runs under
 * the order's row lock, like every stock change of the order, so a retried or concurrent call finds
 * the shipments the first one made and plans nothing twice.
 */

export interface PlannedShipmentView {
  shipmentId: string;
  workflowId: string;
  warehouseCode: string;
  lines: ShipmentLine[];
}

export function createShipmentPlanningActivities(db: Db, options: InventoryActivityOptions = {}) {
  const { maxWaitMs, transactionTimeoutMs } = { ...DEFAULT_INVENTORY_OPTIONS, ...options };

  return {
    /** Every shipment of the order, earlier ones included, by sequence number. */
    async planShipments({ orderId }: { orderId: string }): Promise<PlannedShipmentView[]> {
      return asActivity(() =>
        db.$transaction(
          async (tx) => {
            await lockOrder(tx, orderId);
            const order = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { promisedBy: true } });
            const last = await tx.shipment.aggregate({ where: { orderId }, _max: { seq: true } });
            const unplanned = await tx.reservation.findMany({
              where: { orderId, status: 'held', shipmentId: null },
              orderBy: [{ warehouseCode: 'asc' }, { id: 'asc' }],
            });

            const byWarehouse = new Map<string, typeof unplanned>();
            for (const r of unplanned) byWarehouse.set(r.warehouseCode, [...(byWarehouse.get(r.warehouseCode) ?? []), r]);

            let seq = last._max.seq ?? 0;
            for (const [warehouseCode, reservations] of byWarehouse) {
              seq += 1;
              const shipmentId = ids.shipmentId(orderId, seq);
              const lines = new Map<string, { skuCode: string; quantity: number }>();
              for (const r of reservations) {
                const line = lines.get(r.orderLineId) ?? { skuCode: r.skuCode, quantity: 0 };
                line.quantity += r.quantity;
                lines.set(r.orderLineId, line);
              }
              await tx.shipment.create({
                data: {
                  id: shipmentId,
                  orderId,
                  seq,
                  warehouseCode,
                  workflowId: ids.shipmentWorkflowId(shipmentId),
                  promisedBy: order.promisedBy,
                  status: 'planned',
                  lines: {
                    createMany: {
                      data: [...lines].map(([orderLineId, line]) => ({ orderLineId, skuCode: line.skuCode, quantity: line.quantity })),
                    },
                  },
                },
              });
              await tx.reservation.updateMany({
                where: { id: { in: reservations.map((r) => r.id) } },
                data: { shipmentId },
              });
            }

            const shipments = await tx.shipment.findMany({
              where: { orderId },
              orderBy: { seq: 'asc' },
              include: { lines: { include: { orderLine: { select: { lineNo: true } } } } },
            });
            return shipments.map((s) => ({
              shipmentId: s.id,
              workflowId: s.workflowId,
              warehouseCode: s.warehouseCode,
              lines: [...s.lines]
                .sort((a, b) => a.orderLine.lineNo - b.orderLine.lineNo)
                .map((l) => ({ orderLineId: l.orderLineId, skuCode: l.skuCode, quantity: l.quantity })),
            }));
          },
          { maxWait: maxWaitMs, timeout: transactionTimeoutMs },
        ),
      );
    },
  };
}

export type ShipmentPlanningActivities = ReturnType<typeof createShipmentPlanningActivities>;
