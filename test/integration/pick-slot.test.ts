import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createInventoryActivities } from '../../activities/inventory';
import { PlanningFacts } from '../../activities/planning-facts';
import { createWarehouseActivities } from '../../activities/warehouse';
import { createRepromiseActivities } from '../../activities/repromise';
import { createShipmentPlanningActivities } from '../../activities/shipment-planning';
import { type BookedPickSlot, createPickSlotActivities, lockWarehouseForBooking, type SlotInput } from '../../activities/pick-slots';
import { localTimeMs, parseLocalTime } from '../../domain/local-time';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';

/**
 * The cut-off is judged at the order's arrival: an order received before it makes that day's pick even
 * when reservation and allocation reach the booking after it (a warehouse's wave takes every order received
 * by its cut-off). Received another day, or not said, the booking is judged when it happens.
 */
let database: TestDatabase;
let db: Db;
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await createCustomer(db, { customerId: 'cust-slot', addressId: 'addr-slot', name: 'Slot Test' });
});
afterAll(() => database?.drop());

async function plannedShipment(): Promise<{ shipmentId: string; warehouseCode: string; timeZone: string; cutoffMinutes: number }> {
  seq += 1;
  const orderId = `ORD-SLOT-${seq}`;
  await insertOrder(db, { orderId, customerId: 'cust-slot', addressId: 'addr-slot', skuCode: 'MUG-CER-350', quantity: 1 });
  await createInventoryActivities(db).reserveStock({ orderId });
  const [planned] = await createShipmentPlanningActivities(db).planShipments({ orderId });
  if (!planned) throw new Error('nothing planned');
  const warehouse = await db.warehouse.findUniqueOrThrow({ where: { code: planned.warehouseCode } });
  return {
    shipmentId: planned.shipmentId,
    warehouseCode: planned.warehouseCode,
    timeZone: warehouse.timeZone,
    cutoffMinutes: parseLocalTime(warehouse.cutoffLocalTime),
  };
}

/** A booking for a shipment on its journey: never the answer for one that has ended (activities/ended-shipment.ts). */
async function bookPickSlot(slots: ReturnType<typeof createPickSlotActivities>, input: SlotInput): Promise<BookedPickSlot> {
  const slot = await slots.bookPickSlot(input);
  if ('alreadyEnded' in slot || 'alreadyLabelled' in slot) throw new Error(`${input.shipmentId} counts as ended`);
  return slot;
}

// Wednesday 4 March 2026 (a working day in every seeded warehouse's country), and its next working day.
const WEDNESDAY = '2026-03-04';
const THURSDAY = '2026-03-05';

describe('pick slot: the cut-off is judged when the order came in', () => {
  it('an order received before the cut-off whose booking comes after it still makes the day’s pick', async () => {
    const s = await plannedShipment();
    const slot = await bookPickSlot(createPickSlotActivities(db), {
      shipmentId: s.shipmentId,
      warehouseCode: s.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, s.cutoffMinutes + 20, s.timeZone),
      receivedAtMs: localTimeMs(WEDNESDAY, s.cutoffMinutes - 10, s.timeZone),
    });
    expect(slot.day).toBe(WEDNESDAY);
  });

  it('the same booking without the arrival time, or for an order received the day before, goes to the next working day', async () => {
    const late = await plannedShipment();
    const unsaid = await bookPickSlot(createPickSlotActivities(db), {
      shipmentId: late.shipmentId,
      warehouseCode: late.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, late.cutoffMinutes + 20, late.timeZone),
    });
    expect(unsaid.day).toBe(THURSDAY);

    const yesterday = await plannedShipment();
    const slot = await bookPickSlot(createPickSlotActivities(db), {
      shipmentId: yesterday.shipmentId,
      warehouseCode: yesterday.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, yesterday.cutoffMinutes + 20, yesterday.timeZone),
      receivedAtMs: localTimeMs('2026-03-03', yesterday.cutoffMinutes - 10, yesterday.timeZone),
    });
    expect(slot.day).toBe(THURSDAY);
  });

  it('an order received after the cut-off is not helped by its arrival time', async () => {
    const s = await plannedShipment();
    const slot = await bookPickSlot(createPickSlotActivities(db), {
      shipmentId: s.shipmentId,
      warehouseCode: s.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, s.cutoffMinutes + 20, s.timeZone),
      receivedAtMs: localTimeMs(WEDNESDAY, s.cutoffMinutes + 5, s.timeZone),
    });
    expect(slot.day).toBe(THURSDAY);
  });
});

