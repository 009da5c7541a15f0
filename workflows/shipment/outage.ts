import { condition, TimeoutFailure } from '@temporalio/workflow';
import { stock, summarised, warehouseAt } from '../activity-options';
import { searchAttributes } from '../definitions';
import { rootFailure } from '../shared/failures';
import { unlessEnded } from './ended';
import { repromiseIfAtRisk } from './repromise';
import { resumable } from './resume';
import type { ShipmentJourney } from './shipment';

/** Business time between two looks for a warehouse when none other holds the stock (and none was declared up). */
const RECHECK_MS = 60 * 60_000;

/**
 * Picks at the shipment's warehouse, unless the warehouse turns out to be down: the pick refuses it (ops
 * declared it down, activities/warehouse.ts), or the warehouse's queue leaves the pick unserved for
 * `serveWithinMs` of business time — then the shipment declares the warehouse down for everyone (new
 * orders are no longer promised or allocated from it). True when picked. `writesStage`: the pick writes the
 * shipment's `picking` status and stage visits in its own transaction (a slot booked with the plan).
 */
export async function pickUnlessDown(j: ShipmentJourney, serveWithinMs: number | undefined, writesStage = false): Promise<boolean> {
  const at = j.warehouseCode;
  const serveWithin = serveWithinMs === undefined ? undefined : Math.max(1_000, Math.round(serveWithinMs / j.input.timeScale));
  const unservedSince = new Date().toISOString();
  try {
    const answer = await summarised(warehouseAt(at, serveWithin).pickItems, `Pick at ${at}`, {
      shipmentId: j.input.shipmentId,
      warehouseCode: at,
      // `picking` and the visits so far, written by the pick; kept pending here until it says it wrote them.
      ...(writesStage ? { stage: { stages: j.stages.peek() } } : {}),
      ...resumable(j),
    });
    // The first step of a slot booked with the plan: a shipment that had ended before this run (a reset) ends (./ended.ts),
    // one labelled before it goes on from its label (./resume.ts).
    const picked = unlessEnded(answer);
    // A warehouse worker of the release before picks without writing them (a rolling upgrade): written here.
    if (picked.stageWritten) j.stages.take();
    else if (writesStage) await j.recordStatus();
    return true;
  } catch (error) {
    if (rootFailure(error)?.type === 'WarehouseDown') {
      j.warehouseDown ??= rootFailure(error)?.message ?? `${at} is down`;
      return false;
    }
    if (!isUnserved(error)) throw error;
    const reason = `the queue of ${at} left a pick unserved for ${Math.round((serveWithinMs ?? 0) / 60_000)} business minutes`;
    await summarised(stock.declareWarehouseDown, `Declare ${at} down (queue unserved)`, { warehouseCode: at, reason, unservedSince });
    j.warehouseDown ??= reason;
    return false;
  }
}

function isUnserved(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof TimeoutFailure) return current.timeoutType === 'SCHEDULE_TO_START';
    current = (current as Error & { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Moves the shipment to another warehouse holding all its stock (one transaction: reservations, slot,
 * shipment row; activities/reallocation.ts), re-points the journey at it and re-promises if the new
 * warehouse is later. `picked`: the goods were off the shelf already, the shipment stays; `no_stock`:
 * nowhere else to go; `up_again`: the warehouse is back, the shipment picks there after all.
 */
export async function moveAway(j: ShipmentJourney): Promise<'moved' | 'picked' | 'no_stock' | 'up_again'> {
  const from = j.warehouseCode;
  const reason = j.warehouseDown ?? `${from} is down`;
  const result = await summarised(stock.reallocateShipment, `Move the shipment away from ${from}`, {
    orderId: j.input.orderId,
    shipmentId: j.input.shipmentId,
    fromWarehouseCode: from,
    reason,
  });
  // Only an activity of this release answers `up_again`: no history recorded before it takes this branch (no patch needed).
  if (!result.moved && result.why === 'up_again') {
    j.timeline.note('note', `stays at ${from}`, `${reason}; ${from} is up again`);
    j.warehouseDown = undefined;
    return 'up_again';
  }
  if (!result.moved) {
    j.timeline.note(
      'note',
      result.why === 'picked' ? `stays at ${from}` : `waiting for ${from}`,
      result.why === 'picked' ? `${reason}; the goods were already picked` : `${reason}; no other warehouse holds all of the stock`,
    );
    if (result.why === 'picked') j.warehouseDown = undefined;
    return result.why;
  }
  const to = result.warehouseCode;
  j.warehouseCode = to;
  j.warehouse = warehouseAt(to);
  j.view.warehouseCode = to;
  j.warehouseDown = undefined;
  j.warehouseUp = false;
  // The move gave the old slot back in its transaction: nothing left to undo there.
  j.saga.drop({ step: 'free pick slot' });
  j.timeline.note('note', `re-allocated to ${to}`, `${reason}`);
  j.searchAttributes.set({ key: searchAttributes.warehouse, value: [to] }).publish();
  await repromiseIfAtRisk(j, 'warehouse_down', `now leaves from ${to} (${from} down)`);
  return 'moved';
}

/** No other warehouse has the stock: wait until ops declare this one up, or look again in a while. */
export async function waitForAWarehouse(j: ShipmentJourney, serveWithinMs: number | undefined): Promise<void> {
  const { timeScale } = j.input;
  await j.announce(`Waiting: ${j.warehouseCode} is down and no other warehouse holds the stock`, 'index');
  const lookAgainMs = Math.max(1_000, Math.round(Math.max(serveWithinMs ?? 0, RECHECK_MS) / timeScale));
  await condition(() => j.cancelReason !== undefined || j.warehouseUp, lookAgainMs, {
    summary: `Waiting for ${j.warehouseCode} or stock elsewhere`,
  });
  j.stopIfCancelled();
  j.warehouseUp = false;
  j.warehouseDown = undefined;
}
