import { condition } from '@temporalio/workflow';
import { bookkeeping, summarised } from '../activity-options';
import type { PlannedPickSlot } from '../activity-types';
import { rootFailure } from '../shared/failures';
import { PATCHES } from '../shared/generation';
import { unlessEnded } from './ended';
import { moveAway, pickUnlessDown, waitForAWarehouse } from './outage';
import { heardRepromise, repromiseIfAtRisk } from './repromise';
import { resumable } from './resume';
import { type ShipmentJourney, StopShipment } from './shipment';

/**
 * The shipment in its warehouse: a pick slot (cut-off, daily capacity), the pick, the pack (box choice).
 * A warehouse with no capacity left within its booking horizon escalates instead of being retried forever.
 * The slot is booked in the same workflow task that writes the stage it begins (both local bookkeeping).
 * A warehouse that goes down before the pick (declared by ops, refusing the pick, or its queue unserved)
 * sends the shipment to another warehouse with the stock (./outage.ts); v2 shipments started before that
 * was handled replay the journey they ran (`prepareWhereStarted`).
 */
export async function prepareInWarehouse(j: ShipmentJourney): Promise<void> {
  if (!j.takes(PATCHES.warehouseOutage)) return prepareWhereStarted(j);
  const { lines, timeScale } = j.input;
  // The slot the order booked with its plan serves the planned warehouse; after a move the shipment books its own.
  let planned = j.input.pickSlot;
  let movedAway = false;
  for (;;) {
    const at = j.warehouseCode;
    const slot = planned ? await takePlannedSlot(j, planned) : await bookSlotHere(j, movedAway);
    const waitMs = slot.startsAtMs - Date.now();
    if (waitMs > 0 && j.warehouseDown === undefined) {
      // A wait planned with the slot was written and indexed before the shipment started.
      const publication = planned?.waitingSince ? 'later' : 'index';
      await j.announce(`Waiting for the pick slot at ${at} on ${slot.day} (cut-off or daily capacity reached)`, publication);
      // The plan judged a planned wait's promise already; any other wait is judged here.
      if (planned?.waitingSince) {
        if (planned.repromised) await heardRepromise(j, planned.repromised);
      } else await repromiseIfAtRisk(j, 'missed_pick_slot', `pick slot at ${at} on ${slot.day}`);
      await condition(() => j.cancelReason !== undefined || j.warehouseDown !== undefined, Math.max(1, Math.round(waitMs / timeScale)), {
        summary: `Pick slot at ${at} on ${slot.day}`,
      });
    }
    j.stopIfCancelled();
    if (j.warehouseDown === undefined) {
      // On a planned slot the pick itself writes the stage (activities/warehouse.ts, `PickStage`).
      await j.enterStage('picking', `Picking ${lines.length} line(s) at ${at}`, planned ? 'later' : undefined);
      if (await pickUnlessDown(j, slot.serveWithinMs, planned !== undefined)) break;
    }
    planned = undefined;
    const moved = await moveAway(j);
    movedAway ||= moved === 'moved';
    if (moved === 'picked') break;
    if (moved === 'no_stock') await waitForAWarehouse(j, slot.serveWithinMs);
  }
  j.saga.drop({ step: 'free pick slot' }); // the slot's capacity was used
  j.stopIfCancelled();
  await packHere(j);
}

/** The journey as it ran before outages were handled: the planned warehouse, waited for however long. */
async function prepareWhereStarted(j: ShipmentJourney): Promise<void> {
  const { shipmentId, warehouseCode, lines, timeScale } = j.input;
  // Booking the slot takes a moment; the stage is written out only when the shipment has to wait for it.
  await j.enterStage('waiting_for_pick_slot', `Booking a pick slot at ${warehouseCode}`, 'later');
  const slot = await bookPickSlot(j);
  const waitMs = slot.startsAtMs - Date.now();
  if (waitMs > 0) {
    await j.announce(`Waiting for the pick slot at ${warehouseCode} on ${slot.day} (cut-off or daily capacity reached)`, 'index');
    // The slot is a real instant; the wait is business time like every other, so a demo clock shortens it.
    // A slot later than planned (cut-off, capacity) may move the delivery past the promise: the customer hears it now.
    await repromiseIfAtRisk(j, 'missed_pick_slot', `pick slot at ${warehouseCode} on ${slot.day}`);
    await condition(() => j.cancelReason !== undefined, Math.max(1, Math.round(waitMs / timeScale)), {
      summary: `Pick slot at ${warehouseCode} on ${slot.day}`,
    });
  }
  j.stopIfCancelled();
  await j.enterStage('picking', `Picking ${lines.length} line(s) at ${warehouseCode}`);
  unlessEnded(await summarised(j.warehouse.pickItems, `Pick at ${warehouseCode}`, { shipmentId }));
  j.saga.drop({ step: 'free pick slot' }); // the slot's capacity was used
  j.stopIfCancelled();
  await packHere(j);
}

