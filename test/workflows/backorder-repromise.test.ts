import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { cancelOrderUpdate, restockedSignal } from '../../workflows/definitions';
import type { OrderView } from '../../domain/journey';
import { journeyApi, KEYS } from '../api/harness';
import { startJourney, type Journey } from '../support/journey';
import { orderIdOf, orderView, shipmentView, until, untilOrderStage } from './steps';

/**
 * Re-promise, never surprise, at the reservation: two orders promised from the same last units both got an in-stock date
 * (here placed straight as workflows, past intake's holds); the one that loses the reservation waits for a restock, and its date moves at once
 * to what the expected restock allows (with its reason, the customer's mail and the shop's webhook), not at the backorder
 * deadline or never. An unknown restock leaves the date but says it is at risk. The restock then re-promises nothing.
 */
describe('a backorder re-promises against the expected restock', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  const db = () => journey.database.db;

  /** The first order takes the last `quantity` units; answers once its reservation holds them. */
  async function takeTheLastUnits(sku: string, quantity: number) {
    const first = await journey.placeOrder({ lines: [{ sku, quantity }], backorderPolicy: 'backorder' });
    await until(
      journey,
      `${orderIdOf(first)} holds ${sku}`,
      () => db().reservation.count({ where: { orderId: orderIdOf(first), skuCode: sku } }),
      (n) => n > 0,
      { stepMs: 1_000 },
    );
    return first;
  }

  it('a restock announced over the API (PUT /inventory/inbound) re-dates an order waiting at risk, which then holds what it waits for; received, it ships', async () => {
    // Nobody holds or expects it. First in this file: the time-skipping server's clock is still near the API's, which
    // refuses an arrival more than a year ahead of its own.
    const sku = 'HEADPHONES-BT-ANC';
    const app = await journeyApi(journey);
    try {
      const waiting = await journey.placeOrder({ lines: [{ sku, quantity: 1 }], backorderPolicy: 'backorder' });
      const orderId = orderIdOf(waiting);
      const atRisk = (v: OrderView) => v.timeline.some((e) => e.label === 'promise at risk');
      const before = await until(journey, `${orderId} at risk`, () => orderView(waiting), atRisk, { stepMs: 1_000 });
      const now = await journey.env.currentTimeMs();
      // Three weeks out: always later than the order's eight working days (ten or twelve days were not, from a Friday or
      // over Christmas, and the re-promise then rightly kept the date: the test server's clock runs years ahead by here).
      const expectedAt = new Date(now + 21 * 86_400_000).toISOString();
      const announced = await app.inject({
        method: 'PUT',
        url: `/inventory/inbound/${encodeURIComponent('PO 2026/77 line 1')}`,
        headers: { 'x-api-key': KEYS.ops.key },
        payload: { warehouseCode: 'LYS1', skuCode: sku, quantity: 4, expectedAt },
      });
      expect(announced.statusCode, announced.body).toBe(201);
      expect(announced.json()).toMatchObject({ reference: 'PO 2026/77 line 1', status: 'expected', signalledOrders: [orderId] });
      const moved = await until(
        journey,
        `${orderId} re-promised to the announced restock`,
        () => orderView(waiting),
        (v) => v.promisedBy !== before.promisedBy,
        { stepMs: 1_000 },
      );
      expect(Date.parse(moved.promisedBy)).toBeGreaterThan(Date.parse(expectedAt));
      // Announced, not received: the timeline says which.
      expect(moved.timeline).toContainEqual(expect.objectContaining({ kind: 'note', label: 'restock announced' }));
      expect(moved.timeline).not.toContainEqual(expect.objectContaining({ label: 'restock received' }));
      expect(await db().promiseChange.findMany({ where: { orderId } })).toEqual([
        expect.objectContaining({ reason: 'backordered', newPromisedBy: new Date(moved.promisedBy) }),
      ]);
      // The order holds 1 of the 4 expected: the next promise counts 3.
      expect(await db().promisedStock.findMany({ where: { orderId } })).toMatchObject([
        { warehouseCode: 'LYS1', skuCode: sku, quantity: 1 },
      ]);

      // Received under its reference: on the shelf, no longer expected; the order goes on.
      const received = await app.inject({
        method: 'POST',
        url: '/inventory/restock',
        headers: { 'x-api-key': KEYS.ops.key },
        payload: { warehouseCode: 'LYS1', skuCode: sku, quantity: 4, reference: 'PO 2026/77 line 1' },
      });
      expect(received.statusCode, received.body).toBe(200);
      expect((await db().inboundStock.findUniqueOrThrow({ where: { reference: 'PO 2026/77 line 1' } })).receivedAt).not.toBeNull();
      expect((await waiting.result()).stage).toBe('completed');
      expect(await db().promisedStock.count({ where: { orderId } })).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('the loser of the race for the last units is re-promised to the restock at once, once; the restock moves it no more', async () => {
    const sku = 'WATCH-STEEL-40';
    const now = await journey.env.currentTimeMs();
    // A restock on its way to the one warehouse that holds the watch, three weeks out: later than the in-stock promise of
    // eight working days whatever the weekday (ten days out, the re-promise kept a promise made on a Friday).
    await db().inboundStock.create({
      data: { reference: `ASN-RP-${now}`, warehouseCode: 'PAR1', skuCode: sku, quantity: 5, expectedAt: new Date(now + 21 * 86_400_000) },
    });
    // The loser's shop hears of its new date.
    await db().shop.create({ data: { id: 'shop-rp', displayName: 'shop-rp' } });
    await db().webhookSubscription.create({
      data: { id: 'sub-rp', shopId: 'shop-rp', url: 'http://127.0.0.1:9/hooks', events: ['order.promise_changed'], secret: 'whsec_test' },
    });
    const winner = await takeTheLastUnits(sku, 1);
    const loser = await journey.placeOrder({ lines: [{ sku, quantity: 1 }], backorderPolicy: 'backorder' }, { shopId: 'shop-rp' });
    const orderId = orderIdOf(loser);
    const waiting = await untilOrderStage(journey, loser, ['backordered']);
    const intake = (await db().order.findUniqueOrThrow({ where: { id: orderId } })).originalPromisedBy ?? new Date(0);
    const moved = await until(
      journey,
      `${orderId} re-promised`,
      () => orderView(loser),
      (v) => v.promisedBy !== intake.toISOString(),
      { stepMs: 1_000 },
    );
    expect(waiting.shortages).toEqual([expect.objectContaining({ skuCode: sku, missing: 1 })]);
    const newDate = Date.parse(moved.promisedBy);
    // Not before the goods are on the shelf.
    expect(newDate).toBeGreaterThan(now + 21 * 86_400_000);
    expect(moved.timeline).toContainEqual(expect.objectContaining({ kind: 'note', label: expect.stringMatching(/^re-promised/) }));

    const row = await db().order.findUniqueOrThrow({ where: { id: orderId } });
    expect(row.promisedBy.toISOString()).toBe(moved.promisedBy);
    expect(row.originalPromisedBy?.toISOString()).toBe(intake.toISOString());
    const changes = await db().promiseChange.findMany({ where: { orderId } });
    expect(changes).toEqual([
      expect.objectContaining({ reason: 'backordered', shipmentId: null, oldPromisedBy: intake, newPromisedBy: row.promisedBy }),
    ]);
    const mails = await db().customerMail.findMany({ where: { orderId, milestone: 'promise_changed' } });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.data).toMatchObject({ promisedBy: moved.promisedBy, reasonCode: 'backordered' });
    const hooks = await db().webhookEvent.findMany({ where: { orderId, type: 'order.promise_changed' } });
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.payload).toMatchObject({ data: { promisedBy: moved.promisedBy, reasonCode: 'backordered' } });
    const described = await loser.describe();
    expect(described.typedSearchAttributes.getAll().find((p) => p.key.name === 'PromisedBy')?.value).toEqual(new Date(moved.promisedBy));

    // The restock comes: the order goes on, its shipment carries the new date, nothing is re-promised again.
    const inventory = createInventoryActivities(db());
    await inventory.restock({ warehouseCode: 'PAR1', skuCode: sku, quantity: 5, reference: `ASN-RP-IN-${orderId}` });
    await loser.signal(restockedSignal, { warehouseCode: 'PAR1', skuCode: sku });
    const outcome = await loser.result();
    expect(outcome.stage).toBe('completed');
    expect(await db().promiseChange.count({ where: { orderId } })).toBe(1);
    expect(await db().customerMail.count({ where: { orderId, milestone: 'promise_changed' } })).toBe(1);
    expect(await db().webhookEvent.count({ where: { orderId, type: 'order.promise_changed' } })).toBe(1);
    const shipment = await db().shipment.findFirstOrThrow({ where: { orderId } });
    expect(shipment.promisedBy.toISOString()).toBe(moved.promisedBy);
    // Its journey judges lateness against that date, not the intake's out-of-reach one.
    expect((await shipmentView(journey, shipment.id)).promisedBy).toBe(moved.promisedBy);
    // The winner kept its promise.
    expect(await db().promiseChange.count({ where: { orderId: orderIdOf(winner) } })).toBe(0);
    await winner.result();
  });

  it('a restock that does not come when due re-dates the order waiting for it, told once per new date; received, it ships', async () => {
    // RUG-ROLL-120X170: 12 at PAR1 only. The order wants 20 and waits for 8 of the 10 due at PAR1 in two days: its
    // date of five working days holds, until the restock is half a day overdue and still missing.
    const sku = 'RUG-ROLL-120X170';
    const now = await journey.env.currentTimeMs();
    const reference = `ASN-LATE-${now}`;
    await db().inboundStock.create({
      data: { reference, warehouseCode: 'PAR1', skuCode: sku, quantity: 10, expectedAt: new Date(now + 2 * 86_400_000) },
    });
    const waiting = await journey.placeOrder(
      { lines: [{ sku, quantity: 20 }], backorderPolicy: 'backorder', backorderWaitHours: 24 * 40 },
      { promiseWorkingDays: 5 },
    );
    const orderId = orderIdOf(waiting);
    await untilOrderStage(journey, waiting, ['backordered']);
    const intake = (await db().order.findUniqueOrThrow({ where: { id: orderId } })).originalPromisedBy ?? new Date(0);
    // Nothing moves while the restock may still come.
    expect(await db().promiseChange.count({ where: { orderId } })).toBe(0);
    const moved = await until(
      journey,
      `${orderId} re-dated once its restock is overdue`,
      () => orderView(waiting),
      (v) => v.promisedBy !== intake.toISOString(),
      { stepMs: 3 * 3_600_000 },
    );
    // Not before the restock was overdue, and said so in the timeline.
    const overdueAt = now + 2 * 86_400_000 + 12 * 3_600_000;
    expect(await journey.env.currentTimeMs()).toBeGreaterThanOrEqual(overdueAt);
    expect(moved.timeline).toContainEqual(expect.objectContaining({ kind: 'note', label: 'restock overdue' }));
    expect(Date.parse(moved.promisedBy)).toBeGreaterThan(intake.getTime());
    const changes = await db().promiseChange.findMany({ where: { orderId } });
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes.every((c) => c.reason === 'backordered')).toBe(true);
    expect(await db().customerMail.count({ where: { orderId, milestone: 'promise_changed' } })).toBe(changes.length);

    // The goods come after all: the order ships, and nothing is re-dated for it any more.
    await createInventoryActivities(db()).restock({ warehouseCode: 'PAR1', skuCode: sku, quantity: 10, reference });
    await waiting.signal(restockedSignal, { warehouseCode: 'PAR1', skuCode: sku });
    expect((await waiting.result()).stage).toBe('completed');
    expect(await db().promiseChange.count({ where: { orderId } })).toBe(changes.length);
  });

  it('a restock called off for a later one moves the recheck with it: the earlier alarm rings, and nothing escalates', async () => {
    // FRAME-OAK-30X40: 38 at PAR1 only; the order wants 40 and waits for 2.
    const sku = 'FRAME-OAK-30X40';
    const now = await journey.env.currentTimeMs();
    const first = `ASN-SOON-${now}`;
    await db().inboundStock.create({
      data: { reference: first, warehouseCode: 'PAR1', skuCode: sku, quantity: 5, expectedAt: new Date(now + 2 * 86_400_000) },
    });
    const waiting = await journey.placeOrder({ lines: [{ sku, quantity: 40 }], backorderPolicy: 'backorder', backorderWaitHours: 24 * 40 });
    const orderId = orderIdOf(waiting);
    await untilOrderStage(journey, waiting, ['backordered']);
    await until(
      journey,
      `${orderId} holds the first restock`,
      () => db().promisedStock.count({ where: { orderId } }),
      (n) => n > 0,
      { stepMs: 1_000 },
    );
    // The supplier moves it out: the first is called off, a later one announced, and the order told (as the API does).
    await db().inboundStock.update({ where: { reference: first }, data: { cancelledAt: new Date(now) } });
    await db().inboundStock.create({
      data: { reference: `ASN-LATER-${now}`, warehouseCode: 'PAR1', skuCode: sku, quantity: 5, expectedAt: new Date(now + 9 * 86_400_000) },
    });
    await waiting.signal(restockedSignal, { warehouseCode: 'PAR1', skuCode: sku });
    await until(
      journey,
      `${orderId} looked at the later restock`,
      () => orderView(waiting),
      (v) => v.timeline.some((e) => e.label.startsWith('restock ')),
      { stepMs: 1_000 },
    );
    // Past the first restock's recheck (two and a half days), well before the later one's and the deadline.
    const view = await until(
      journey,
      `${orderId} past the first restock's date`,
      async () => ({ past: (await journey.env.currentTimeMs()) > now + 4 * 86_400_000, view: await orderView(waiting) }),
      (s) => s.past,
      { stepMs: 6 * 3_600_000 },
    );
    expect(view.view.escalations).toEqual([]);
    expect(view.view.timeline.map((e) => e.label)).not.toContain('restock overdue');
    expect(await db().escalation.count({ where: { orderId } })).toBe(0);
    await waiting.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'test over' }] });
    await waiting.result();
  });

  it('no restock known: the date stays (the deadline escalation handles it) and the timeline says it is at risk and why', async () => {
    const sku = 'BIKE-CITY-28';
    const winner = await takeTheLastUnits(sku, 2);
    const loser = await journey.placeOrder({ lines: [{ sku, quantity: 1 }], backorderPolicy: 'backorder' });
    const orderId = orderIdOf(loser);
    await untilOrderStage(journey, loser, ['backordered']);
    const intake = (await db().order.findUniqueOrThrow({ where: { id: orderId } })).originalPromisedBy?.toISOString();
    const view = await until(
      journey,
      `${orderId} says its date is at risk`,
      () => orderView(loser),
      (v) => v.timeline.some((e) => e.label === 'promise at risk'),
      { stepMs: 1_000 },
    );
    expect(view.promisedBy).toBe(intake);
    expect(view.timeline.find((e) => e.label === 'promise at risk')?.detail).toMatch(/no restock/);
    expect(await db().promiseChange.count({ where: { orderId } })).toBe(0);
    expect(await db().customerMail.count({ where: { orderId, milestone: 'promise_changed' } })).toBe(0);
    await loser.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'test over' }] });
    await loser.result();
    await winner.result();
  });

  it('ship_available: a part short-shipped keeps its date, a part cancelled for nothing in stock is not re-promised', async () => {
    const partial = await journey.placeOrder({ lines: [{ sku: 'POT-CASTIRON-6L', quantity: 5 }], backorderPolicy: 'ship_available' });
    expect((await partial.result()).stage).toBe('completed');
    const nothing = await journey.placeOrder({ lines: [{ sku: 'POT-CASTIRON-6L', quantity: 1 }], backorderPolicy: 'ship_available' });
    expect((await nothing.result()).stage).toBe('cancelled');
    for (const handle of [partial, nothing]) {
      const orderId = orderIdOf(handle);
      expect(await db().promiseChange.count({ where: { orderId } })).toBe(0);
      expect(await db().customerMail.count({ where: { orderId, milestone: 'promise_changed' } })).toBe(0);
    }
  });
});
