import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import { KeyedTurns } from '../../api/services/keyed-turns';
import type { OrderView } from '../../domain/journey';
import { HOUR_MS } from '../../domain/clock';
import { startJourney, type Journey } from '../support/journey';
import { ADDRESS_STORM_NAMESPACE } from '../support/namespaces';
import { untilShipmentStage } from '../workflows/steps';
import { KEYS, newKey, orderRequest } from './harness';

/**
 * Many address changes to one order at once, as a hostile or broken client sends them. Before: each asked the workflow
 * every 250 ms while it refused them as "already changing", and that storm of refused updates slowed the change being
 * made past the request's deadline: a 503 "no worker may be running" (found by probing `npm start` with 30 changes at
 * once), for a change the workflow then made.
 */
let journey: Journey;
let app: FastifyInstance;

beforeAll(async () => {
  // The dev server `npm start` runs (the storm never slowed the time-skipping test server enough to show).
  journey = await startJourney({ server: 'dev', namespace: ADDRESS_STORM_NAMESPACE, timeScale: 1_440 });
  app = await buildApp({
    db: journey.database.db,
    temporalClient: journey.env.client,
    config: loadApiConfig({}, { apiKeys: Object.values(KEYS), workflowCallTimeoutMs: 4_000, intakeStartWaitMs: 30_000, logLevel: 'warn' }),
  });
});
afterAll(async () => {
  await app?.close();
  await journey?.teardown();
});

describe('address changes posted all at once', () => {
  it('each answers 200 or 409 "already changing", never a 5xx; the order ships to one of them', async () => {
    const placed = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('storm') },
      payload: orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }),
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, workflowId } = placed.json();
    const shipmentId = `${orderId}-S1`;
    // Its shipment planned (waiting for its pick slot, as in the probe): the order's address can still change.
    await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot', 'picking', 'packing', 'label_created'], { stepMs: HOUR_MS });

    const lines = Array.from({ length: 50 }, (_, i) => `${i + 1} place Bellecour`);
    const answers = await Promise.all(
      lines.map((line1) =>
        app.inject({
          method: 'POST',
          url: `/orders/${orderId}/address`,
          headers: { 'x-api-key': KEYS.intake.key },
          payload: { shipTo: { name: 'Camille Durand', line1, city: 'Lyon', postalCode: '69002', countryCode: 'FR' } },
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(
      statuses.filter((s) => s !== 200 && s !== 409),
      answers.find((a) => a.statusCode >= 500)?.body,
    ).toEqual([]);
    expect(statuses).toContain(200);
    for (const refused of answers.filter((a) => a.statusCode === 409))
      expect(refused.json().error).toMatchObject({ code: 'order_state_conflict', message: expect.stringContaining('already changing') });

    // The order ships to one of the addresses sent; cancelled, it ends as any order does.
    const now = await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers: { 'x-api-key': KEYS.intake.key } });
    expect(lines).toContain(now.json().shipTo.line1);
    const cancel = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/cancel`,
      headers: { 'x-api-key': KEYS.intake.key },
      payload: { reason: 'storm over' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('cancelled');
  });
});

describe('KeyedTurns', () => {
  it('runs one turn at a time per key, in order; a turn that waits past its deadline is refused and keeps the next waiting', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    let releaseFirst = () => {};
    const first = turns.take(
      'k',
      Date.now() + 1_000,
      () => new Error('late'),
      async () => {
        log.push('first starts');
        await new Promise<void>((resolve) => {
          releaseFirst = resolve;
        });
        log.push('first ends');
      },
    );
    const tooLate = turns.take(
      'k',
      Date.now() + 20,
      () => new Error('late'),
      async () => log.push('never'),
    );
    const third = turns.take(
      'k',
      Date.now() + 1_000,
      () => new Error('late'),
      async () => log.push('third'),
    );
    const other = turns.take(
      'other',
      Date.now() + 1_000,
      () => new Error('late'),
      async () => log.push('other key'),
    );
    await expect(tooLate).rejects.toThrow('late');
    await other;
    expect(log).toEqual(['first starts', 'other key']);
    releaseFirst();
    await Promise.all([first, third]);
    expect(log).toEqual(['first starts', 'other key', 'first ends', 'third']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(turns.size).toBe(0);
  });
});
