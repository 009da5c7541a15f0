import { DomainError } from '../domain/errors';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';
import type { RepromiseAnswer } from './repromise';
import { upsertStage } from './stage-timing';
import { bookSlotIn, PICK_SLOT_HORIZON_DAYS, type PickSlot, type SlotInput, withServeWithin } from './pick-slots';

/**
 * A pick slot booked with its shipment's plan; `waitingSince`: the shipment waits for it, its status written since
 * then; `repromised`: the wait moved the promise (judged as the shipment would judge a missed pick slot).
 */
export interface PlannedPickSlot extends PickSlot {
  waitingSince?: string;
  repromised?: RepromiseAnswer;
}

/**
 * Books the pick slot of a shipment its order has just planned, in the order's planning step rather than in
 * the shipment's first workflow task: the shipment starts knowing its slot and, when it has to wait for it,
 * with its `waiting_for_pick_slot` status and stage visit already written (and its search attribute set by
 * its start), so neither the booking nor the wait costs it a task of bookkeeping (issue 11's actions).
 * One transaction per shipment; a retry, or a plan read again after a reset, finds the slot and the open visit
 * it booked. Undefined when the warehouse has no capacity within the horizon: the shipment books, and escalates,
 * itself.
 */
export async function bookPlannedPickSlot(
  db: Db,
  input: SlotInput & { orderId: string },
  warehouseDownAfterMinutes: number,
): Promise<PlannedPickSlot | undefined> {
  const clock = await currentBusinessClock(db, input.nowMs);
  try {
    const slot = await db.$transaction(async (tx): Promise<PlannedPickSlot> => {
      const booked = await bookSlotIn(tx, input, PICK_SLOT_HORIZON_DAYS, clock);
      if (booked.startsAtMs <= input.nowMs) return booked;
      // Only a shipment nothing has moved on yet: a plan read again (a retried or reset order) never moves one back.
      const { count } = await tx.shipment.updateMany({
        where: { id: input.shipmentId, pickedAt: null, status: { in: ['planned', 'waiting_for_pick_slot'] } },
        data: { status: 'waiting_for_pick_slot' },
      });
      if (count === 0) return booked;
      // A plan read again later (an order reset in Temporal) finds the wait it wrote: one visit, never a second one left open.
      const open = await tx.stageTiming.findFirst({
        where: { shipmentId: input.shipmentId, stage: 'waiting_for_pick_slot', endedAt: null },
        orderBy: { startedAt: 'asc' },
      });
      if (open) return { ...booked, waitingSince: open.startedAt.toISOString() };
      const waitingSince = new Date(input.nowMs).toISOString();
      await upsertStage(tx, {
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        stage: 'waiting_for_pick_slot',
        startedAt: waitingSince,
      });
      return { ...booked, waitingSince };
    });
    return withServeWithin(slot, warehouseDownAfterMinutes);
  } catch (error) {
    if (error instanceof DomainError && error.type === 'NoPickSlot') return undefined;
    throw error;
  }
}
