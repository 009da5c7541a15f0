import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingToken } from '../../api/routes/pages/tracking-token';
import type { ConfiguredApiKey } from '../../config';
import { DAY_MS } from '../../domain/clock';
import { everythingStoredFor, insertOrderWithPersonalData, PERSONAL, personalDataIn, returnIdOf } from '../support/personal-data';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, orderRequest, TRACKING_SECRET } from './harness';

/**
 * A customer's right to erasure: their shop (or ops for it) erases every order of theirs at once, refused while one is
 * still under way, recorded without personal data; and what ops, shops and the customer see of an erased order does not
 * break: views, timeline, reports and figures answer as before, the tracking link opens nothing, no return starts.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

let n = 0;
const customer = (label: string) => `CUST-ERASE-${label}-${++n}`;
const erase = (key: ConfiguredApiKey, shopId: string, customerId: string, idempotencyKey?: string) =>
  h.as(key, {
    method: 'POST',
    url: `/shops/${shopId}/customers/${customerId}/erase`,
    ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
  });

describe('POST /shops/{id}/customers/{customerId}/erase', () => {
  it('refuses with 409 naming the customer while an order is under way, and erases on the same key once it is over', async () => {
    const customerId = customer('UNDERWAY');
    const orderId = `ERA-UNDERWAY-${n}`;
    await insertOrderWithPersonalData(h.db, { orderId, shopId: 'shop-a', customerId, overDaysAgo: 2, status: 'fulfilling' });
    const key = newKey('erase');

    const refused = await erase(KEYS.intake, 'shop-a', customerId, key);
    expectErrorShape(refused, 409, 'orders_under_way');
    expect(refused.json().error.details).toEqual([{ path: 'params.customerId', message: 'has 1 order(s) still under way' }]);
    expect(refused.json().error.message).toContain(`${orderId} (fulfilling)`);
    expect(personalDataIn(await everythingStoredFor(h.db, orderId, customerId))).toContain(PERSONAL.name);

    await h.db.order.update({ where: { id: orderId }, data: { status: 'completed', completedAt: new Date() } });
    const erased = await erase(KEYS.intake, 'shop-a', customerId, key);
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toMatchObject({ shopId: 'shop-a', customerId, ordersErased: 1, ordersAlreadyErased: 0, erasedBy: 'shop-a' });
    expect(personalDataIn(await everythingStoredFor(h.db, orderId, customerId))).toEqual([]);
  });

  it("erases the shop's own customer only: another shop's customer with the same id keeps everything", async () => {
    const customerId = customer('SHARED');
    const mine = `ERA-MINE-${n}`;
    const theirs = `ERA-THEIRS-${n}`;
    await insertOrderWithPersonalData(h.db, { orderId: theirs, shopId: 'shop-b', customerId, overDaysAgo: 3 });
    await insertOrderWithPersonalData(h.db, { orderId: mine, shopId: 'shop-a', customerId, overDaysAgo: 3 });

    expect((await erase(KEYS.ops, 'shop-a', customerId)).json()).toMatchObject({ ordersErased: 1, erasedBy: 'ops-desk' });

    const stored = await everythingStoredFor(h.db, theirs, customerId);
    expect(personalDataIn(stored)).toEqual(expect.arrayContaining([PERSONAL.name, PERSONAL.street, PERSONAL.comment]));
    expect((await h.db.order.findUniqueOrThrow({ where: { id: theirs } })).personalDataErasedAt).toBeNull();
    expect((await h.db.order.findUniqueOrThrow({ where: { id: mine } })).personalDataErasedAt).not.toBeNull();
  });

  it('records who erased what and when, with counts and nothing personal, and replays that record for the same key', async () => {
    const customerId = customer('RECORD');
    await insertOrderWithPersonalData(h.db, { orderId: `ERA-RECORD-${n}`, shopId: 'shop-a', customerId, overDaysAgo: 5 });
    const key = newKey('erase');

    const first = await erase(KEYS.ops, 'shop-a', customerId, key);
    const again = await erase(KEYS.ops, 'shop-a', customerId, key);

    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const action = await h.db.opsAction.findFirstOrThrow({ where: { actor: 'ops-desk', idempotencyKey: key } });
    expect(action).toMatchObject({ action: 'erase_customer', targetId: `shop-a:${customerId}`, status: 200, responseDroppedAt: null });
    expect(action.response).toMatchObject({ ordersErased: 1, addresses: 2, mailsGivenUp: 1, labelFiles: 2 });
    expect(personalDataIn(JSON.stringify(action))).toEqual([]);
    // Asked again without a key: the orders are erased already, nothing more to do.
    expect((await erase(KEYS.ops, 'shop-a', customerId)).json()).toMatchObject({ ordersErased: 0, ordersAlreadyErased: 1 });
  });

  it('refuses what a client can get wrong with a 4xx naming it', async () => {
    const invalid = expectErrorShape(await erase(KEYS.ops, 'shop-a', 'not-an-id!'), 400, 'validation_failed');
    expect(invalid.details?.[0]?.path).toBe('params.customerId');
    expectErrorShape(await erase(KEYS.ops, 'shop-a', customer('NOBODY')), 404, 'not_found');
    const customerId = customer('OTHER-SHOP');
    await insertOrderWithPersonalData(h.db, { orderId: `ERA-OTHER-${n}`, shopId: 'shop-b', customerId, overDaysAgo: 5 });
    // Shop A cannot erase shop B's customer, nor learn whether it exists.
    expectErrorShape(await erase(KEYS.intake, 'shop-b', customerId), 404, 'not_found');
    expectErrorShape(await erase(KEYS.swiftpost, 'shop-b', customerId), 403, 'forbidden');
  });
});

describe('an erased order', () => {
  let orderId: string;
  let customerId: string;
  const ops = (url: string) => h.as(KEYS.ops, { method: 'GET', url });
  const window = () => `from=${new Date(Date.now() - 30 * DAY_MS).toISOString()}`;
  let reportBefore: unknown;
  let processBefore: unknown;

  beforeAll(async () => {
    customerId = customer('VIEWS');
    orderId = `ERA-VIEWS-${n}`;
    await insertOrderWithPersonalData(h.db, { orderId, shopId: 'shop-a', customerId, overDaysAgo: 4 });
    reportBefore = (await ops(`/reports/fulfilment?${window()}`)).json();
    processBefore = (await ops(`/process?${window()}`)).json();
    expect((await erase(KEYS.intake, 'shop-a', customerId)).statusCode).toBe(200);
  });

  it('reads without personal data and without a 5xx: its view, timeline, return and the lists', async () => {
    const view = await ops(`/orders/${orderId}`);
    expect(view.statusCode).toBe(200);
    expect(view.json().shipTo).toEqual({
      name: '[erased]',
      line1: '[erased]',
      city: '[erased]',
      postalCode: '971',
      region: 'BL',
      countryCode: 'FR',
    });
    expect(view.json().personalDataErasedAt).toBeDefined();
    for (const url of [`/orders/${orderId}`, `/orders/${orderId}/timeline`, `/returns/${returnIdOf(orderId)}`]) {
      const answer = await ops(url);
      expect({ url, status: answer.statusCode }).toEqual({ url, status: 200 });
      expect(personalDataIn(answer.body)).toEqual([]);
    }
    // The lists hold other customers' orders too: this order's items in them.
    for (const url of [`/escalations?orderId=${orderId}`, `/claims?orderId=${orderId}`, '/returns', '/orders?limit=200']) {
      const answer = await ops(url);
      expect({ url, status: answer.statusCode }).toEqual({ url, status: 200 });
      const items = (answer.json() as { items: { orderId?: string }[] }).items.filter((item) => item.orderId === orderId);
      expect({ url, found: items.length > 0, personal: personalDataIn(JSON.stringify(items)) }).toEqual({ url, found: true, personal: [] });
    }
    expect((await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}` })).statusCode).toBe(200);
    const shipment = await ops(`/shipments/${orderId}-S1`);
    expect(shipment.statusCode).toBe(200);
    expect(personalDataIn(shipment.body)).toEqual([]);
    expect((await ops(`/orders/${orderId}/returns`)).statusCode).toBe(200);
    // The label files printed the address: gone, as for a label never kept.
    expect((await ops(`/shipments/${orderId}-S1/label`)).statusCode).toBe(404);
    expect((await ops(`/returns/${returnIdOf(orderId)}/label`)).statusCode).toBe(404);
    // Changes to it are refused as for any order whose journey has ended, never with a 5xx.
    for (const [url, payload] of [
      [`/orders/${orderId}/cancel`, { reason: 'asked by the customer' }],
      [
        `/orders/${orderId}/address`,
        { shipTo: { name: 'Someone', line1: '1 rue X', city: 'Lyon', postalCode: '69001', countryCode: 'FR' } },
      ],
    ] as const) {
      const answer = await h.as(KEYS.ops, { method: 'POST', url, payload, headers: { 'idempotency-key': newKey('change') } });
      expect({ url, status: answer.statusCode }).toEqual({ url, status: 409 });
    }
  });

  it('leaves the reports and the process figures as they were', async () => {
    const report = (await ops(`/reports/fulfilment?${window()}`)).json();
    const process = (await ops(`/process?${window()}`)).json();
    const withoutClock = (value: unknown) =>
      JSON.parse(JSON.stringify(value), (key, v) => (key === 'window' || key === 'generatedAt' ? undefined : v));
    // The erased order is in the window: delivered, costed, on its lane (the destination's country).
    expect(report).toMatchObject({ delivery: { shipmentsDelivered: expect.any(Number) } });
    expect((report as { delivery: { shipmentsDelivered: number } }).delivery.shipmentsDelivered).toBeGreaterThan(0);
    expect(JSON.stringify(report)).toContain('FR→FR');
    expect(withoutClock(report)).toEqual(withoutClock(reportBefore));
    expect(withoutClock(process)).toEqual(withoutClock(processBefore));
  });

  it('no longer opens its tracking page, return form or return label, and starts no return', async () => {
    const token = trackingToken(orderId, TRACKING_SECRET);
    const page = await h.app.inject({ method: 'GET', url: `/track/${orderId}?t=${token}` });
    expect(page.statusCode).toBe(404);
    expect(personalDataIn(page.body)).toEqual([]);
    const label = await h.app.inject({ method: 'GET', url: `/track/${orderId}/returns/${returnIdOf(orderId)}/label?t=${token}` });
    expect(label.statusCode).toBe(404);
    const returned = await h.as(KEYS.intake, {
      method: 'POST',
      url: `/orders/${orderId}/returns`,
      headers: { 'idempotency-key': newKey('ret') },
      payload: { reason: 'damaged', lines: [{ sku: 'MUG-CER-350', quantity: 1 }] },
    });
    expect(expectErrorShape(returned, 409, 'order_state_conflict').details).toEqual([
      { path: 'params.id', message: 'its personal data was erased' },
    ]);
  });
});

describe('an order placed through the API, then erased', () => {
  it('still answers a repeat of its Idempotency-Key with the same order, never a second one', async () => {
    const key = newKey('placed');
    const body = orderRequest({ customer: { id: customer('PLACED'), name: 'Léa Martin' } });
    const placed = await h.as(KEYS.intake, { method: 'POST', url: '/orders', headers: { 'idempotency-key': key }, payload: body });
    expect(placed.statusCode).toBe(202);
    const { orderId, workflowId } = placed.json();
    await h.client.workflow.getHandle(workflowId).terminate('the test writes the journey itself');
    const customerId = (body.customer as { id: string }).id;
    await insertOrderWithPersonalData(h.db, { orderId, shopId: 'shop-a', customerId, overDaysAgo: 1, placed: true });
    expect((await erase(KEYS.intake, 'shop-a', customerId)).json()).toMatchObject({ ordersErased: 1 });

    const repeat = await h.as(KEYS.intake, { method: 'POST', url: '/orders', headers: { 'idempotency-key': key }, payload: body });

    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toMatchObject({ orderId, outcome: 'existing' });
    expect(await h.db.orderIntake.count({ where: { orderId } })).toBe(1);
    const intake = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId } });
    expect(JSON.stringify(intake.input)).not.toContain('Léa Martin');
  });
});