async function packHere(j: ShipmentJourney): Promise<void> {
  const at = j.warehouseCode;
  await j.enterStage('packing', `Packing at ${at}: choosing boxes for the lowest billed cost`);
  const packed = await summarised(j.warehouse.packParcels, `Pack at ${at}`, { shipmentId: j.input.shipmentId });
  j.parcels = { parcels: packed.parcels, origin: packed.origin };
  j.view.packagingCostCents = packed.packagingCostCents;
  j.timeline.note('note', `${packed.parcels.length} package(s)`, packed.packages.map((p) => p.boxCode ?? 'own packaging').join(', '));
}

/** The slot booked with the plan: its wait, if any, was written since `waitingSince`; its capacity is freed on a cancel. */
async function takePlannedSlot(j: ShipmentJourney, slot: PlannedPickSlot): Promise<PlannedPickSlot> {
  const details = `Pick slot at ${j.warehouseCode} on ${slot.day}, booked with the order's plan`;
  if (slot.waitingSince) j.enterWrittenStage('waiting_for_pick_slot', details, slot.waitingSince, true);
  else await j.enterStage('waiting_for_pick_slot', details, 'later');
  j.saga.drop({ step: 'free pick slot' });
  j.saga.add({ step: 'free pick slot' });
  return slot;
}

type BookedSlot = { day: string; startsAtMs: number; serveWithinMs?: number; warehouseDown?: string };

/**
 * A warehouse found down at the booking is taken as down now, so the shipment moves on instead of waiting for a slot
 * there (the pick would refuse it only at the slot). A result recorded before the booking said so has no
 * `warehouseDown`: read as up, it replays the wait it ran (no patch, README "Upgrading").
 */
async function bookSlotHere(j: ShipmentJourney, movedAway: boolean): Promise<BookedSlot> {
  await j.enterStage('waiting_for_pick_slot', `Booking a pick slot at ${j.warehouseCode}`, 'later');
  const slot = await bookPickSlot(j, !movedAway);
  if (slot.warehouseDown !== undefined) j.warehouseDown ??= slot.warehouseDown;
  return slot;
}

/**
 * `fromReceipt`: the cut-off is judged when the order came in (its warehouse's wave takes every order received by
 * then). Not for a shipment moved from a warehouse that went down: the new warehouse never had it in that day's
 * wave, so an order received at 13:49 and moved at 21:06 to a warehouse whose cut-off is 16:00 makes tomorrow's pick,
 * not today's (which the carrier choice and the re-promise would then take for a hand-over already made).
 */
async function bookPickSlot(j: ShipmentJourney, fromReceipt = true): Promise<BookedSlot> {
  const { shipmentId } = j.input;
  const warehouseCode = j.warehouseCode;
  for (;;) {
    j.stopIfCancelled();
    try {
      const booked = await summarised(bookkeeping.bookPickSlot, `Book a pick slot at ${warehouseCode}`, {
        shipmentId,
        warehouseCode,
        nowMs: Date.now(),
        ...(fromReceipt && j.input.orderReceivedAt ? { receivedAtMs: Date.parse(j.input.orderReceivedAt) } : {}),
        ...resumable(j),
      });
      // A shipment that had ended before this run (a reset) books nothing and ends (./ended.ts); one labelled before it
      // goes on from its label (./resume.ts).
      const slot = unlessEnded(booked);
      // One undo per booked slot: a rebooking after a move must not add a second.
      j.saga.drop({ step: 'free pick slot' });
      j.saga.add({ step: 'free pick slot' });
      return slot;
    } catch (error) {
      const failure = rootFailure(error);
      if (failure?.type !== 'NoPickSlot') throw error;
      const decision = await j.escalateAndWait('no_pick_slot', failure.message);
      if (decision === 'wait') continue;
      throw new StopShipment(decision === 'refund' ? 'refunded' : 'cancelled');
    }
  }
}
