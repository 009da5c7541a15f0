import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import { WorkerLogger } from '../../worker/logger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLabelActivities } from '../../activities/carrier-booking/labels';
import { createRateShopActivities, type RateShop } from '../../activities/carrier-booking/rate-shop';
import { createPollingActivities } from '../../activities/carrier-booking/tracking-poll';
import { type CarrierRegistry, createCarrierRegistry } from '../../activities/carriers/registry';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import type { RateRequest } from '../../domain/carrier';
import { TASK_QUEUES } from '../../domain/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';
import { createTimeSkippingEnv, testDataConverter } from '../support/temporal';
import { failureOf } from '../support/failure-of';

/**
 * ShipEngine over its rate limit answers 429 with `Retry-After` in seconds. The carrier activities, run for real
 * against a local HTTP server answering as ShipEngine does, call it again no sooner than it said: Temporal's next
 * attempt (`nextRetryDelay`), and the quick calls within one attempt (a refused purchase, the rate shop).
 */

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

const TRACKING = '1Z999AA10123456784';
const CARRIER_ID = 'se-100';
let server: Server;
let database: TestDatabase;
let env: TestWorkflowEnvironment;
let carriers: CarrierRegistry;
/** Answers for every request but the carrier lookup, in order; what ShipEngine was asked, when (wall clock). */
const answers: Answer[] = [];
const asked: { path: string; atMs: number }[] = [];

const rateLimited = (retryAfterSeconds: number): Answer => ({
  status: 429,
  headers: { 'retry-after': String(retryAfterSeconds) },
  body: { request_id: 'req-rl', errors: [{ error_source: 'shipengine', error_type: 'system', error_code: 'rate_limit_exceeded' }] },
});

