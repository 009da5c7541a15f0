import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config';
import { deriveOrderId, requestHash, scopedIdempotencyKey } from '../../api/services/intake';
import { PlaceOrderBodySchema } from '../../domain/order-rules';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, orderRequest } from './harness';
import { createFixtureSku } from '../support/skus';

/**
 * The promise a shop gets from POST /orders: computed from where the stock is, the warehouses' pick
 * slots and the carriers' transit times; the caller's own date kept or refused (and recorded); the pick
 * capacity it counts on booked with the order, so capacity limits show as later promises.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const place = (body: Record<string, unknown>, key = newKey('promise')) =>
  h.as(KEYS.intake, { method: 'POST', url: '/orders', headers: { 'idempotency-key': key }, payload: body });

interface PromiseBody {
  deliverBy: string;
  shipBy: string;
  confidence: number;
  reason?: string;
  reasonCode?: string;
  basis: string;
  shipments: { warehouseCode: string; carrierCode: string; serviceCode: string; onTimeProbability: number; lines: unknown[] }[];
  requested?: { promisedBy: string; met: boolean; confidence: number; reason?: string; reasonCode?: string };
}

describe('the promise in the intake answer', () => {
  it('answers 202 with a dated promise, its confidence and how it ships', async () => {
    const before = Date.now();
    const response = await place(orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }));
    expect(response.statusCode, response.body).toBe(202);
    const promise = response.json().promise as PromiseBody;
    expect(Date.parse(promise.shipBy)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(promise.deliverBy)).toBeGreaterThan(Date.parse(promise.shipBy));
    expect(promise.confidence).toBeGreaterThanOrEqual(0.95);
    expect(promise.confidence).toBeLessThanOrEqual(1);
    expect(promise.basis).toBe('in_stock');
    expect(promise.shipments).toHaveLength(1);
    // A mug to Lyon ships from a French warehouse, not from Hamburg or Madrid.
    expect(['PAR1', 'LYS1']).toContain(promise.shipments[0]?.warehouseCode);
    expect(promise.shipments[0]?.serviceCode).toMatch(/standard/);
  });

  it('an express order is promised no later than the same order at standard', async () => {
    const lines = [{ sku: 'BOOK-PB-POCKET', quantity: 1 }];
    const express = (await place(orderRequest({ lines, serviceLevel: 'express' }))).json().promise as PromiseBody;
    const standard = (await place(orderRequest({ lines, serviceLevel: 'standard' }))).json().promise as PromiseBody;
    expect(Date.parse(express.deliverBy)).toBeLessThanOrEqual(Date.parse(standard.deliverBy));
    expect(express.shipments[0]?.serviceCode).toMatch(/express/);
  });

  it('refuses a level no carrier offers to the country, naming serviceLevel and which levels do; nothing is stored', async () => {
    // Only standard and express services go to the US: an economy order was accepted with a far date of confidence 0
    // ("no stock and no restock expected" when the caller gave a date) and then booked on another level (probe5).
    const toBoston = { name: 'Ada Park', line1: '1 Beacon St', city: 'Boston', region: 'MA', postalCode: '02108', countryCode: 'US' };
    const before = await h.db.order.count();
    const key = newKey('promise');
    const refused = expectErrorShape(
      await place(orderRequest({ shipTo: toBoston, serviceLevel: 'economy' }), key),
      400,
      'validation_failed',
    );
    expect(refused.details).toEqual([{ path: 'body.serviceLevel', message: 'no economy service delivers to US: standard, express do' }]);
    expect(await h.db.order.count()).toBe(before);
    // The same order at a level that goes there is taken, under the same key (the refusal stored nothing).
    expect((await place(orderRequest({ shipTo: toBoston, serviceLevel: 'standard' }), key)).statusCode).toBe(202);
  });

  it('dates the promise by the end of a day where the customer is: Los Angeles, not New York', async () => {
    // The country's first time zone was every state's: a customer in Los Angeles was promised by 20:59 her time.
    const toLosAngeles = {
      name: 'Ada Park',
      line1: '200 N Spring St',
      city: 'Los Angeles',
      region: 'CA',
      postalCode: '90012',
      countryCode: 'US',
    };
    const response = await place(orderRequest({ shipTo: toLosAngeles, serviceLevel: 'standard' }));
    expect(response.statusCode, response.body).toBe(202);
    const { deliverBy } = response.json().promise as PromiseBody;
    const clock = (zone: string) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
        new Date(deliverBy),
      );
    expect([clock('America/Los_Angeles'), clock('America/New_York')]).toEqual(['18:00', '21:00']);
  });

  it('still answers a repeat of an order accepted at that level before the refusal existed, as it was answered', async () => {
    // An upgrade window: the shop's retry of an economy order to the US accepted by the previous version.
    const toBoston = { name: 'Ada Park', line1: '1 Beacon St', city: 'Boston', region: 'MA', postalCode: '02108', countryCode: 'US' };
    const accepted = await place(orderRequest({ shipTo: toBoston, serviceLevel: 'standard' }));
    expect(accepted.statusCode, accepted.body).toBe(202);
    const row = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: accepted.json().orderId } });
    const economy = orderRequest({ shipTo: toBoston, serviceLevel: 'economy' });
    const key = newKey('promise');
    const orderId = deriveOrderId(KEYS.intake.name, key);
    const input = row.input as { request: Record<string, unknown> };
    await h.db.orderIntake.create({
      data: {
        orderId,
        workflowId: `order-${orderId}`,
        idempotencyKey: scopedIdempotencyKey(KEYS.intake.name, key),
        requestHash: requestHash(PlaceOrderBodySchema.parse(economy)),
        submittedBy: KEYS.intake.name,
        input: { ...input, orderId, request: { ...input.request, serviceLevel: 'economy' } },
        receivedAt: row.receivedAt,
      },
    });
    const repeat = await place(economy, key);
    expect([repeat.statusCode, repeat.json().outcome, repeat.json().orderId], repeat.body).toEqual([200, 'existing', orderId]);
  });

  it('refuses a caller’s date the network cannot meet, says why, and the order keeps the refusal', async () => {
    const promisedBy = new Date(Date.now() + 2 * 3600_000).toISOString();
    const response = await place(orderRequest({ promisedBy, serviceLevel: 'economy' }));
    expect(response.statusCode, response.body).toBe(202);
    const promise = response.json().promise as PromiseBody;
    expect(promise.requested).toMatchObject({ promisedBy, met: false });
    expect(promise.requested?.reason).toMatch(/confidence|passed/);
    // The same cause as a code a shop's program can act on, without reading the English.
    expect(promise.requested?.reasonCode).toMatch(/^(not_by_requested_date|requested_date_passed)$/);
    expect(Date.parse(promise.deliverBy)).toBeGreaterThan(Date.parse(promisedBy));
    const view = (await h.as(KEYS.ops, { method: 'GET', url: `/orders/${response.json().orderId}` })).json();
    expect(view.promisedBy).toBe(promise.deliverBy);
    expect(view.promise.requested).toMatchObject({ met: false });
  });

  it('keeps a caller’s date the network can meet as the promise', async () => {
    const promisedBy = new Date(Date.now() + 20 * 86_400_000).toISOString();
    const promise = (await place(orderRequest({ promisedBy }))).json().promise as PromiseBody;
    expect(promise.deliverBy).toBe(promisedBy);
    expect(promise.requested).toMatchObject({ met: true });
  });

  it('when ShipEngine books only some carriers, the promise rests on the services that sell, not on the simulated ones', async () => {
    const config = loadApiConfig({
      COLIS_SHIPENGINE_API_KEY: 'TEST_sellers-key-0123456789',
      COLIS_SHIPENGINE_CARRIERS: 'se-28529731=ecoroute',
      COLIS_SHIPENGINE_WAREHOUSES: 'PAR1=se-28529731,LYS1=se-28529731,HAM1=se-28529731,MAD1=se-28529731',
    });
    expect(config.sellingCarriers).toEqual(['ecoroute']);
    expect(loadApiConfig({}).sellingCarriers).toBeUndefined();
    const ecorouteOnly = await h.rebuild({ sellingCarriers: ['ecoroute'] });
    const body = orderRequest({ lines: [{ sku: 'BOOK-PB-POCKET', quantity: 1 }] });
    const everyCarrier = (await place(body)).json().promise as PromiseBody;
    const sold = await ecorouteOnly.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('promise-sellers') },
      payload: body,
    });
    expect(sold.statusCode, sold.body).toBe(202);
    const promise = sold.json().promise as PromiseBody;
    expect(promise.shipments.map((s) => s.carrierCode)).toEqual(['ecoroute']);
    expect(promise.shipments[0]?.serviceCode).toBe('er_standard');
    expect(everyCarrier.shipments[0]?.carrierCode).not.toBe('ecoroute');
    // EcoRoute's standard service takes four working days where the others take two or three.
    expect(Date.parse(promise.deliverBy)).toBeGreaterThan(Date.parse(everyCarrier.deliverBy));
  });

  it('a retry of an accepted order answers it after the caller’s date has passed; a new order with that date is refused', async () => {
    // The shop's retry of an order whose answer it lost was refused "promisedBy is in the past" (400) while the order ran:
    // the shop took it as not placed.
    const key = newKey('promise-late-retry');
    const body = orderRequest({ promisedBy: new Date(Date.now() + 1_500).toISOString() });
    const first = await place(body, key);
    expect(first.statusCode, first.body).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const again = await place(body, key);
    expect([again.statusCode, again.json().outcome, again.json().orderId], again.body).toEqual([200, 'existing', first.json().orderId]);
    expect(again.json().promise).toEqual(first.json().promise);
    // Another body under that key, or the same body under a new key, is judged on its date as before.
    const other = { ...body, lines: [{ sku: 'MUG-CER-350', quantity: 2 }] };
    for (const [refusedBody, refusedKey] of [
      [other, key],
      [body, newKey('promise-late-new')],
    ] as const) {
      const refused = expectErrorShape(await place(refusedBody, refusedKey), 400, 'validation_failed');
      expect(refused.details).toEqual([{ path: 'body.promisedBy', message: 'is in the past; a promise is a future date' }]);
    }
  });

  it('a repeat of the request answers the same promise, computed once', async () => {
    const key = newKey('promise-repeat');
    const first = await place(orderRequest(), key);
    const again = await place(orderRequest(), key);
    expect(again.statusCode).toBe(200);
    expect(again.json().promise).toEqual(first.json().promise);
  });

  it('dates a backorder from the restock on its way, and says it is a backorder', async () => {
    // Seeded: no SPEAKER-BT-MINI anywhere, 40 expected at HAM1 three days after the seed.
    const inbound = await h.db.inboundStock.findFirstOrThrow({ where: { skuCode: 'SPEAKER-BT-MINI' } });
    const promise = (await place(orderRequest({ lines: [{ sku: 'SPEAKER-BT-MINI', quantity: 2 }] }))).json().promise as PromiseBody;
    expect(promise.basis).toBe('backorder');
    expect(promise.shipments[0]?.warehouseCode).toBe('HAM1');
    expect(Date.parse(promise.shipBy)).toBeGreaterThan(inbound.expectedAt.getTime());
    expect(Date.parse(promise.deliverBy)).toBeGreaterThan(Date.parse(promise.shipBy));
  });

  it('counts an overdue restock as late again as it is, and one two weeks overdue not at all, saying so', async () => {
    const DAY = 86_400_000;
    const promiseFor = async (sku: string, daysLate: number) => {
      await createFixtureSku(h.db, sku);
      await h.db.inboundStock.create({
        data: {
          reference: `ASN-${sku}`,
          warehouseCode: 'HAM1',
          skuCode: sku,
          quantity: 10,
          expectedAt: new Date(Date.now() - daysLate * DAY),
        },
      });
      h.app.promises.invalidateFacts();
      return (await place(orderRequest({ lines: [{ sku, quantity: 1 }] }))).json().promise as PromiseBody;
    };
    // Three days late: not on the shelf now (as it was counted before), three days from now at the soonest.
    const late = await promiseFor(`LATE-ASN-${Date.now()}`, 3);
    expect(late.basis).toBe('backorder');
    expect(Date.parse(late.shipBy)).toBeGreaterThan(Date.now() + 3 * DAY - 60_000);
    // Hours late: a day from now at the soonest.
    const hours = await promiseFor(`HOURS-ASN-${Date.now()}`, 0.25);
    expect(Date.parse(hours.shipBy)).toBeGreaterThan(Date.now() + DAY - 60_000);
    // Three weeks late: it dates nothing, and the answer says why (not "no restock expected": one is, on paper).
    const stale = await promiseFor(`STALE-ASN-${Date.now()}`, 21);
    expect(stale).toMatchObject({
      basis: 'restock_unknown',
      confidence: 0,
      reason: 'no stock, and its restock is more than two weeks overdue',
      reasonCode: 'restock_overdue',
    });
  });

  it('an item nobody holds or expects is promised with confidence 0 and says why, not a made-up certainty', async () => {
    // The reason was given only to a caller who asked for a date (requested.reason); the others read a bare 0.
    const response = await place(orderRequest({ lines: [{ sku: 'HEADPHONES-BT-ANC', quantity: 1 }] }));
    const promise = response.json().promise as PromiseBody;
    expect(promise).toMatchObject({
      basis: 'restock_unknown',
      confidence: 0,
      shipments: [],
      reason: 'no stock and no restock expected',
      reasonCode: 'no_restock',
    });
    const view = (await h.as(KEYS.ops, { method: 'GET', url: `/orders/${response.json().orderId}` })).json();
    expect(view.promise).toMatchObject({ confidence: 0, reason: 'no stock and no restock expected', reasonCode: 'no_restock' });
    // A dated promise carries no reason.
    const dated = (await place(orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }))).json().promise as PromiseBody;
    expect(dated.confidence).toBeGreaterThan(0);
    expect(dated).not.toHaveProperty('reason');
  });

  it('counts the pick day a promise relies on, so a full day makes the next orders’ promises later, not broken', async () => {
    // CUTTING-BOARD-OAK is only at LYS1: give LYS1 room for one more shipment on its next pick day.
    const lines = [{ sku: 'CUTTING-BOARD-OAK', quantity: 1 }];
    const first = (await place(orderRequest({ lines }))).json().promise as PromiseBody;
    await h.app.promises.flushPromisedCapacity();
    const row = await h.db.warehouseCapacityDay.findMany({ where: { warehouseCode: 'LYS1' } });
    const promised = row.reduce((sum, r) => sum + r.promised, 0);
    expect(promised).toBeGreaterThanOrEqual(1);
    await h.db.warehouse.update({ where: { code: 'LYS1' }, data: { dailyCapacityShipments: Math.max(1, promised) } });
    h.app.promises.invalidateFacts();
    const second = (await place(orderRequest({ lines }))).json().promise as PromiseBody;
    expect(Date.parse(second.shipBy)).toBeGreaterThan(Date.parse(first.shipBy));
    expect(Date.parse(second.deliverBy)).toBeGreaterThan(Date.parse(first.deliverBy));
    expect(second.confidence).toBeGreaterThanOrEqual(0.95);
    await h.db.warehouse.update({ where: { code: 'LYS1' }, data: { dailyCapacityShipments: 250 } });
    h.app.promises.invalidateFacts();
  });

  it('promises the last unit once: a second order placed before the first reserves is not promised it, from this API or another', async () => {
    // A SKU only this test knows, one unit at PAR1 and none expected: before holds, every order placed before the first
    // reserved (no worker runs here: none ever does) was promised from that unit.
    const sku = `HOLD-${newKey('sku').slice(-8).toUpperCase()}`;
    await createFixtureSku(h.db, sku, 'Last unit');
    await h.db.inventoryLevel.create({ data: { warehouseCode: 'PAR1', skuCode: sku, onHand: 1, reserved: 0 } });
    const lines = [{ sku, quantity: 1 }];
    const firstKey = newKey('last-unit');
    const first = await place(orderRequest({ lines }), firstKey);
    expect((first.json().promise as PromiseBody).basis).toBe('in_stock');
    const held = await h.db.promisedStock.findMany({ where: { skuCode: sku } });
    expect(held).toMatchObject([{ orderId: first.json().orderId, warehouseCode: 'PAR1', quantity: 1 }]);
    // Ops see why the next orders are not promised from it.
    const levels = await h.as(KEYS.ops, { method: 'GET', url: `/inventory?skuCode=${sku}` });
    expect(levels.json().items).toEqual([{ warehouseCode: 'PAR1', skuCode: sku, onHand: 1, reserved: 0, available: 1, promised: 1 }]);

    // Within the second the first order's stock read is reused: the hold in this process counts.
    const second = (await place(orderRequest({ lines }))).json().promise as PromiseBody;
    expect(second).toMatchObject({
      basis: 'restock_unknown',
      confidence: 0,
      shipments: [],
      reason: 'what is in stock or expected is promised to earlier orders',
    });
    // Another API process reads the hold from the database.
    const other = await h.rebuild({});
    const third = await other.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('last-unit-other') },
      payload: orderRequest({ lines }),
    });
    expect((third.json().promise as PromiseBody).basis).toBe('restock_unknown');

    // A repeat of the first order holds nothing more: with a second unit on the shelf the next order gets it.
    expect((await place(orderRequest({ lines }), firstKey)).statusCode).toBe(200);
    await h.db.inventoryLevel.update({ where: { warehouseCode_skuCode: { warehouseCode: 'PAR1', skuCode: sku } }, data: { onHand: 2 } });
    h.app.promises.invalidateFacts();
    const fourth = await place(orderRequest({ lines }));
    expect((fourth.json().promise as PromiseBody).basis).toBe('in_stock');
    expect((await place(orderRequest({ lines }))).json().promise).toMatchObject({ basis: 'restock_unknown' });
    expect(await h.db.promisedStock.count({ where: { skuCode: sku } })).toBe(2);
  });

  it('promises the last units once to orders placed at the same instant, however many wait on the same stock read', async () => {
    // A dozen requests at once wait on one stock read (a burst reuses it); each promise computed after it counts the
    // holds of those computed before it. Before, every one of them was promised the two units.
    const sku = `BURST-${newKey('sku').slice(-8).toUpperCase()}`;
    await createFixtureSku(h.db, sku, 'Two units');
    await h.db.inventoryLevel.create({ data: { warehouseCode: 'LYS1', skuCode: sku, onHand: 2, reserved: 0 } });
    h.app.promises.invalidateFacts();
    const lines = [{ sku, quantity: 1 }];
    const answers = await Promise.all(Array.from({ length: 12 }, () => place(orderRequest({ lines }))));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(202));
    const bases = answers.map((a) => (a.json().promise as PromiseBody).basis);
    expect(bases.filter((b) => b === 'in_stock')).toHaveLength(2);
    expect(bases.filter((b) => b === 'restock_unknown')).toHaveLength(10);
    const held = await h.db.promisedStock.aggregate({ where: { skuCode: sku }, _sum: { quantity: true } });
    expect(held._sum.quantity).toBe(2);
  });

  it('under the baseline rules promises the fixed three days of a standard order, as Colis did before', async () => {
    const baseline = await h.rebuild({ decisions: { rules: 'baseline', promiseConfidence: 0.95, onTimeTarget: 0.95 } });
    const response = await baseline.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('baseline') },
      payload: orderRequest(),
    });
    const promise = response.json().promise as PromiseBody & { computedAt: string };
    expect(promise.basis).toBe('fixed_days');
    expect(Date.parse(promise.deliverBy) - Date.parse(promise.computedAt)).toBe(3 * 86_400_000);
  });
});
