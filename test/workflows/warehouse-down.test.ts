import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { ids } from '../../domain/ids';
import { localDay, localMidnightMs } from '../../domain/local-time';
import { createInventoryActivities } from '../../activities/inventory';
import { setWarehouseAvailability, shipmentsWaitingAt } from '../../activities/reallocation';
import { searchAttributes, warehouseAvailabilitySignal } from '../../workflows/definitions';
import { type Journey, type PlaceOrderOptions, startJourney } from '../support/journey';
import {
  firstShipmentId,
  orderIdOf,
  orderView,
  shipmentView,
  skipBusinessTime,
  skipToParisTime,
  until,
  untilShipmentStage,
  workingDayBeforeAnother,
} from './steps';

/**
 * A warehouse goes down with shipments waiting at it: declared by ops while a shipment waits for its pick
 * slot, or found out when its queue leaves a pick unserved (LYS1 has no worker in this journey). Either
 * way the shipment leaves from another warehouse with the stock, once, and is delivered.
 */
describe('a warehouse down before the pick', () => {
  let journey: Journey;

  beforeAll(async () => {
    journey = await startJourney({ unservedWarehouses: ['LYS1'] });
  });
  afterAll(() => journey?.teardown());

  /** Polls the database in real time (no business time passes) until the shipment is planned. */
  const shipmentPlannedAt = async (shipmentId: string): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const row = await journey.database.db.shipment.findUnique({ where: { id: shipmentId }, select: { warehouseCode: true } });
      if (row) return row.warehouseCode;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`shipment ${shipmentId} was never planned`);
  };

  /** Polls the shipment's own timeline in real time (no business time passes) until it holds a note so labelled. */
  const timelineNoted = async (shipmentId: string, label: string): Promise<void> => {
    for (let i = 0; i < 600; i++) {
      const view = await shipmentView(journey, shipmentId);
      if (view.timeline.some((t) => t.label === label)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${shipmentId} never noted "${label}"`);
  };

  const declare = async (warehouseCode: string, down: boolean) => {
    const answer = await setWarehouseAvailability(journey.database.db, {
      warehouseCode,
      down,
      changedBy: 'ops-test',
      reason: 'test outage',
    });
    // What the API does after it: tell the shipments waiting there.
    for (const s of await shipmentsWaitingAt(journey.database.db, warehouseCode)) {
      await journey.env.client.workflow
        .getHandle(s.workflowId)
        .signal(warehouseAvailabilitySignal, { warehouseCode, down, reason: 'test outage' });
    }
    return answer;
  };

  /**
   * An order whose shipment waits for its pick slot at `from` (every cut-off passed, LYS1 kept out: nobody serves it
   * here), handed to `check`; the cut-offs and LYS1 put back after.
   */
  const whileWaitingForTheSlot = async (
    check: (order: { handle: Awaited<ReturnType<Journey['placeOrder']>>; shipmentId: string; from: string }) => Promise<void>,
    placing: PlaceOrderOptions = {},
  ) => {
    const db = journey.database.db;
    const cutoffs = await db.warehouse.findMany({ select: { code: true, cutoffLocalTime: true } });
    // Everything after the cut-off: the pick slot is the next working day, so the shipment waits for it.
    await db.warehouse.updateMany({ data: { cutoffLocalTime: '00:00' } });
    await declare('LYS1', true);
    try {
      // 09:00 in Paris before another working day: the slot opens at midnight, 15 h away, whatever the hour the suite
      // runs (placed at 23:10, the wait was under the hour the steps below skip, and the pick came first).
      await skipToParisTime(journey, 9 * 60, workingDayBeforeAnother);
      const handle = await journey.placeOrder({}, placing);
      const shipmentId = firstShipmentId(handle);
      await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot']);
      const from = (await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).warehouseCode;
      await check({ handle, shipmentId, from });
    } finally {
      for (const { code, cutoffLocalTime } of cutoffs) await db.warehouse.update({ where: { code }, data: { cutoffLocalTime } });
      await declare('LYS1', false);
    }
  };

  it('ops declare the warehouse down while the shipment waits for its slot: it ships from another warehouse, its stock moved once', async () => {
    const db = journey.database.db;
    await whileWaitingForTheSlot(async ({ handle, shipmentId, from }) => {
      await declare(from, true);
      const outcome = await handle.result();
      expect(outcome.stage).toBe('completed');
      expect(outcome.shipments[0]?.stage).toBe('delivered');
      const shipment = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
      expect(shipment.warehouseCode).not.toBe(from);
      const moves = await db.shipmentReallocation.findMany({ where: { shipmentId } });
      expect(moves.map((m) => [m.fromWarehouseCode, m.toWarehouseCode])).toEqual([[from, shipment.warehouseCode]]);
      const consumed = await db.reservation.findMany({ where: { orderId: orderIdOf(handle), status: 'consumed' } });
      expect(consumed.map((r) => r.warehouseCode)).toEqual([shipment.warehouseCode]);
      expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
      await declare(from, false);
    });
  });

  it("a shipment moved after the new warehouse's cut-off makes its next pick, though the order came in before that cut-off", async () => {
    const db = journey.database.db;
    await whileWaitingForTheSlot(async ({ handle, shipmentId, from }) => {
      const slotDay = (await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).pickDay?.toISOString().slice(0, 10);
      // Placed at 09:00; every other warehouse's cut-off now 12:00 (the order came in before it), and the move at 13:00.
      await db.warehouse.updateMany({ where: { code: { not: from } }, data: { cutoffLocalTime: '12:00' } });
      await skipBusinessTime(journey, 4 * HOUR_MS);
      const today = localDay(await journey.env.currentTimeMs(), 'Europe/Paris');
      await declare(from, true);
      const moved = async () => {
        for (let i = 0; i < 600; i++) {
          const row = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
          if (row.warehouseCode !== from && row.pickDay) return row;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`${shipmentId} never booked a slot after leaving ${from}`);
      };
      const shipment = await moved();
      // Before, the booking judged the new warehouse's cut-off at the order's receipt: today's pick, its wave long gone.
      expect(shipment.pickDay?.toISOString().slice(0, 10)).not.toBe(today);
      expect(shipment.pickDay?.toISOString().slice(0, 10)).toBe(slotDay);
      expect((await handle.result()).shipments[0]?.stage).toBe('delivered');
      await declare(from, false);
    });
  });

  it('a "down" that reaches the shipment after its warehouse is up again (crossed signals): it stays and picks there', async () => {
    const db = journey.database.db;
    await whileWaitingForTheSlot(async ({ handle, shipmentId, from }) => {
      // Ops toggled the warehouse down and straight back up; the "down" arrives last. The database says up.
      await journey.env.client.workflow
        .getHandle(ids.shipmentWorkflowId(shipmentId))
        .signal(warehouseAvailabilitySignal, { warehouseCode: from, down: true, reason: 'test outage, already over' });
      const outcome = await handle.result();
      expect(outcome.stage).toBe('completed');
      expect(outcome.shipments[0]?.stage).toBe('delivered');
      expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).warehouseCode).toBe(from);
      expect(await db.shipmentReallocation.findMany({ where: { shipmentId } })).toEqual([]);
      const consumed = await db.reservation.findMany({ where: { orderId: orderIdOf(handle), status: 'consumed' } });
      expect(consumed.map((r) => r.warehouseCode)).toEqual([from]);
      const view = await shipmentView(journey, shipmentId).catch(() => undefined);
      if (view) expect(view.timeline.map((t) => t.label).join('\n')).toContain(`stays at ${from}`);
      expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    });
  });

  it('a shipment that books its slot again at a warehouse still down moves on at once, not at that slot', async () => {
    const db = journey.database.db;
    await whileWaitingForTheSlot(async ({ handle, shipmentId, from }) => {
      const other = from === 'HAM1' ? 'PAR1' : 'HAM1';
      const slotDay = (await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).pickDay?.toISOString().slice(0, 10);
      if (slotDay === undefined) throw new Error(`${shipmentId} has no pick slot`);
      const timezone = (await db.warehouse.findUniqueOrThrow({ where: { code: from } })).timeZone;
      // No other warehouse up with the stock: the shipment hears its warehouse is down and waits for one.
      await setWarehouseAvailability(db, { warehouseCode: other, down: true, changedBy: 'ops-test', reason: 'test outage' });
      try {
        await declare(from, true);
        await timelineNoted(shipmentId, `waiting for ${from}`);
      } finally {
        // Up again, unannounced to this shipment (it waits at `from`): it finds it when it looks again in a business hour.
        await setWarehouseAvailability(db, { warehouseCode: other, down: false, changedBy: 'ops-test' });
      }
      const outcome = await handle.result();
      expect(outcome.shipments[0]?.stage).toBe('delivered');
      const moves = await db.shipmentReallocation.findMany({ where: { shipmentId } });
      expect(moves.map((m) => [m.fromWarehouseCode, m.toWarehouseCode])).toEqual([[from, other]]);
      // Its look again books at `from` (the slot it holds), which says `from` is still down: it moves then, hours
      // before that slot opens; before, it waited for the slot and moved only when the pick there was refused.
      const view = await shipmentView(journey, shipmentId);
      const moved = view.timeline.find((t) => t.label === `re-allocated to ${other}`);
      expect(moved, view.timeline.map((t) => t.label).join('\n')).toBeDefined();
      expect(Date.parse(moved?.at ?? '')).toBeLessThan(localMidnightMs(slotDay, timezone));
      expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
      await declare(from, false);
    });
  });

  it("a re-promise moves the Web UI's PromisedBy of the order and of its shipment to the date their views show", async () => {
    const db = journey.database.db;
    // Promised for today while its slot is the next working day's: the plan re-promises it at once.
    await whileWaitingForTheSlot(
      async ({ handle, shipmentId }) => {
        const shipment = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
        const order = await (async () => {
          for (let i = 0; i < 600; i++) {
            const view = await orderView(handle);
            if (view.timeline.some((t) => t.label.startsWith('re-promised:'))) return view;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          throw new Error(`${handle.workflowId} was never re-promised`);
        })();
        const stored = await db.order.findUniqueOrThrow({ where: { id: orderIdOf(handle) } });
        expect(stored.promisedBy).not.toEqual(stored.originalPromisedBy);
        expect(order.promisedBy).toBe(stored.promisedBy.toISOString());
        // While both still run: before, the order published it only at its end and the shipment never did.
        expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.promisedBy)).toEqual(stored.promisedBy);
        const shipmentPromise = (await shipmentView(journey, shipmentId)).promisedBy;
        expect(shipmentPromise).toBe(stored.promisedBy.toISOString());
        expect((await shipment.describe()).typedSearchAttributes.get(searchAttributes.promisedBy)).toEqual(new Date(shipmentPromise));
        expect((await handle.result()).stage).toBe('completed');
      },
      { promiseWorkingDays: 0 },
    );
  });

  it('a warehouse whose queue leaves the pick unserved counts as down: the shipment moves and the warehouse is declared down by colis', async () => {
    const db = journey.database.db;
    // Keep the order off PAR1 and HAM1 while it reserves: it is allocated to LYS1, whose queue nobody serves.
    await declare('PAR1', true);
    await declare('HAM1', true);
    let handle: Awaited<ReturnType<Journey['placeOrder']>>;
    try {
      handle = await journey.placeOrder();
      // Real time only: skipping business time here would let the unserved pick time out before PAR1 is back.
      await shipmentPlannedAt(firstShipmentId(handle));
    } finally {
      await declare('PAR1', false);
      await declare('HAM1', false);
    }
    const shipmentId = firstShipmentId(handle);
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).warehouseCode).toBe('LYS1');
    expect((await db.shipmentReallocation.findMany({ where: { shipmentId } })).length).toBe(0);
    // The time-skipping server does not skip time while an activity task waits to be picked up (the two
    // business hours the pick may wait pass in real time: ~20 s at this journey's clock), and no longer skips
    // by itself once one timed out unserved: business time is moved on explicitly, first past those two
    // hours, then in steps until the order is done. Off the beat and bounded in real time (steps.ts): a
    // bare `env.sleep` never returns if the server's clock stays held, and the test then hung to its timeout.
    await skipBusinessTime(journey, 3 * HOUR_MS);
    await until(
      journey,
      'the order completed',
      () => db.order.findUniqueOrThrow({ where: { id: orderIdOf(handle) }, select: { status: true } }),
      (o) => o.status === 'completed',
      { stepMs: 24 * HOUR_MS },
    );
    const outcome = await handle.result();
    expect(outcome.shipments[0]?.stage).toBe('delivered');
    const moves = await db.shipmentReallocation.findMany({ where: { shipmentId } });
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ fromWarehouseCode: 'LYS1' });
    expect(await db.warehouse.findUniqueOrThrow({ where: { code: 'LYS1' } })).toMatchObject({ downBy: 'colis' });
    const view = await shipmentView(journey, shipmentId).catch(() => undefined);
    if (view) expect(view.timeline.map((t) => t.label).join('\n')).toMatch(/re-allocated to/);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    await declare('LYS1', false);
    // Business days are skipped in steps that wait for the workers to settle: slow on a loaded machine.
  }, 300_000);
});