describe('pick slot: how long the warehouse queue may leave the pick unserved', () => {
  it('is the configured business wait, and none at all when the queue may not declare outages (0)', async () => {
    const watched = await plannedShipment();
    const slot = await bookPickSlot(createPickSlotActivities(db, 45), {
      shipmentId: watched.shipmentId,
      warehouseCode: watched.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, watched.cutoffMinutes - 60, watched.timeZone),
    });
    expect(slot.serveWithinMs).toBe(45 * 60_000);

    const unwatched = await plannedShipment();
    const free = await bookPickSlot(createPickSlotActivities(db, 0), {
      shipmentId: unwatched.shipmentId,
      warehouseCode: unwatched.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, unwatched.cutoffMinutes - 60, unwatched.timeZone),
    });
    expect(free.day).toBe(WEDNESDAY);
    expect(free).not.toHaveProperty('serveWithinMs');
  });
});

describe('the first step of a shipment that had ended before its run (a reset to its first workflow task)', () => {
  const stuckOpen = (s: { shipmentId: string }, orderId: string) => ({
    id: `ESC-${s.shipmentId}-broken-1`,
    orderId,
    shipmentId: s.shipmentId,
    reason: 'broken' as const,
    severity: 'medium' as const,
    detail: 'carrier reports lost',
    dedupeKey: `${s.shipmentId}:broken:1`,
  });

  it('books no slot and picks nothing: it answers the end, its row and the capacity untouched', async () => {
    const s = await plannedShipment();
    await db.shipment.update({
      where: { id: s.shipmentId },
      data: { status: 'delivered', shippingCostCents: 690, packagingCostCents: 45 },
    });
    const row = await db.shipment.findUniqueOrThrow({ where: { id: s.shipmentId } });
    const capacity = await db.warehouseCapacityDay.findMany({ where: { warehouseCode: s.warehouseCode }, orderBy: { day: 'asc' } });
    const input = {
      shipmentId: s.shipmentId,
      warehouseCode: s.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, s.cutoffMinutes - 60, s.timeZone),
    };
    const ended = { stage: 'delivered', packagingCostCents: 45, shippingCostCents: 690, promiseMiss: false, savingCents: 0 };
    expect(await createPickSlotActivities(db).bookPickSlot(input)).toEqual({ alreadyEnded: ended });
    const picked = await new MockActivityEnvironment().run(() =>
      createWarehouseActivities(db).pickItems({ shipmentId: s.shipmentId, warehouseCode: s.warehouseCode, stage: { stages: [] } }),
    );
    expect(picked).toEqual({ alreadyEnded: ended });
    expect(await db.shipment.findUniqueOrThrow({ where: { id: s.shipmentId } })).toEqual(row);
    expect(await db.warehouseCapacityDay.findMany({ where: { warehouseCode: s.warehouseCode }, orderBy: { day: 'asc' } })).toEqual(
      capacity,
    );
  });

  it('a final status with an escalation of its own still open (a parcel reported lost, waiting for ops) is not an end: the step does its work', async () => {
    const s = await plannedShipment();
    const { orderId } = await db.shipment.findUniqueOrThrow({ where: { id: s.shipmentId } });
    await db.shipment.update({ where: { id: s.shipmentId }, data: { status: 'lost' } });
    await db.escalation.create({ data: stuckOpen(s, orderId) });
    const input = {
      shipmentId: s.shipmentId,
      warehouseCode: s.warehouseCode,
      nowMs: localTimeMs(WEDNESDAY, s.cutoffMinutes - 60, s.timeZone),
    };
    expect((await bookPickSlot(createPickSlotActivities(db), input)).day).toBe(WEDNESDAY);
    // Answered "reship": the parcel was given up, the shipment ended lost, and its order re-fulfils it once more if it adopts it.
    await db.escalation.update({
      where: { id: stuckOpen(s, orderId).id },
      data: { status: 'resolved', decision: 'reship', resolvedAt: new Date(), resolvedBy: 'ops-test' },
    });
    expect(await createPickSlotActivities(db).bookPickSlot(input)).toMatchObject({
      alreadyEnded: { stage: 'lost', reshipped: { cause: 'lost', reason: 'lost by the carrier' } },
    });
  });
});

describe('pick slot: the booking lock', () => {
  /** Runs `body` while another transaction holds `code`'s booking lock; the holder ends after it. */
  async function whileBookingHeld<T>(code: string, body: () => Promise<T>): Promise<T> {
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((r) => {
      locked = r;
    });
    const holder = db.$transaction(
      async (tx) => {
        await lockWarehouseForBooking(tx, code);
        locked();
        await released;
      },
      { timeout: 20_000 },
    );
    await lockTaken;
    try {
      return await body();
    } finally {
      release();
      await holder;
    }
  }
  const rolledBack = new Error('rolled back on purpose');

  it('holds off another booking at the warehouse, but not the stock movements written there meanwhile', async () => {
    const level = await db.inventoryLevel.findFirstOrThrow({ orderBy: [{ warehouseCode: 'asc' }, { skuCode: 'asc' }] });
    const { movement, booking } = await whileBookingHeld(level.warehouseCode, async () => {
      // A receipt at the same warehouse: its foreign key check must not wait for the booking (lock_timeout fails it if it does).
      const movement = await db
        .$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '2s'`);
          await tx.$executeRaw`
            INSERT INTO "InventoryMovement" ("warehouseCode", "skuCode", "kind", "onHandDelta", "reservedDelta", "idempotencyKey", "note")
            VALUES (${level.warehouseCode}, ${level.skuCode}, 'receipt'::"MovementKind", 1, 0, ${`test:booking-lock:${seq}`}, 'lock test')`;
          throw rolledBack;
        })
        .then(
          () => 'committed',
          (error: unknown) => (error === rolledBack ? 'written' : String(error)),
        );
      const booking = await db
        .$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '300ms'`);
          await lockWarehouseForBooking(tx, level.warehouseCode);
        })
        .then(
          () => 'not held off',
          (error: unknown) => (/lock timeout/.test(String(error)) ? 'held off' : String(error)),
        );
      return { movement, booking };
    });
    expect(movement).toBe('written');
    expect(booking).toBe('held off');
  });
});

