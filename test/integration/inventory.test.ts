import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createInventoryActivities, type InventoryActivities } from '../../activities/inventory';
import { createShipmentPlanningActivities, type ShipmentPlanningActivities } from '../../activities/shipment-planning';
import { createStageTimingActivities } from '../../activities/stage-timing';
import { PlanningFacts } from '../../activities/planning-facts';
import { businessClock } from '../../domain/business-clock';
import type { ReservationResult } from '../../domain/inventory';
import { ids } from '../../domain/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createFixtureSku } from '../support/skus';

/**
 * The stock mechanics (locks, idempotency, ledger) under the lowest-code rule, whose choices the expectations
 * below name; the choice by cost to the door has its own tests (cost-allocation.test.ts).
 */
/** A hold that outlives the test. */
const SOON = new Date(Date.now() + 3_600_000);

const LOWEST_CODE = { decisions: { rules: 'baseline', promiseConfidence: 0.95, onTimeTarget: 0.95 } } as const;

const CUSTOMER_ID = 'cust-inventory';
const ADDRESS_ID = 'addr-inventory';

async function createCustomer(db: Db): Promise<void> {
  await db.customer.create({ data: { id: CUSTOMER_ID, name: 'Inventory Test' } });
  await db.address.create({
    data: {
      id: ADDRESS_ID,
      customerId: CUSTOMER_ID,
      name: 'Inventory Test',
      line1: '1 rue de la Paix',
      city: 'Paris',
      postalCode: '75002',
      countryCode: 'FR',
    },
  });
}

type LineSpec = readonly [skuCode: string, quantity: number];

function orderRow(orderId: string) {
  return {
    id: orderId,
    idempotencyKey: `idem-${orderId}`,
    requestHash: `hash-${orderId}`,
    source: 'test',
    customerId: CUSTOMER_ID,
    shippingAddressId: ADDRESS_ID,
    serviceLevel: 'standard' as const,
    backorderPolicy: 'backorder' as const,
    promisedBy: new Date('2030-01-10T18:00:00Z'),
    workflowId: ids.orderWorkflowId(orderId),
    currency: 'EUR',
  };
}

const lineId = (orderId: string, lineNo: number) => `${orderId}-L${lineNo}`;

async function createOrders(db: Db, orders: readonly { orderId: string; lines: readonly LineSpec[] }[]): Promise<void> {
  await db.order.createMany({ data: orders.map((o) => orderRow(o.orderId)) });
  await db.orderLine.createMany({
    data: orders.flatMap((o) =>
      o.lines.map(([skuCode, quantity], i) => ({ id: lineId(o.orderId, i + 1), orderId: o.orderId, lineNo: i + 1, skuCode, quantity })),
    ),
  });
}

const createOrder = (db: Db, orderId: string, lines: readonly LineSpec[]) => createOrders(db, [{ orderId, lines }]);

async function level(db: Db, warehouseCode: string, skuCode: string) {
  const row = await db.inventoryLevel.findUniqueOrThrow({ where: { warehouseCode_skuCode: { warehouseCode, skuCode } } });
  return { onHand: row.onHand, reserved: row.reserved };
}

async function allLevels(db: Db) {
  const rows = await db.inventoryLevel.findMany({ orderBy: [{ warehouseCode: 'asc' }, { skuCode: 'asc' }] });
  return rows.map(({ warehouseCode, skuCode, onHand, reserved }) => ({ warehouseCode, skuCode, onHand, reserved }));
}

const units = (result: ReservationResult) => result.held.reduce((sum, r) => sum + r.quantity, 0);