beforeAll(async () => {
  try {
    Runtime.install({ logger: new WorkerLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // Installed already by another test file in this process.
  }
  server = createServer((request, response) => {
    const path = request.url?.split('?')[0] ?? '';
    asked.push({ path, atMs: Date.now() });
    const answer = path.startsWith('/v1/carriers/')
      ? { status: 200, body: { carrier_code: 'ups' } }
      : (answers.shift() ?? { status: 500, body: {} });
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const shipEngine = new ShipEngineCarrier({
    http: new ShipEngineHttp({
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: 'TEST_retry-after-key-0123456789',
      timeoutMs: 2_000,
    }),
    account: { carrierCode: 'swiftpost', carrierId: CARRIER_ID },
    warehouses: { PAR1: 'se-wh-1' },
  });
  carriers = createCarrierRegistry([shipEngine], { secrets: new Map() });
  [database, env] = await Promise.all([createTestDatabase(2), createTimeSkippingEnv()]);
});

afterAll(async () => {
  await env?.teardown();
  await database?.drop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

beforeEach(() => {
  answers.length = 0;
  asked.length = 0;
});

const request: RateRequest = {
  shipmentId: 'SHP-RETRY-AFTER',
  from: { warehouseCode: 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 }],
  shipAt: '2026-12-01T09:30:00.000Z',
};

describe('a rate-limited carrier call under the carrier retry policy (time-skipping server)', () => {
  it('is attempted again after the Retry-After ShipEngine sent, then answered', async () => {
    answers.push(rateLimited(3), { status: 200, body: { tracking_number: TRACKING, status_code: 'IT', events: [] } });
    const polling = createPollingActivities({ db: database.db, carriers });
    const attempts: { attempt: number; startedMs: number; endedMs: number }[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUES.carriers,
      dataConverter: testDataConverter,
      // The carrier activities' own options (CARRIER_COMMAND: first retry after 1 s): the policy the wait replaces.
      workflowsPath: fileURLToPath(new URL('../support/workflows/carrier-poll.ts', import.meta.url)),
      activities: {
        async pollTracking(input: { carrierCode: string; trackingNumber: string }) {
          // On the server's clock (time-skipping), which its retry timers run on.
          const startedMs = await env.currentTimeMs();
          try {
            return await polling.pollTracking(input);
          } finally {
            attempts.push({ attempt: Context.current().info.attempt, startedMs, endedMs: await env.currentTimeMs() });
          }
        },
      },
    });
    const events = await worker.runUntil(
      env.client.workflow.execute('pollTrackingOnce', {
        taskQueue: TASK_QUEUES.carriers,
        workflowId: `carrier-retry-after-${Date.now()}`,
        args: [{ carrierCode: 'swiftpost', trackingNumber: TRACKING }],
      }),
    );
    expect(events).toEqual([]);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    const [first, second] = attempts;
    // From the refused attempt's end to the next one's start: the three seconds asked (and up to a fifth more, the
    // spread), not the policy's first 1 s.
    const waitedMs = (second?.startedMs ?? 0) - (first?.endedMs ?? 0);
    expect(waitedMs).toBeGreaterThanOrEqual(3_000);
    expect(waitedMs).toBeLessThan(5_000);
    expect(answers).toEqual([]);
  });
});

describe('a rate-limited carrier within one attempt', () => {
  const purchaseLabel = () =>
    new MockActivityEnvironment({ attempt: 1 }).run(createLabelActivities({ db: database.db, carriers }).purchaseLabel, {
      shipmentId: request.shipmentId,
      attempt: 1,
      carrierCode: 'swiftpost',
      request: { ...request, serviceCode: 'ups_ground' },
      promiseMiss: false,
      fallbackAfterRefusals: 3,
    });
  const rateShop = (): Promise<RateShop> => {
    const activities = createRateShopActivities({ db: database.db, carriers });
    return new MockActivityEnvironment().run(() => activities.quoteAllCarriers({ request }));
  };
  const gapsMs = () => asked.slice(1).map((a, i) => a.atMs - (asked[i]?.atMs ?? 0));

  it('a purchase turned away asks again no sooner than the carrier said, then gives the booking back', async () => {
    answers.push(rateLimited(2), rateLimited(2), rateLimited(2));
    const failure = await failureOf(purchaseLabel());
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'CarrierUnavailable', nonRetryable: true });
    expect(asked.map((a) => a.path)).toEqual(Array(3).fill('/v1/labels/external_shipment_id/SHP-RETRY-AFTER%3A1'));
    // Our own pauses would be 0.5 s and 1 s.
    for (const gap of gapsMs()) expect(gap).toBeGreaterThanOrEqual(1_990);
  });

  it('a purchase gives the booking back at once when the carrier asks for longer than an attempt waits', async () => {
    answers.push(rateLimited(30));
    const failure = await failureOf(purchaseLabel());
    expect(failure).toMatchObject({ type: 'CarrierUnavailable', nonRetryable: true });
    expect((failure as Error).message).toMatch(/turned the label purchase away 1 times .*429.*asked to wait 30 s/);
    expect(asked).toHaveLength(1);
  });

  it('the rate shop leaves out a carrier that asks for longer than its quick attempts, after one call', async () => {
    answers.push(rateLimited(30));
    const shop = await rateShop();
    expect(shop.quotes).toEqual([]);
    expect(shop.unanswered).toEqual([
      { carrierCode: 'swiftpost', reason: expect.stringMatching(/answered 429 .*asked to wait 30 s/), down: true },
    ]);
    expect(asked).toHaveLength(1);
  });

  it('the rate shop asks again no sooner than the carrier said', async () => {
    answers.push(rateLimited(2), { status: 200, body: { origin_address: { country_code: 'FR', postal_code: '75011' } } });
    answers.push({ status: 200, body: { rate_response: { rates: [] } } });
    const shop = await rateShop();
    expect(shop.unanswered).toEqual([]);
    expect(asked.map((a) => a.path)).toEqual(['/v1/warehouses/se-wh-1', '/v1/warehouses/se-wh-1', '/v1/rates']);
    // Our own first pause would be 0.5 s.
    expect(gapsMs()[0]).toBeGreaterThanOrEqual(1_990);
  });
});
