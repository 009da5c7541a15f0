import type { ShipmentLine } from '../domain/journey';
import { ids } from '../domain/ids';
import type { Db } from './db';
import { DEFAULT_WAREHOUSE_DOWN_AFTER_MINUTES } from '../domain/decision-rules';
import { asActivity } from './failures';
import { bookPlannedPickSlot, type PlannedPickSlot } from './planned-pick-slots';
import type { RepromiseActivities } from './repromise';
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
  /** Booked with the plan (`pickSlots` asked): the shipment starts knowing its slot (activities/planned-pick-slots.ts). */
  pickSlot?: PlannedPickSlot;
}

export interface ShipmentPlanRequest {
  orderId: string;
  /**
   * Also book each new shipment's pick slot, in workflow time (`nowMs`; `receivedAtMs`: when the order came in,
   * for the cut-off). Absent in plans recorded before, whose shipments book their own.
   */
  pickSlots?: { nowMs: number; receivedAtMs?: number };
}

/** What booking pick slots with the plan needs; without it a plan books none (its shipments book their own). */
export interface PickSlotPlanning {
  /** Judges the promise of a shipment that has to wait for its slot, as the shipment itself would. */
  repromise: Pick<RepromiseActivities, 'repromiseShipment'>;
  warehouseDownAfterMinutes?: number;
}

export function createShipmentPlanningActivities(db: Db, options: InventoryActivityOptions = {}, slotPlanning?: PickSlotPlanning) {
  const { maxWaitMs, transactionTimeoutMs } = { ...DEFAULT_INVENTORY_OPTIONS, ...options };

  /** The slot of each shipment not started on its way yet; the others (earlier plans) keep theirs. */
  async function withPickSlots(
    orderId: string,
    shipments: (PlannedShipmentView & { status: string; pickedAt: Date | null })[],
    at: NonNullable<ShipmentPlanRequest['pickSlots']>,
    { repromise, warehouseDownAfterMinutes = DEFAULT_WAREHOUSE_DOWN_AFTER_MINUTES }: PickSlotPlanning,
  ): Promise<PlannedShipmentView[]> {
    const planned: PlannedShipmentView[] = [];
    for (const { status, pickedAt, ...s } of shipments) {
      const bookable = pickedAt === null && (status === 'planned' || status === 'waiting_for_pick_slot');
      const slot = bookable
        ? await bookPlannedPickSlot(
            db,
            { orderId, shipmentId: s.shipmentId, warehouseCode: s.warehouseCode, nowMs: at.nowMs, receivedAtMs: at.receivedAtMs },
            warehouseDownAfterMinutes,
          )
        : undefined;
      if (slot?.waitingSince) {
        const answer = await repromise.repromiseShipment({
          orderId,
          shipmentId: s.shipmentId,
          reason: 'missed_pick_slot',
          detail: `pick slot at ${s.warehouseCode} on ${slot.day}`,
          nowMs: at.nowMs,
          announce: true,
        });
        if (answer.changed) slot.repromised = answer;
      }
      planned.push(slot ? { ...s, pickSlot: slot } : s);
    }
    return planned;
  }

  return {
    /** Every shipment of the order's plan, earlier ones included (a retry, a reset), by sequence number; no replacement. */
    async planShipments({ orderId, pickSlots }: ShipmentPlanRequest): Promise<PlannedShipmentView[]> {
      return asActivity(async () => {
        const shipments = await db.$transaction(
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

            // Not the replacements ops re-shipped (order/replacement.ts waits for those, from the shipment they replace): a run
            // reset to before its plan, given one as a shipment of its own, waited for it twice and named it twice in its outcome.
            const shipments = await tx.shipment.findMany({
              where: { orderId, replacesShipmentId: null },
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
              status: s.status as string,
              pickedAt: s.pickedAt,
            }));
          },
          { maxWait: maxWaitMs, timeout: transactionTimeoutMs },
        );
        // After the plan's commit, one booking per shipment: a warehouse's booking lock is never taken under the order's.
        if (pickSlots && slotPlanning) return withPickSlots(orderId, shipments, pickSlots, slotPlanning);
        return shipments.map(({ status: _status, pickedAt: _pickedAt, ...s }) => s);
      });
    },
  };
}

export type ShipmentPlanningActivities = ReturnType<typeof createShipmentPlanningActivities>;
