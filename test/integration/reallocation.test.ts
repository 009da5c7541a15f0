import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createInventoryActivities } from '../../activities/inventory';
import { PlanningFacts } from '../../activities/planning-facts';
import { createReallocationActivities, setWarehouseAvailability } from '../../activities/reallocation';
import { createShipmentPlanningActivities } from '../../activities/shipment-planning';
import { createPickSlotActivities } from '../../activities/pick-slots';
import { createWarehouseActivities } from '../../activities/warehouse';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';

/**
 * A warehouse goes down with shipments waiting at it: each moves to another warehouse holding its stock,
 * its reservations released there and taken here exactly once — under retries, concurrent attempts and a
 * pick racing the move — and a shipment with nowhere to go, or already picked, stays.
 */
let database: TestDatabase;
let db: Db;
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await createCustomer(db, { customerId: 'cust-move', addressId: 'addr-move', name: 'Move Test' });
});
afterAll(() => database?.drop());

/** An order reserved and planned: one shipment, at the warehouse allocation chose. */
async function plannedShipment(skuCode: string, quantity: number): Promise<{ orderId: string; shipmentId: string; warehouseCode: string }> {
  seq += 1;
  const orderId = `ORD-MOVE-${seq}`;
  await insertOrder(db, { orderId, customerId: 'cust-move', addressId: 'addr-move', skuCode, quantity });
  await createInventoryActivities(db).reserveStock({ orderId });
  const [planned] = await createShipmentPlanningActivities(db).planShipments({ orderId });
  if (!planned) throw new Error('nothing planned');
  await createPickSlotActivities(db).bookPickSlot({
    shipmentId: planned.shipmentId,
    warehouseCode: planned.warehouseCode,
    nowMs: Date.now(),
  });
  return { orderId, shipmentId: planned.shipmentId, warehouseCode: planned.warehouseCode };
}

const level = (warehouseCode: string, skuCode: string) =>
  db.inventoryLevel.findUniqueOrThrow({ where: { warehouseCode_skuCode: { warehouseCode, skuCode } } });

const mover = () => createReallocationActivities({ db, facts: new PlanningFacts(db) });