describe('inventory activities', () => {
  let database: TestDatabase;
  let db: Db;
  let inventory: InventoryActivities;
  let planning: ShipmentPlanningActivities;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    inventory = createInventoryActivities(db, LOWEST_CODE);
    planning = createShipmentPlanningActivities(db);
    await createCustomer(db);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('holds an order one warehouse can fill in that warehouse alone', async () => {
    await createOrder(db, 'ord-single', [
      ['GIFT-CARD-50', 2],
      ['MUG-CER-350', 3],
    ]);
    const before = await level(db, 'LYS1', 'MUG-CER-350');

    const result = await inventory.reserveStock({ orderId: 'ord-single' });

    expect(result.shortages).toEqual([]);
    expect(new Set(result.held.map((r) => r.warehouseCode)).size).toBe(1);
    expect(result.held.map((r) => [r.orderLineId, r.skuCode, r.quantity])).toEqual([
      [lineId('ord-single', 1), 'GIFT-CARD-50', 2],
      [lineId('ord-single', 2), 'MUG-CER-350', 3],
    ]);
    // Every warehouse holding both SKUs could ship it; the tie goes to the customer's country (FR: LYS1, PAR1),
    // then to the lowest code (HAM1 before: a cross-border transit day more).
    expect(result.held[0]?.warehouseCode).toBe('LYS1');
    expect(await level(db, 'LYS1', 'MUG-CER-350')).toEqual({ onHand: before.onHand, reserved: before.reserved + 3 });
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it("reserving takes over what the promise held for the order: its hold is gone, other orders' holds stay", async () => {
    await createOrder(db, 'ord-held', [['MUG-CER-350', 1]]);
    await db.promisedStock.createMany({
      data: [
        { orderId: 'ord-held', warehouseCode: 'LYS1', skuCode: 'MUG-CER-350', quantity: 1, holdUntil: SOON },
        { orderId: 'ord-not-yet-started', warehouseCode: 'LYS1', skuCode: 'MUG-CER-350', quantity: 2, holdUntil: SOON },
      ],
    });
    await inventory.reserveStock({ orderId: 'ord-held' });
    expect(await db.promisedStock.findMany({ select: { orderId: true } })).toEqual([{ orderId: 'ord-not-yet-started' }]);
    await db.promisedStock.deleteMany({});
  });

  it('a backorder keeps holding the restock it waits for, so the next promise does not count it; reserved, nothing is held', async () => {
    // A SKU only this test knows: 2 on the shelf at LYS1, 10 on their way there.
    await createFixtureSku(db, 'HOLD-BO');
    await inventory.restock({ warehouseCode: 'LYS1', skuCode: 'HOLD-BO', quantity: 2, reference: 'asn-hold-bo-first' });
    await db.inboundStock.create({
      data: {
        reference: 'asn-hold-bo',
        warehouseCode: 'LYS1',
        skuCode: 'HOLD-BO',
        quantity: 10,
        expectedAt: new Date(Date.now() + 86_400_000),
      },
    });
    // Promised at intake from the 2 on the shelf and 3 of the restock.
    await createOrder(db, 'ord-backorder-held', [['HOLD-BO', 5]]);
    await db.promisedStock.create({
      data: { orderId: 'ord-backorder-held', warehouseCode: 'LYS1', skuCode: 'HOLD-BO', quantity: 5, holdUntil: SOON },
    });
    const facts = new PlanningFacts(db, { situationTtlMs: 0 });
    const seenByTheNextOrder = async () => {
      const situation = await facts.situation({
        clock: businessClock(1, 0),
        nowMs: Date.now(),
        serviceLevel: 'standard',
        backorderPolicy: 'backorder',
        lines: [{ lineId: 'L1', skuCode: 'HOLD-BO', quantity: 1 }],
        destination: { countryCode: 'FR', postalCode: '69002' },
      });
      return { shelf: situation.stock.map((l) => l.available), restock: situation.inbound.map((i) => i.quantity) };
    };
    expect(await seenByTheNextOrder()).toEqual({ shelf: [0], restock: [7] });

    const reserved = await inventory.reserveStock({ orderId: 'ord-backorder-held' });
    expect(reserved.shortages).toMatchObject([{ skuCode: 'HOLD-BO', missing: 3 }]);
    // The 2 reserved are read from the level now; the 3 waited for are still held, for weeks rather than minutes.
    const held = await db.promisedStock.findMany({ where: { orderId: 'ord-backorder-held' } });
    expect(held).toMatchObject([{ warehouseCode: 'LYS1', skuCode: 'HOLD-BO', quantity: 3 }]);
    expect(held[0]?.holdUntil.getTime()).toBeGreaterThan(Date.now() + 30 * 86_400_000);
    expect(await seenByTheNextOrder()).toEqual({ shelf: [0], restock: [7] });
    // A retried reservation holds the same.
    await inventory.reserveStock({ orderId: 'ord-backorder-held' });
    expect(await db.promisedStock.findMany({ where: { orderId: 'ord-backorder-held' } })).toMatchObject([{ quantity: 3 }]);

    await inventory.restock({ warehouseCode: 'LYS1', skuCode: 'HOLD-BO', quantity: 10, reference: 'asn-hold-bo' });
    await db.inboundStock.update({ where: { reference: 'asn-hold-bo' }, data: { receivedAt: new Date() } });
    const completed = await inventory.reserveStock({ orderId: 'ord-backorder-held' });
    expect(completed.shortages).toEqual([]);
    expect(await db.promisedStock.count({ where: { orderId: 'ord-backorder-held' } })).toBe(0);
    expect(await seenByTheNextOrder()).toEqual({ shelf: [7], restock: [] });
  });

  it('a restock goes to the backorders that hold it first: an order woken by it without a hold takes only what is left', async () => {
    // Two backorders wait for units at LYS1: one was dated from the restock and holds 2 of it, the other was told they
    // are promised to earlier orders. The 3 arrive and wake both; the one without a hold happens to reserve first.
    await createFixtureSku(db, 'HOLD-FIFO');
    await createOrders(db, [
      { orderId: 'ord-fifo-held', lines: [['HOLD-FIFO', 2]] },
      { orderId: 'ord-fifo-late', lines: [['HOLD-FIFO', 2]] },
    ]);
    await inventory.reserveStock({ orderId: 'ord-fifo-held' });
    await inventory.reserveStock({ orderId: 'ord-fifo-late' });
    await db.promisedStock.create({
      data: {
        orderId: 'ord-fifo-held',
        warehouseCode: 'LYS1',
        skuCode: 'HOLD-FIFO',
        quantity: 2,
        holdUntil: new Date(Date.now() + 30 * 86_400_000),
      },
    });
    await inventory.restock({ warehouseCode: 'LYS1', skuCode: 'HOLD-FIFO', quantity: 3, reference: 'asn-hold-fifo' });

    const late = await inventory.reserveStock({ orderId: 'ord-fifo-late' });
    expect(units(late)).toBe(1);
    expect(late.shortages).toMatchObject([{ skuCode: 'HOLD-FIFO', missing: 1 }]);
    const held = await inventory.reserveStock({ orderId: 'ord-fifo-held' });
    expect(held.shortages).toEqual([]);
    expect(units(held)).toBe(2);
    expect(await level(db, 'LYS1', 'HOLD-FIFO')).toEqual({ onHand: 3, reserved: 3 });
  });

  it('an order that ends before it reserves (cancelled while its start was queued) holds nothing any more', async () => {
    await createOrder(db, 'ord-cancelled-queued', [['MUG-CER-350', 1]]);
    await db.promisedStock.create({
      data: { orderId: 'ord-cancelled-queued', warehouseCode: 'LYS1', skuCode: 'MUG-CER-350', quantity: 1, holdUntil: SOON },
    });
    const stages = createStageTimingActivities(db);
    await stages.recordOrderStage({ orderId: 'ord-cancelled-queued', status: 'received', stages: [] });
    expect(await db.promisedStock.count({ where: { orderId: 'ord-cancelled-queued' } })).toBe(1);
    await stages.recordOrderStage({
      orderId: 'ord-cancelled-queued',
      status: 'cancelled',
      stages: [],
      endReason: 'customer changed their mind',
    });
    expect(await db.promisedStock.count({ where: { orderId: 'ord-cancelled-queued' } })).toBe(0);
  });

  it('splits an order no single warehouse can fill and plans one shipment per warehouse', async () => {
    await createOrder(db, 'ord-split', [
      ['FRAME-OAK-30X40', 1],
      ['CUTTING-BOARD-OAK', 2],
      ['CANDLE-SOY-200', 1],
    ]);

    const result = await inventory.reserveStock({ orderId: 'ord-split' });

    expect(result.shortages).toEqual([]);
    expect(units(result)).toBe(4);
    // CANDLE sits in PAR1 and LYS1: it rides along instead of adding a third shipment.
    expect([...new Set(result.held.map((r) => r.warehouseCode))].sort()).toEqual(['LYS1', 'PAR1']);

    const shipments = await planning.planShipments({ orderId: 'ord-split' });
    expect(shipments.map((s) => [s.shipmentId, s.workflowId, s.warehouseCode])).toEqual([
      [ids.shipmentId('ord-split', 1), ids.shipmentWorkflowId(ids.shipmentId('ord-split', 1)), 'LYS1'],
      [ids.shipmentId('ord-split', 2), ids.shipmentWorkflowId(ids.shipmentId('ord-split', 2)), 'PAR1'],
    ]);
    expect(shipments.flatMap((s) => s.lines).reduce((sum, l) => sum + l.quantity, 0)).toBe(4);
    const rows = await db.shipment.findMany({ where: { orderId: 'ord-split' } });
    expect(rows.every((s) => s.status === 'planned' && s.promisedBy.toISOString() === '2030-01-10T18:00:00.000Z')).toBe(true);

    // Planning again (a retry) adds nothing and answers the same.
    expect(await planning.planShipments({ orderId: 'ord-split' })).toEqual(shipments);
    expect(await db.shipment.count({ where: { orderId: 'ord-split' } })).toBe(2);
  });

  it('reports shortages instead of failing, and a restock completes the order in the warehouse already holding it', async () => {
    await createOrder(db, 'ord-short', [
      ['KETTLE-17L', 6],
      ['SPEAKER-BT-MINI', 1],
      ['HEADPHONES-BT-ANC', 2],
    ]);

    const first = await inventory.reserveStock({ orderId: 'ord-short' });

    expect(first.held.map((r) => [r.warehouseCode, r.skuCode, r.quantity])).toEqual([['LYS1', 'KETTLE-17L', 4]]);
    expect(first.shortages).toEqual([
      { orderLineId: lineId('ord-short', 1), skuCode: 'KETTLE-17L', missing: 2 },
      { orderLineId: lineId('ord-short', 2), skuCode: 'SPEAKER-BT-MINI', missing: 1 },
      { orderLineId: lineId('ord-short', 3), skuCode: 'HEADPHONES-BT-ANC', missing: 2 },
    ]);

    await db.order.update({ where: { id: 'ord-short' }, data: { status: 'backordered' } });
    expect(await inventory.ordersAwaitingStock({ skuCode: 'KETTLE-17L' })).toEqual(['ord-short']);
    expect(await inventory.ordersAwaitingStock({ skuCode: 'GIFT-CARD-50' })).toEqual([]);

    // Both warehouses receive kettles; the one already holding the order's kettles wins.
    await inventory.restock({ warehouseCode: 'PAR1', skuCode: 'KETTLE-17L', quantity: 5, reference: 'asn-kettle-par1' });
    await inventory.restock({ warehouseCode: 'LYS1', skuCode: 'KETTLE-17L', quantity: 5, reference: 'asn-kettle-lys1' });
    // SPEAKER-BT-MINI had no level anywhere: a receipt creates it.
    const speaker = await inventory.restock({ warehouseCode: 'MAD1', skuCode: 'SPEAKER-BT-MINI', quantity: 3, reference: 'asn-speaker' });
    expect(speaker).toEqual({ warehouseCode: 'MAD1', skuCode: 'SPEAKER-BT-MINI', onHand: 3, reserved: 0, available: 3, applied: true });

    const second = await inventory.reserveStock({ orderId: 'ord-short' });
    expect(second.held.map((r) => [r.warehouseCode, r.skuCode, r.quantity])).toEqual([
      ['LYS1', 'KETTLE-17L', 4],
      ['LYS1', 'KETTLE-17L', 2],
      ['MAD1', 'SPEAKER-BT-MINI', 1],
    ]);
    expect(second.shortages).toEqual([{ orderLineId: lineId('ord-short', 3), skuCode: 'HEADPHONES-BT-ANC', missing: 2 }]);
    expect(await level(db, 'LYS1', 'KETTLE-17L')).toEqual({ onHand: 9, reserved: 6 });
    expect(await level(db, 'PAR1', 'KETTLE-17L')).toEqual({ onHand: 5, reserved: 0 });
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('a sequentially retried reserveStock reserves once', async () => {
    await createOrder(db, 'ord-retry', [['TEA-GREEN-100G', 3]]);
    const before = await level(db, 'HAM1', 'TEA-GREEN-100G');

    const first = await inventory.reserveStock({ orderId: 'ord-retry' });
    const second = await inventory.reserveStock({ orderId: 'ord-retry' });

    expect(second).toEqual(first);
    expect(await level(db, 'HAM1', 'TEA-GREEN-100G')).toEqual({ onHand: before.onHand, reserved: before.reserved + 3 });
    expect(await db.reservation.count({ where: { orderId: 'ord-retry' } })).toBe(1);
    expect(await db.inventoryMovement.count({ where: { orderId: 'ord-retry' } })).toBe(1);
  });

  it('concurrent duplicate reserveStock calls for one order reserve once', async () => {
    await createOrder(db, 'ord-dup', [
      ['SOCKS-WOOL-3P', 2],
      ['BOOK-PB-POCKET', 1],
    ]);
    const before = await allLevels(db);

    const results = await Promise.all(Array.from({ length: 8 }, () => inventory.reserveStock({ orderId: 'ord-dup' })));

    for (const result of results) expect(result).toEqual(results[0]);
    expect(units(results[0]!)).toBe(3);
    expect(await db.reservation.count({ where: { orderId: 'ord-dup' } })).toBe(results[0]!.held.length);
    const after = await allLevels(db);
    const reservedDelta = after.reduce((sum, l, i) => sum + l.reserved - (before[i]?.reserved ?? 0), 0);
    expect(reservedDelta).toBe(3);
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('consuming a shipment takes its units out of stock once, however often it is retried', async () => {
    await createOrder(db, 'ord-ship', [
      ['LAMP-DESK-LED', 2],
      ['DUMBBELL-5KG', 1],
    ]);
    const before = { lamp: await level(db, 'HAM1', 'LAMP-DESK-LED'), dumbbell: await level(db, 'HAM1', 'DUMBBELL-5KG') };
    await inventory.reserveStock({ orderId: 'ord-ship' });
    const [shipment] = await planning.planShipments({ orderId: 'ord-ship' });
    expect(shipment?.warehouseCode).toBe('HAM1');
    const shipmentId = shipment?.shipmentId ?? '';

    const concurrent = await Promise.all([inventory.consumeReservations({ shipmentId }), inventory.consumeReservations({ shipmentId })]);
    expect(concurrent.map((r) => r.consumed.length).sort()).toEqual([0, 2]);
    expect(await inventory.ledgerBalances()).toEqual([]);
    expect((await inventory.consumeReservations({ shipmentId })).consumed).toEqual([]);

    expect(await level(db, 'HAM1', 'LAMP-DESK-LED')).toEqual({ onHand: before.lamp.onHand - 2, reserved: before.lamp.reserved });
    expect(await level(db, 'HAM1', 'DUMBBELL-5KG')).toEqual({ onHand: before.dumbbell.onHand - 1, reserved: before.dumbbell.reserved });
    expect(await db.reservation.count({ where: { orderId: 'ord-ship', status: 'consumed' } })).toBe(2);
    expect(await inventory.ledgerBalances()).toEqual([]);

    // Consumed units count as covered: reserving again holds nothing new, and answers the order's units where they
    // are (with its shipment), so the run of an order reset after shipping goes on to adopt its shipments.
    const again = await inventory.reserveStock({ orderId: 'ord-ship' });
    expect(again.shortages).toEqual([]);
    expect(again.held.map((h) => h.reservationId).sort()).toEqual(['ord-ship-R1', 'ord-ship-R2']);
    expect(await db.reservation.count({ where: { orderId: 'ord-ship' } })).toBe(2);
    expect(await level(db, 'HAM1', 'LAMP-DESK-LED')).toEqual({ onHand: before.lamp.onHand - 2, reserved: before.lamp.reserved });
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('cancel = release: stock is exactly as before the reservation, and a release retry changes nothing', async () => {
    const before = await allLevels(db);
    await createOrder(db, 'ord-cancel', [
      ['VASE-GLASS-30', 25],
      ['COFFEE-BEANS-1KG', 4],
      ['WATCH-STEEL-40', 1],
    ]);
    const reserved = await inventory.reserveStock({ orderId: 'ord-cancel' });
    expect(units(reserved)).toBe(30);
    await planning.planShipments({ orderId: 'ord-cancel' });

    const [first, second] = await Promise.all([
      inventory.releaseReservations({ orderId: 'ord-cancel', reason: 'customer cancelled' }),
      inventory.releaseReservations({ orderId: 'ord-cancel', reason: 'customer cancelled' }),
    ]);
    expect(first.released.length + second.released.length).toBe(reserved.held.length);
    expect(await inventory.ledgerBalances()).toEqual([]);
    expect((await inventory.releaseReservations({ orderId: 'ord-cancel', reason: 'retry' })).released).toEqual([]);

    expect(await allLevels(db)).toEqual(before);
    const rows = await db.reservation.findMany({ where: { orderId: 'ord-cancel' } });
    expect(rows.every((r) => r.status === 'released' && r.releasedAt !== null)).toBe(true);
    expect(await inventory.ledgerBalances()).toEqual([]);

    // A late retry of the reservation after the order was cancelled must not hold stock again.
    await db.order.update({ where: { id: 'ord-cancel' }, data: { status: 'cancelled' } });
    const late = await inventory.reserveStock({ orderId: 'ord-cancel' }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(ApplicationFailure);
    expect((late as ApplicationFailure).type).toBe('OrderStateConflict');
    expect((late as ApplicationFailure).nonRetryable).toBe(true);
    expect(await allLevels(db)).toEqual(before);
  });

  it('releases one shipment of a split order and keeps the other held', async () => {
    await createOrder(db, 'ord-partial', [
      ['POSTER-A2-ROLLED', 1],
      ['BOOK-COOK-XL', 1],
    ]);
    await inventory.reserveStock({ orderId: 'ord-partial' });
    const shipments = await planning.planShipments({ orderId: 'ord-partial' });
    // Two shipments either way; {LYS1, PAR1}, both in the customer's country, win the tie over {LYS1, MAD1}.
    expect(shipments.map((s) => s.warehouseCode)).toEqual(['LYS1', 'PAR1']);

    const { released } = await inventory.releaseReservations({
      orderId: 'ord-partial',
      shipmentId: shipments[0]?.shipmentId ?? '',
      reason: 'shipment cancelled',
    });

    expect(released.map((r) => r.skuCode)).toEqual(['BOOK-COOK-XL']);
    const statuses = await db.reservation.findMany({ where: { orderId: 'ord-partial' }, orderBy: { skuCode: 'asc' } });
    expect(statuses.map((r) => [r.skuCode, r.status])).toEqual([
      ['BOOK-COOK-XL', 'released'],
      ['POSTER-A2-ROLLED', 'held'],
    ]);
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('a replayed restock reference is applied once', async () => {
    const before = await level(db, 'PAR1', 'RUG-ROLL-120X170');
    const receipt = { warehouseCode: 'PAR1', skuCode: 'RUG-ROLL-120X170', quantity: 7, reference: 'asn-rug-1' };

    const results = await Promise.all([inventory.restock(receipt), inventory.restock(receipt), inventory.restock(receipt)]);
    const replay = await inventory.restock(receipt);

    expect(results.filter((r) => r.applied)).toHaveLength(1);
    const onHand = before.onHand + 7;
    expect(replay).toEqual({
      warehouseCode: 'PAR1',
      skuCode: 'RUG-ROLL-120X170',
      onHand,
      reserved: before.reserved,
      available: onHand - before.reserved,
      applied: false,
    });
    expect(await level(db, 'PAR1', 'RUG-ROLL-120X170')).toEqual({ onHand: before.onHand + 7, reserved: before.reserved });
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('a receipt under a reference announced for other goods adds nothing, however late the announcement came', async () => {
    // The route checks the announcement before it claims its Idempotency-Key; this one committed after that check.
    await db.inboundStock.create({
      data: {
        reference: 'asn-other-goods',
        warehouseCode: 'LYS1',
        skuCode: 'RUG-ROLL-120X170',
        quantity: 3,
        expectedAt: new Date(Date.now() + 86_400_000),
      },
    });
    const before = await level(db, 'PAR1', 'RUG-ROLL-120X170');

    const refused = await inventory
      .restock({ warehouseCode: 'PAR1', skuCode: 'RUG-ROLL-120X170', quantity: 5, reference: 'asn-other-goods' })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).type).toBe('ReceiptOfOtherGoods');
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
    expect(await level(db, 'PAR1', 'RUG-ROLL-120X170')).toEqual(before);
    expect(await db.inventoryMovement.count({ where: { idempotencyKey: 'restock:asn-other-goods' } })).toBe(0);
    expect(await db.inboundStock.findUnique({ where: { reference: 'asn-other-goods' } })).toMatchObject({ receivedAt: null });
  });

  it('lists levels with availability, filtered by warehouse or SKU', async () => {
    const kettles = await inventory.inventoryLevels({ skuCode: 'KETTLE-17L' });
    expect(kettles.map((l) => l.warehouseCode)).toEqual(['LYS1', 'PAR1']);
    for (const l of kettles) expect(l.available).toBe(l.onHand - l.reserved);
    const ham = await inventory.inventoryLevels({ warehouseCode: 'HAM1' });
    expect(ham.length).toBeGreaterThan(5);
    expect(ham.every((l) => l.warehouseCode === 'HAM1')).toBe(true);
  });

  it('ledgerBalances reports a level changed without a movement', async () => {
    await db.$executeRaw`UPDATE "InventoryLevel" SET "onHand" = "onHand" + 1 WHERE "warehouseCode" = 'MAD1' AND "skuCode" = 'TEA-GREEN-100G'`;
    const mismatches = await inventory.ledgerBalances();
    expect(mismatches).toEqual([
      { warehouseCode: 'MAD1', skuCode: 'TEA-GREEN-100G', onHand: 31, reserved: 0, ledgerOnHand: 30, ledgerReserved: 0 },
    ]);
    await db.$executeRaw`UPDATE "InventoryLevel" SET "onHand" = "onHand" - 1 WHERE "warehouseCode" = 'MAD1' AND "skuCode" = 'TEA-GREEN-100G'`;
    expect(await inventory.ledgerBalances()).toEqual([]);
  });
});

describe('no oversell under concurrency', () => {
  /** Hot SKUs and their whole seeded stock, every warehouse together. */
  const HOT_STOCK: Record<string, number> = {
    'WATCH-STEEL-40': 1,
    'BIKE-CITY-28': 2,
    'POT-CASTIRON-6L': 3,
    'KETTLE-17L': 4,
    'LAMP-FLOOR-190': 12,
    'RUG-ROLL-120X170': 12,
  };
  const HOT = Object.keys(HOT_STOCK);
  const ORDERS = 300;
  /** Every tenth order is also reserved a second time at once, like an activity retried after a timeout. */
  const DUPLICATE_EVERY = 10;

  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase(20);
    db = database.db;
    await createCustomer(db);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('300 concurrent reservations for a few hot SKUs never sell a unit twice', async () => {
    const inventory = createInventoryActivities(db, { ...LOWEST_CODE, maxWaitMs: 120_000, transactionTimeoutMs: 120_000 });
    // One unit of one hot SKU per order, round robin: an order is served exactly when a unit is left for it.
    const orders = Array.from({ length: ORDERS }, (_, i) => ({
      orderId: `ord-hot-${String(i).padStart(3, '0')}`,
      lines: [[HOT[i % HOT.length] ?? '', 1]] as const,
    }));
    await createOrders(db, orders);
    const demand = new Map<string, number>();
    for (const o of orders) for (const [sku, q] of o.lines) demand.set(sku, (demand.get(sku) ?? 0) + q);

    const failures: string[] = [];
    const reserveWithRetry = async (orderId: string): Promise<ReservationResult> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await inventory.reserveStock({ orderId });
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
          if (attempt >= 5) throw error;
        }
      }
    };
    const calls = orders.flatMap((o, i) => (i % DUPLICATE_EVERY === 0 ? [o.orderId, o.orderId] : [o.orderId]));

    const started = performance.now();
    const results = await Promise.all(calls.map(reserveWithRetry));
    const elapsedMs = performance.now() - started;
    console.log(
      `${calls.length} concurrent reserveStock calls (${ORDERS} orders) on a pool of 20: ${Math.round(elapsedMs)} ms; failures retried: ${failures.length}`,
    );

    expect(failures.filter((m) => /deadlock|serializ|write conflict/i.test(m))).toEqual([]);
    expect(failures).toEqual([]);

    const levels = await db.inventoryLevel.findMany({ where: { skuCode: { in: HOT } } });
    const held = await db.reservation.groupBy({
      by: ['warehouseCode', 'skuCode'],
      where: { status: 'held' },
      _sum: { quantity: true },
    });
    for (const l of levels) {
      expect(l.reserved).toBeLessThanOrEqual(l.onHand);
      const sum = held.find((h) => h.warehouseCode === l.warehouseCode && h.skuCode === l.skuCode)?._sum.quantity ?? 0;
      expect({ level: `${l.warehouseCode}/${l.skuCode}`, reserved: sum }).toEqual({
        level: `${l.warehouseCode}/${l.skuCode}`,
        reserved: l.reserved,
      });
    }
    for (const sku of HOT) {
      const onHand = levels.filter((l) => l.skuCode === sku).reduce((sum, l) => sum + l.onHand, 0);
      const reserved = levels.filter((l) => l.skuCode === sku).reduce((sum, l) => sum + l.reserved, 0);
      expect({ sku, onHand }).toEqual({ sku, onHand: HOT_STOCK[sku] });
      expect({ sku, reserved }).toEqual({ sku, reserved: Math.min(HOT_STOCK[sku] ?? 0, demand.get(sku) ?? 0) });
    }

    // Duplicates answered alike and reserved once: one reservation at most per order.
    expect(await db.reservation.count()).toBe(Object.values(HOT_STOCK).reduce((a, b) => a + b, 0));
    const byOrder = new Map<string, ReservationResult[]>();
    calls.forEach((orderId, i) => {
      byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), results[i] as ReservationResult]);
    });
    for (const answers of byOrder.values()) for (const answer of answers) expect(answer).toEqual(answers[0]);

    const fullyServed = [...byOrder.values()].filter(([answer]) => answer?.shortages.length === 0).length;
    const allowed = HOT.reduce((sum, sku) => sum + Math.min(HOT_STOCK[sku] ?? 0, demand.get(sku) ?? 0), 0);
    expect(fullyServed).toBe(allowed);
    expect([...byOrder.values()].filter(([answer]) => answer?.shortages.length === 1)).toHaveLength(ORDERS - allowed);

    expect(await createInventoryActivities(db, LOWEST_CODE).ledgerBalances()).toEqual([]);
  });

  it('multi-line, multi-unit reservations racing shipments of earlier orders still hold exactly the stock there is', async () => {
    const inventory = createInventoryActivities(db, { ...LOWEST_CODE, maxWaitMs: 120_000, transactionTimeoutMs: 120_000 });
    const planning = createShipmentPlanningActivities(db, { maxWaitMs: 120_000, transactionTimeoutMs: 120_000 });
    // Fresh receipts spread over warehouses, so lines of 2–3 units have to split or pick a warehouse.
    const receipts = HOT.flatMap((sku, i) => [
      { warehouseCode: 'PAR1', skuCode: sku, quantity: 5 + i, reference: `asn-hot-par1-${sku}` },
      { warehouseCode: 'HAM1', skuCode: sku, quantity: 3 + (i % 3), reference: `asn-hot-ham1-${sku}` },
      { warehouseCode: 'MAD1', skuCode: sku, quantity: 2, reference: `asn-hot-mad1-${sku}` },
    ]);
    const received = new Map<string, number>();
    for (const r of receipts) {
      await inventory.restock(r);
      received.set(r.skuCode, (received.get(r.skuCode) ?? 0) + r.quantity);
    }
    const before = await db.inventoryLevel.findMany({ where: { skuCode: { in: HOT } } });
    const reservedBefore = (sku: string) => before.filter((l) => l.skuCode === sku).reduce((sum, l) => sum + l.reserved, 0);
    const onHandBefore = (sku: string) => before.filter((l) => l.skuCode === sku).reduce((sum, l) => sum + l.onHand, 0);

    // Two different hot SKUs per order (lines of one SKU share stock, which makes the expected total fuzzy).
    const orders = Array.from({ length: 200 }, (_, i) => {
      const lines: LineSpec[] = [
        [HOT[i % HOT.length] ?? '', 1 + (i % 3)],
        [HOT[(i + 1 + (i % 4)) % HOT.length] ?? '', 1 + ((i * 7) % 3)],
      ];
      return { orderId: `ord-multi-${String(i).padStart(3, '0')}`, lines };
    });
    await createOrders(db, orders);
    const demand = new Map<string, number>();
    for (const o of orders) for (const [sku, q] of o.lines) demand.set(sku, (demand.get(sku) ?? 0) + q);

    // The first test's served orders ship meanwhile: onHand and reserved drop together, availability stays.
    const served = await db.reservation.findMany({ where: { status: 'held' }, select: { orderId: true }, distinct: ['orderId'] });
    const shipping = served.map(async ({ orderId }) => {
      for (const shipment of await planning.planShipments({ orderId }))
        await inventory.consumeReservations({ shipmentId: shipment.shipmentId });
    });

    const started = performance.now();
    const [results] = await Promise.all([
      Promise.all(orders.map((o) => inventory.reserveStock({ orderId: o.orderId }))),
      Promise.all(shipping),
    ]);
    console.log(
      `${orders.length} multi-line reservations racing ${served.length} shipments: ${Math.round(performance.now() - started)} ms`,
    );

    const shipped = await db.inventoryMovement.groupBy({ by: ['skuCode'], where: { kind: 'ship' }, _sum: { onHandDelta: true } });
    const levels = await db.inventoryLevel.findMany({ where: { skuCode: { in: HOT } } });
    for (const l of levels) expect(l.reserved).toBeLessThanOrEqual(l.onHand);
    for (const sku of HOT) {
      const onHand = levels.filter((l) => l.skuCode === sku).reduce((sum, l) => sum + l.onHand, 0);
      const reserved = levels.filter((l) => l.skuCode === sku).reduce((sum, l) => sum + l.reserved, 0);
      const shippedUnits = -(shipped.find((m) => m.skuCode === sku)?._sum.onHandDelta ?? 0);
      expect({ sku, onHand }).toEqual({ sku, onHand: onHandBefore(sku) - shippedUnits });
      // Every order takes what is left of each SKU, so together they hold min(demand, what was free).
      const free = onHandBefore(sku) - reservedBefore(sku);
      expect({ sku, newlyHeld: reserved - (reservedBefore(sku) - shippedUnits) }).toEqual({
        sku,
        newlyHeld: Math.min(free, demand.get(sku) ?? 0),
      });
      expect(free).toBe(received.get(sku));
    }
    results.forEach((result, i) => {
      const wanted = orders[i]?.lines.reduce((sum, [, q]) => sum + q, 0) ?? 0;
      expect(units(result) + result.shortages.reduce((sum, s) => sum + s.missing, 0)).toBe(wanted);
    });
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('the CHECK constraint refuses a level reserved beyond its stock, whoever writes it', async () => {
    await expect(
      db.$executeRaw`UPDATE "InventoryLevel" SET "reserved" = "onHand" + 1 WHERE "warehouseCode" = 'PAR1' AND "skuCode" = 'GIFT-CARD-50'`,
    ).rejects.toThrow(/InventoryLevel_stock_check/);
  });
});
