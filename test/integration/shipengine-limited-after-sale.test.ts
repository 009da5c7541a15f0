import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLabelActivities } from '../../activities/carrier-booking/labels';
import { type CarrierRegistry, createCarrierRegistry } from '../../activities/carriers/registry';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import type { RateRequest } from '../../domain/carrier';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { failureOf } from '../support/failure-of';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * A ShipEngine purchase is several requests: the label is bought by one of them, then registered for tracking
 * (`POST /v1/tracking/start`) and, found again after a lost answer, re-rated for its estimate. A 429 or 503 on one of
 * those later requests says that request was not processed, not that nothing was bought: the purchase must not give
 * the booking to another carrier (CarrierUnavailable, "nothing was bought"), which buys a second label and leaves the
 * first one paid for and never voided. It fails retryably instead, and the next attempt finds the label under its key.
 */

const CARRIER_ID = 'se-100';
const TRACKING = '1Z999AA10123456784';
const SERVICE = 'ups_ground';
let server: Server;
let database: TestDatabase;
let carriers: CarrierRegistry;

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}
/** What ShipEngine answers, by "METHOD path" (without the query); the first rule matching wins, `times` uses it up. */
let routes: { match: RegExp; answer: Answer; times?: number }[] = [];
const asked: string[] = [];

const label = {
  label_id: 'se-label-1',
  status: 'completed',
  shipment_id: 'se-shipment-1',
  carrier_id: CARRIER_ID,
  service_code: SERVICE,
  tracking_number: TRACKING,
  shipment_cost: { currency: 'eur', amount: 7.5 },
  insurance_cost: { currency: 'eur', amount: 0 },
  created_at: '2026-12-01T09:31:00Z',
  voided: false,
};
const rates = {
  rate_response: {
    rates: [
      {
        rate_id: 'se-rate-1',
        carrier_id: CARRIER_ID,
        service_code: SERVICE,
        shipping_amount: { currency: 'eur', amount: 7.5 },
        delivery_days: 2,
        estimated_delivery_date: '2026-12-03',
        validation_status: 'valid',
      },
    ],
  },
};
const rateLimited = (retryAfterSeconds: number): Answer => ({
  status: 429,
  headers: { 'retry-after': String(retryAfterSeconds) },
  body: { request_id: 'req-rl', errors: [{ error_source: 'shipengine', error_type: 'system', error_code: 'rate_limit_exceeded' }] },
});

/** ShipEngine with one label bought so far: the lookup finds it once the purchase went through. */
function shipEngineSelling(trackingStart: Answer) {
  let bought = false;
  routes = [
    { match: /^GET \/v1\/carriers\//, answer: { status: 200, body: { carrier_code: 'ups' } } },
    { match: /^GET \/v1\/warehouses\//, answer: { status: 200, body: { origin_address: { country_code: 'FR', postal_code: '75011' } } } },
    { match: /^GET \/v1\/shipments\/external_shipment_id\//, answer: { status: 404, body: {} } },
    {
      match: /^POST \/v1\/shipments$/,
      answer: { status: 200, body: { has_errors: false, shipments: [{ shipment_id: 'se-shipment-1' }] } },
    },
    { match: /^POST \/v1\/rates$/, answer: { status: 200, body: rates } },
    { match: /^POST \/v1\/tracking\/start$/, answer: trackingStart },
  ];
  return {
    answer(key: string): Answer {
      if (/^GET \/v1\/labels\/external_shipment_id\//.test(key)) return bought ? { status: 200, body: label } : { status: 404, body: {} };
      if (/^POST \/v1\/labels\/rates\//.test(key)) {
        bought = true;
        return { status: 200, body: label };
      }
      const rule = routes.find((r) => r.match.test(key) && (r.times === undefined || r.times > 0));
      if (!rule) return { status: 500, body: {} };
      if (rule.times !== undefined) rule.times -= 1;
      return rule.answer;
    },
  };
}
let shipEngine: ReturnType<typeof shipEngineSelling> | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    const key = `${request.method} ${request.url?.split('?')[0] ?? ''}`;
    asked.push(key);
    const answer = shipEngine?.answer(key) ?? { status: 500, body: {} };
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const carrier = new ShipEngineCarrier({
    http: new ShipEngineHttp({
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: 'TEST_after-sale-key-0123456789',
      timeoutMs: 2_000,
    }),
    account: { carrierCode: 'swiftpost', carrierId: CARRIER_ID },
    warehouses: { PAR1: 'se-wh-1' },
  });
  carriers = createCarrierRegistry([carrier], { secrets: new Map() });
  database = await createTestDatabase(2);
});

afterAll(async () => {
  await database?.drop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

beforeEach(() => {
  asked.length = 0;
  shipEngine = undefined;
});

const request: RateRequest = {
  shipmentId: 'SHP-AFTER-SALE',
  from: { warehouseCode: 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 }],
  shipAt: '2026-12-01T09:30:00.000Z',
};

const firstAttempt = () =>
  new MockActivityEnvironment({ attempt: 1 }).run(createLabelActivities({ db: database.db, carriers }).purchaseLabel, {
    shipmentId: request.shipmentId,
    attempt: 1,
    carrierCode: 'swiftpost',
    request: { ...request, serviceCode: SERVICE },
    promiseMiss: false,
    // As the workflow asks when another carrier could take the booking (REFUSALS_BEFORE_FALLBACK).
    fallbackAfterRefusals: 3,
  });

const purchases = () => asked.filter((key) => key.startsWith('POST /v1/labels/rates/')).length;

describe('a ShipEngine purchase rate-limited after its label was bought', () => {
  it('does not give the booking away when tracking registration answers 429 asking for longer than an attempt waits', async () => {
    shipEngine = shipEngineSelling(rateLimited(30));
    const failure = await failureOf(firstAttempt());
    expect(purchases()).toBe(1);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    // Retried with the same key (the next attempt finds the label), never "unavailable: nothing was bought".
    expect(failure).toMatchObject({ type: 'CarrierApiError', nonRetryable: false });
    expect((failure as ApplicationFailure).nextRetryDelay).toBeGreaterThanOrEqual(30_000);
  });

  it('does not give the booking away when tracking registration keeps answering 503', async () => {
    shipEngine = shipEngineSelling({ status: 503, body: {} });
    const failure = await failureOf(firstAttempt());
    expect(purchases()).toBe(1);
    expect(failure).toMatchObject({ type: 'CarrierApiError', nonRetryable: false });
  });

  it('still gives the booking back when the purchase itself is turned away (nothing bought)', async () => {
    shipEngine = shipEngineSelling({ status: 204, body: {} });
    routes.unshift({ match: /^POST \/v1\/rates$/, answer: rateLimited(30) });
    const failure = await failureOf(firstAttempt());
    expect(purchases()).toBe(0);
    expect(failure).toMatchObject({ type: 'CarrierUnavailable', nonRetryable: true });
  });
});
