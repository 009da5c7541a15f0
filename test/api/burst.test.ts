import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderView } from '../../domain/journey';
import { type Journey, startJourney } from '../support/journey';
import { KEYS, newKey, orderRequest, journeyApi } from './harness';

/**
 * A burst through the API onto real workers (time-skipping server): the adaptive start limit lets orders
 * in as fast as they leave reservation, and every one completes. Its own file, because intake promises
 * in real time and any test awaiting a result before it would have skipped the server's clock past them.
 */
let journey: Journey;
let app: FastifyInstance;

beforeAll(async () => {
  journey = await startJourney();
  app = await journeyApi(journey, { workflowCallTimeoutMs: 10_000 });
});
afterAll(async () => {
  await app?.close();
  await journey?.teardown();
});

const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method, url, headers: { 'x-api-key': KEYS.ops.key, ...headers }, ...(payload ? { payload } : {}) });

describe('a burst of orders', () => {
  it('a burst is started no faster than the adaptive limit lets orders in, and every order of it completes', {
    timeout: 300_000,
  }, async () => {
    expect(app.orderStarter.activeLimit).toBeDefined();
    const placed = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call('POST', '/orders', orderRequest({ lines: [{ sku: 'BOOK-PB-POCKET', quantity: 1 + (i % 2) }] }), {
          'idempotency-key': newKey('burst'),
        }),
      ),
    );
    expect(placed.map((r) => r.statusCode)).toEqual(placed.map(() => 202));
    let overLimit = 0;
    const sampling = setInterval(() => {
      const now = app.orderStarter.activeLimit;
      if (now && now.inFlight > now.limit + 16) overLimit += 1;
    }, 20);
    // Business time on this server only moves while a result is awaited: let every order start first, in
    // real time, as the limiter admits them (awaiting results earlier would skip days past later promises).
    const orderIds = placed.map((r) => r.json().orderId as string);
    while ((await journey.database.db.orderIntake.count({ where: { orderId: { in: orderIds }, startedAt: null } })) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    clearInterval(sampling);
    // One result at a time: the time-skipping server skips only under a single waiting result call.
    const outcomes: OrderView[] = [];
    for (const r of placed) outcomes.push((await journey.env.client.workflow.getHandle(r.json().workflowId).result()) as OrderView);
    expect(outcomes.map((o) => o.stage)).toEqual(outcomes.map(() => 'completed'));
    expect(overLimit).toBe(0);
  });
});