describe('pick slot: booked with the order’s plan', () => {
  const slotPlanning = () => ({ repromise: createRepromiseActivities({ db, facts: new PlanningFacts(db) }) });

  async function reservedOrder(promisedBy: Date): Promise<string> {
    seq += 1;
    const orderId = `ORD-SLOT-${seq}`;
    await insertOrder(db, { orderId, customerId: 'cust-slot', addressId: 'addr-slot', skuCode: 'MUG-CER-350', quantity: 1, promisedBy });
    await createInventoryActivities(db).reserveStock({ orderId });
    return orderId;
  }

  it('a slot after the cut-off: the shipment is planned waiting (status, one visit), its promise judged; a retry books nothing twice', async () => {
    const orderId = await reservedOrder(new Date(`${WEDNESDAY}T22:00:00Z`));
    // 21:00 in Paris (Wednesday still in every seeded warehouse's zone): past every cut-off, the slot is Thursday's.
    const nowMs = Date.parse(`${WEDNESDAY}T20:00:00Z`);
    const planning = createShipmentPlanningActivities(db, {}, slotPlanning());
    const [planned] = await planning.planShipments({ orderId, pickSlots: { nowMs } });
    expect(planned?.pickSlot).toMatchObject({ day: THURSDAY, waitingSince: new Date(nowMs).toISOString() });
    expect(planned?.pickSlot?.startsAtMs).toBeGreaterThan(nowMs);
    // Promised for Wednesday evening, picked on Thursday: the plan re-promised it, as the shipment would have.
    expect(planned?.pickSlot?.repromised).toMatchObject({ changed: true, reason: 'missed_pick_slot' });
    const shipmentId = planned?.shipmentId ?? '';
    const row = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(row.status).toBe('waiting_for_pick_slot');
    const booked = async () =>
      (
        await db.warehouseCapacityDay.findUniqueOrThrow({
          where: { warehouseCode_day: { warehouseCode: row.warehouseCode, day: new Date(`${THURSDAY}T00:00:00Z`) } },
        })
      ).booked;
    const bookedOnce = await booked();

    const [again] = await planning.planShipments({ orderId, pickSlots: { nowMs } });
    expect(again?.pickSlot).toMatchObject({ day: THURSDAY, waitingSince: new Date(nowMs).toISOString() });
    expect(again?.pickSlot?.repromised).toBeUndefined();
    expect(await booked()).toBe(bookedOnce);
    const visits = await db.stageTiming.findMany({ where: { shipmentId } });
    expect(visits.map((v) => [v.stage, v.endedAt])).toEqual([['waiting_for_pick_slot', null]]);

    // Read again an hour later (the order reset in Temporal to before its plan): the same slot and the same open wait.
    const [reset] = await planning.planShipments({ orderId, pickSlots: { nowMs: nowMs + 3_600_000 } });
    expect(reset?.pickSlot).toMatchObject({ day: THURSDAY, waitingSince: new Date(nowMs).toISOString() });
    expect(await booked()).toBe(bookedOnce);
    expect(await db.stageTiming.count({ where: { shipmentId } })).toBe(1);
  });

  it('a shipment already on its way is not booked again, and a plan without slot planning books none', async () => {
    const orderId = await reservedOrder(new Date(Date.now() + 10 * 86_400_000));
    const nowMs = Date.parse(`${WEDNESDAY}T20:00:00Z`);
    const [bare] = await createShipmentPlanningActivities(db).planShipments({ orderId, pickSlots: { nowMs } });
    expect(bare?.pickSlot).toBeUndefined();
    await db.shipment.update({ where: { id: bare?.shipmentId ?? '' }, data: { status: 'packing', pickedAt: new Date() } });
    const [planned] = await createShipmentPlanningActivities(db, {}, slotPlanning()).planShipments({ orderId, pickSlots: { nowMs } });
    expect(planned?.pickSlot).toBeUndefined();
    expect((await db.shipment.findUniqueOrThrow({ where: { id: planned?.shipmentId ?? '' } })).status).toBe('packing');
  });
});