describe('re-allocation away from a warehouse that is down', () => {
  it('a move asked for after the warehouse came back up moves nothing: the shipment stays, its stock and slot untouched', async () => {
    const { orderId, shipmentId, warehouseCode: from } = await plannedShipment('MUG-CER-350', 1);
    const before = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    await setWarehouseAvailability(db, { warehouseCode: from, down: true, reason: 'blip', changedBy: 'ops-test' });
    await setWarehouseAvailability(db, { warehouseCode: from, down: false, reason: 'blip over', changedBy: 'ops-test' });
    const answer = await mover().reallocateShipment({ orderId, shipmentId, fromWarehouseCode: from, reason: 'blip' });
    expect(answer).toEqual({ moved: false, why: 'up_again' });
    expect(await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).toMatchObject({
      warehouseCode: from,
      pickDay: before.pickDay,
    });
    const held = await db.reservation.findMany({ where: { shipmentId, status: 'held' } });
    expect(held.map((r) => r.warehouseCode)).toEqual([from]);
    expect(await db.inventoryMovement.count({ where: { shipmentId, kind: 'release' } })).toBe(0);
    expect(await db.shipmentReallocation.count({ where: { shipmentId } })).toBe(0);
  });

  it('moves a waiting shipment once: stock released at the old warehouse and reserved at the new one, the old slot given back', async () => {
    const { orderId, shipmentId, warehouseCode: from } = await plannedShipment('MUG-CER-350', 3);
    const { pickDay } = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    const bookedBefore = await db.warehouseCapacityDay.findUniqueOrThrow({
      where: { warehouseCode_day: { warehouseCode: from, day: pickDay! } },
    });
    const fromBefore = await level(from, 'MUG-CER-350');
    await setWarehouseAvailability(db, { warehouseCode: from, down: true, reason: 'flooded', changedBy: 'ops-test' });
    try {
      const request = { orderId, shipmentId, fromWarehouseCode: from, reason: 'flooded' };
      // Concurrent twins (an activity retried while the first attempt still runs) and a late retry.
      const [first, twin] = await Promise.all([mover().reallocateShipment(request), mover().reallocateShipment(request)]);
      const retry = await mover().reallocateShipment(request);
      expect(first).toMatchObject({ moved: true, fromWarehouseCode: from });
      expect(twin).toEqual(first);
      expect(retry).toEqual(first);
      const to = first.moved ? first.warehouseCode : '';
      expect(to).not.toBe(from);

      expect((await level(from, 'MUG-CER-350')).reserved).toBe(fromBefore.reserved - 3);
      const shipment = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
      expect(shipment).toMatchObject({ warehouseCode: to, pickDay: null });
      const held = await db.reservation.findMany({ where: { shipmentId, status: 'held' } });
      expect(held.map((r) => [r.warehouseCode, r.quantity])).toEqual([[to, 3]]);
      const movements = await db.inventoryMovement.findMany({ where: { shipmentId }, orderBy: { id: 'asc' } });
      expect(movements.map((m) => [m.kind, m.warehouseCode, m.reservedDelta])).toEqual([
        ['release', from, -3],
        ['reserve', to, 3],
      ]);
      const bookedAfter = await db.warehouseCapacityDay.findUniqueOrThrow({
        where: { warehouseCode_day: { warehouseCode: from, day: pickDay! } },
      });
      expect(bookedAfter.booked).toBe(bookedBefore.booked - 1);
      expect(await db.shipmentReallocation.count({ where: { shipmentId } })).toBe(1);
      expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    } finally {
      await setWarehouseAvailability(db, { warehouseCode: from, down: false, changedBy: 'ops-test' });
    }
  });

  it('a shipment whose stock no other warehouse holds stays, and nothing moves', async () => {
    // Only LYS1 stocks the oak board.
    const { orderId, shipmentId } = await plannedShipment('CUTTING-BOARD-OAK', 1);
    await setWarehouseAvailability(db, { warehouseCode: 'LYS1', down: true, changedBy: 'ops-test' });
    try {
      const result = await mover().reallocateShipment({ orderId, shipmentId, fromWarehouseCode: 'LYS1', reason: 'test' });
      expect(result).toEqual({ moved: false, why: 'no_stock' });
      expect(await db.reservation.findMany({ where: { shipmentId, status: 'held' }, select: { warehouseCode: true } })).toEqual([
        { warehouseCode: 'LYS1' },
      ]);
    } finally {
      await setWarehouseAvailability(db, { warehouseCode: 'LYS1', down: false, changedBy: 'ops-test' });
    }
  });

  it("does not take the units another order's backorder was dated from: with those held, the shipment stays", async () => {
    const { orderId, shipmentId, warehouseCode: from } = await plannedShipment('MUG-CER-350', 2);
    const others = await db.inventoryLevel.findMany({ where: { skuCode: 'MUG-CER-350', warehouseCode: { not: from } } });
    // A backorder's hold (weeks to run) on all that is free elsewhere, and one unit short of that on the last warehouse.
    const holds = others.map((l, i) => ({
      orderId: `ORD-WAITING-${seq}`,
      warehouseCode: l.warehouseCode,
      skuCode: l.skuCode,
      quantity: Math.max(0, l.onHand - l.reserved - (i === 0 ? 1 : 0)),
      holdUntil: new Date(Date.now() + 30 * 86_400_000),
    }));
    await db.promisedStock.createMany({ data: holds });
    await setWarehouseAvailability(db, { warehouseCode: from, down: true, changedBy: 'ops-test' });
    try {
      const result = await mover().reallocateShipment({ orderId, shipmentId, fromWarehouseCode: from, reason: 'test' });
      expect(result).toEqual({ moved: false, why: 'no_stock' });
      expect(await db.reservation.findMany({ where: { shipmentId, status: 'held' }, select: { warehouseCode: true } })).toEqual([
        { warehouseCode: from },
      ]);
      // An intake hold (minutes) does not stop the move: the order it was promised to can still be served elsewhere.
      await db.promisedStock.updateMany({ where: { orderId: `ORD-WAITING-${seq}` }, data: { holdUntil: new Date(Date.now() + 600_000) } });
      expect(await mover().reallocateShipment({ orderId, shipmentId, fromWarehouseCode: from, reason: 'test' })).toMatchObject({
        moved: true,
      });
    } finally {
      await db.promisedStock.deleteMany({ where: { orderId: `ORD-WAITING-${seq}` } });
      await setWarehouseAvailability(db, { warehouseCode: from, down: false, changedBy: 'ops-test' });
    }
  });

  it('a pick and a move never both happen: the pick at a down warehouse is refused, a picked shipment is not moved', async () => {
    // The pick heartbeats: it runs in an activity context, as on a warehouse worker.
    const warehouse = createWarehouseActivities(db);
    const picker = {
      pickItems: (input: { shipmentId: string; warehouseCode: string }) =>
        new MockActivityEnvironment().run(() => warehouse.pickItems(input)),
    };
    const a = await plannedShipment('MUG-CER-350', 1);
    await setWarehouseAvailability(db, { warehouseCode: a.warehouseCode, down: true, changedBy: 'ops-test' });
    try {
      await expect(picker.pickItems({ shipmentId: a.shipmentId, warehouseCode: a.warehouseCode })).rejects.toMatchObject({
        type: 'WarehouseDown',
      });
      const moved = await mover().reallocateShipment({ ...a, fromWarehouseCode: a.warehouseCode, reason: 'test' });
      // A pick retried at the old warehouse after the move is refused too.
      await expect(picker.pickItems({ shipmentId: a.shipmentId, warehouseCode: a.warehouseCode })).rejects.toMatchObject({
        type: 'WarehouseDown',
      });
      expect(moved.moved).toBe(true);
    } finally {
      await setWarehouseAvailability(db, { warehouseCode: a.warehouseCode, down: false, changedBy: 'ops-test' });
    }
    const b = await plannedShipment('MUG-CER-350', 1);
    await picker.pickItems({ shipmentId: b.shipmentId, warehouseCode: b.warehouseCode });
    const result = await mover().reallocateShipment({ ...b, fromWarehouseCode: b.warehouseCode, reason: 'too late' });
    expect(result).toEqual({ moved: false, why: 'picked' });
    expect((await db.shipment.findUniqueOrThrow({ where: { id: b.shipmentId } })).warehouseCode).toBe(b.warehouseCode);
  });

  it('declaring down or up is recorded once per change, with who did it', async () => {
    const down = await setWarehouseAvailability(db, { warehouseCode: 'MAD1', down: true, reason: 'strike', changedBy: 'ops-anna' });
    const again = await setWarehouseAvailability(db, { warehouseCode: 'MAD1', down: true, reason: 'strike', changedBy: 'ops-bob' });
    expect(down).toMatchObject({ down: true, downReason: 'strike', downBy: 'ops-anna', changed: true });
    expect(again).toMatchObject({ down: true, downBy: 'ops-anna', changed: false });
    const up = await setWarehouseAvailability(db, { warehouseCode: 'MAD1', down: false, changedBy: 'ops-bob' });
    expect(up).toMatchObject({ down: false, downSince: null, downBy: null, changed: true });
    const trail = await db.warehouseAvailabilityChange.findMany({ where: { warehouseCode: 'MAD1' }, orderBy: { createdAt: 'asc' } });
    expect(trail.map((t) => [t.down, t.changedBy])).toEqual([
      [true, 'ops-anna'],
      [false, 'ops-bob'],
    ]);
    expect(await setWarehouseAvailability(db, { warehouseCode: 'NOPE', down: true, changedBy: 'ops-bob' })).toBeUndefined();
  });

  it("a queue found unserved does not undo ops' word: a pick that began waiting before they declared the warehouse up sets nothing down", async () => {
    const activities = mover();
    const declare = (unservedSince: string) =>
      new MockActivityEnvironment().run(activities.declareWarehouseDown, {
        warehouseCode: 'HAM1',
        reason: 'the queue of HAM1 left a pick unserved for 120 business minutes',
        unservedSince,
      });
    const testStart = new Date();
    const waitedFrom = new Date(Date.now() - 60_000).toISOString();
    await setWarehouseAvailability(db, { warehouseCode: 'HAM1', down: true, reason: 'power cut', changedBy: 'ops-anna' });
    await setWarehouseAvailability(db, { warehouseCode: 'HAM1', down: false, reason: 'power back', changedBy: 'ops-anna' });
    try {
      // The pick waited from before ops' "up": stale evidence, nothing written.
      expect(await declare(waitedFrom)).toMatchObject({ down: false, downBy: null, changed: false });
      // A pick that began waiting after ops' "up" and was still left unserved: down, by colis.
      expect(await declare(new Date(Date.now() + 1_000).toISOString())).toMatchObject({ down: true, downBy: 'colis', changed: true });
      const trail = await db.warehouseAvailabilityChange.findMany({
        where: { warehouseCode: 'HAM1', createdAt: { gte: testStart } },
        orderBy: { createdAt: 'asc' },
      });
      expect(trail.map((t) => [t.down, t.changedBy])).toEqual([
        [true, 'ops-anna'],
        [false, 'ops-anna'],
        [true, 'colis'],
      ]);
    } finally {
      await setWarehouseAvailability(db, { warehouseCode: 'HAM1', down: false, changedBy: 'ops-test' });
    }
  });

  it('a shipment moved back to a warehouse that then goes down again moves again, once, instead of being told it moved', async () => {
    const { orderId, shipmentId, warehouseCode: first } = await plannedShipment('MUG-CER-350', 2);
    const move = (fromWarehouseCode: string) => mover().reallocateShipment({ orderId, shipmentId, fromWarehouseCode, reason: 'test' });
    const others = (await db.warehouse.findMany({ where: { code: { not: first } } })).map((w) => w.code);
    const setDown = async (codes: readonly string[], down: boolean) => {
      for (const warehouseCode of codes) await setWarehouseAvailability(db, { warehouseCode, down, changedBy: 'ops-test' });
    };
    try {
      await setDown([first], true);
      const away = await move(first);
      const second = away.moved ? away.warehouseCode : '';
      // The first warehouse is up again and the only one with room left: the second going down sends the shipment back.
      await setDown([first], false);
      await setDown(others, true);
      expect(await move(second)).toMatchObject({ moved: true, warehouseCode: first });
      await setDown(others, false);
      await setDown([first], true);

      const again = await move(first);
      expect(again).toMatchObject({ moved: true, fromWarehouseCode: first });
      const third = again.moved ? again.warehouseCode : '';
      expect(third).not.toBe(first);
      expect(await move(first)).toEqual(again);
      expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).warehouseCode).toBe(third);
      const held = await db.reservation.findMany({ where: { shipmentId, status: 'held' } });
      expect(held.map((r) => [r.warehouseCode, r.quantity])).toEqual([[third, 2]]);
      expect(await db.shipmentReallocation.count({ where: { shipmentId } })).toBe(3);
      expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    } finally {
      await setDown([first, ...others], false);
    }
  });
});
