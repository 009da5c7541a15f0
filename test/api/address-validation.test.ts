import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Journey, startJourney } from '../support/journey';
import { KEYS, newKey, orderRequest, journeyApi } from './harness';

/**
 * Address validation through the carrier port (the simulated carriers' rules), before stock is
 * reserved and on an address change: undeliverable is a 400 naming the field and changes nothing;
 * a correction is accepted, the order ships to the corrected address, and the view shows it.
 */
let journey: Journey;
let app: FastifyInstance;

beforeAll(async () => {
  journey = await startJourney();
  app = await journeyApi(journey, { workflowCallTimeoutMs: 10_000, intakeStartWaitMs: 30_000 });
});
afterAll(async () => {
  await app?.close();
  await journey?.teardown();
});

const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method, url, headers: { 'x-api-key': KEYS.ops.key, ...headers }, ...(payload ? { payload } : {}) });

const shipTo = { name: 'Camille Durand', line1: '12 rue des Lilas', city: 'Lyon', postalCode: '69003', countryCode: 'FR' };

describe('address validation at intake', () => {
  it('an undeliverable address is a 400 naming the field, and no order is accepted', async () => {
    const before = await journey.database.db.orderIntake.count();
    const refused = await call('POST', '/orders', orderRequest({ shipTo: { ...shipTo, line1: 'BP 4521' } }), {
      'idempotency-key': newKey('po'),
    });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: 'body.shipTo.line1' }] });
    expect(refused.json().error.message).toMatch(/post-office box/);
    const elsewhere = await call('POST', '/orders', orderRequest({ shipTo: { ...shipTo, postalCode: '99100' } }), {
      'idempotency-key': newKey('dept'),
    });
    expect(elsewhere.json().error.details).toEqual([expect.objectContaining({ path: 'body.shipTo.postalCode' })]);
    expect(await journey.database.db.orderIntake.count()).toBe(before);
  });

  it('a corrected address is accepted, ships corrected, is recorded once and shown in the order view', async () => {
    const key = newKey('corrected');
    const body = orderRequest({ shipTo: { ...shipTo, city: 'LYON 3E' } });
    const placed = await call('POST', '/orders', body, { 'idempotency-key': key });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId } = placed.json();
    expect(placed.json().addressCorrection).toEqual({ fields: ['city'], shipTo: { ...shipTo, city: 'Lyon' } });

    const intake = await journey.database.db.orderIntake.findUniqueOrThrow({ where: { orderId } });
    expect((intake.input as { request: { shipTo: { city: string } } }).request.shipTo.city).toBe('Lyon');

    // The same request again is the same order: recognised by what the client sent, not by the correction.
    const again = await call('POST', '/orders', body, { 'idempotency-key': key });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ orderId, outcome: 'existing' });

    const view = (await call('GET', `/orders/${orderId}`)).json();
    expect(view.addressCorrections).toEqual([
      expect.objectContaining({
        occasion: 'intake',
        validator: 'simulator',
        fields: ['city'],
        original: expect.objectContaining({ city: 'LYON 3E' }),
      }),
    ]);
    expect(view.addressCorrections[0].corrected.city).toBe('Lyon');
  });
});

describe('address validation on an address change', () => {
  it('of a cancelled order: 409 saying the order is cancelled, not that its journey "completed"', async () => {
    const placed = await call('POST', '/orders', orderRequest({ lines: [{ sku: 'POT-CASTIRON-6L', quantity: 2 }] }), {
      'idempotency-key': newKey('cancelled'),
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, workflowId } = placed.json();
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, { reason: 'customer asked' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await journey.env.client.workflow.getHandle(workflowId).result();
    const address = await call('POST', `/orders/${orderId}/address`, { shipTo: { ...shipTo, line1: '1 rue Neuve' } });
    expect(address.statusCode, address.body).toBe(409);
    expect(address.json().error.message).toBe(`address change was refused: order ${orderId} is cancelled; its journey has ended`);
  });

  it('an undeliverable new address is a 400 naming the field; a corrected one is applied and recorded', async () => {
    // A backordered line keeps the order waiting for a restock, so its address can still change.
    const placed = await call('POST', '/orders', orderRequest({ lines: [{ sku: 'POT-CASTIRON-6L', quantity: 2 }] }), {
      'idempotency-key': newKey('change'),
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId } = placed.json();

    const refused = await call('POST', `/orders/${orderId}/address`, { shipTo: { ...shipTo, line2: 'Postfach 77' } });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().error.details).toEqual([expect.objectContaining({ path: 'body.shipTo.line2' })]);

    const changed = await call(
      'POST',
      `/orders/${orderId}/address`,
      { shipTo: { ...shipTo, city: 'lyon', postalCode: '69001' } },
      {
        'idempotency-key': newKey('change-key'),
      },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().addressCorrections).toEqual([
      expect.objectContaining({
        occasion: 'address_change',
        fields: ['city'],
        corrected: expect.objectContaining({ city: 'Lyon', postalCode: '69001' }),
      }),
    ]);
    const corrections = await journey.database.db.addressCorrection.count({ where: { orderId } });
    expect(corrections).toBe(1);
    await call('POST', `/orders/${orderId}/cancel`, { reason: 'test over' });
  });
});
