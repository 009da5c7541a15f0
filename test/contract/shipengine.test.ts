import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { shipEngineAddressValidator } from '../../activities/carriers/shipengine/address-validator';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import { buildAddressValidator } from '../../carriers/wiring';
import { loadConfig } from '../../config';
import { subscribeTrackWebhook } from '../../activities/carriers/shipengine/track-subscription';
import { CarrierApiError, CarrierRejected, CarrierTimeout, isCarrierError } from '../../activities/carriers/errors';
import type { BuyLabelRequest, RateRequest } from '../../domain/carrier';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { ERRATA, correctedDefinition, publishedDefinition } from '../support/shipengine-definition';
import { type PrismMock, startPrism } from '../support/prism';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';
import { failureOf } from '../support/failure-of';

/**
 * Contract tests: every call the ShipEngine adapter makes goes to Prism serving ShipEngine's own
 * definition (shipengine-openapi, with the errata of test/support/shipengine-definition.ts), which
 * validates each request. A test passes only when the mock found nothing wrong with any request it
 * sent, and the adapter made sense of the definition's documented answers, errors included.
 */

const API_KEY = 'TEST_contract-key-0123456789';
/** The carrier and warehouse ids of the definition's examples, so documented answers name our account. */
const CARRIER_ID = 'se-28529731';

const request: RateRequest = {
  shipmentId: 'ORD-C1-S1',
  from: { warehouseCode: 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [
    { lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 },
    { lengthMm: 200, widthMm: 200, heightMm: 100, weightGrams: 400 },
  ],
  shipAt: '2026-12-01T09:30:00.000Z',
};
/** The service code of the definition's documented rate (its example literally says "string"). */
const DOCUMENTED_SERVICE = 'string';
const purchase: BuyLabelRequest = { ...request, serviceCode: DOCUMENTED_SERVICE, idempotencyKey: 'ORD-C1-S1:1' };

let mock: PrismMock;
let carrier: ShipEngineCarrier;
let seen = 0;
let keylessRequests = 0;

const carrierOn = (fetchImpl: typeof fetch, apiUrl: string, timeoutMs = 30_000) =>
  new ShipEngineCarrier({
    http: new ShipEngineHttp({ apiUrl, apiKey: API_KEY, timeoutMs, fetch: fetchImpl }),
    account: { carrierCode: 'swiftpost', carrierId: CARRIER_ID },
    warehouses: { PAR1: 'se-28529731' },
    now: () => Date.parse('2026-12-01T10:00:00.000Z'),
  });

/** The exchanges of the current test. */
const exchanges = () => mock.exchanges.slice(seen);
const calls = () => exchanges().map((e) => `${e.method} ${e.path}`);

function expectConforming() {
  const sent = exchanges();
  expect(sent.length).toBeGreaterThan(0);
  expect(sent.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
}

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  carrier = carrierOn(mock.fetch, mock.url);
});

afterAll(async () => {
  // Prism's own log agrees with the headers: no request failed its validation but the one sent without a key on purpose.
  expect(mock.log().match(/Request did not pass the validation rules/g) ?? []).toHaveLength(keylessRequests);
  await mock?.stop();
});

beforeEach(() => {
  seen = mock.exchanges.length;
  mock.steer([]);
});

describe("ShipEngine adapter against ShipEngine's definition", () => {
  it('rates: the rate request conforms and documented rates become quotes in minor units', async () => {
    const quotes = await carrier.quote(request);
    expectConforming();
    expect(calls()).toEqual(['GET /v1/warehouses/se-28529731', 'POST /v1/rates']);
    // The documented rate: 5 delivery days, amounts in lower-case "usd", an estimate from 2018 (stale: ignored).
    expect(quotes).toEqual([
      {
        carrierCode: 'swiftpost',
        serviceCode: DOCUMENTED_SERVICE,
        serviceLevel: 'economy',
        amountCents: 0,
        currency: 'USD',
        deliveryDays: 5,
        estimatedDeliveryAt: '2026-12-06T00:00:00.000Z',
        guaranteed: true,
      },
    ]);
  });

  it('a first purchase creates the shipment under the idempotency key and buys the label from a rate', async () => {
    mock.steer([
      { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
      { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
    ]);
    const label = await carrier.buyLabel(purchase);
    expectConforming();
    expect(calls()).toEqual([
      'GET /v1/labels/external_shipment_id/ORD-C1-S1%3A1',
      'GET /v1/shipments/external_shipment_id/ORD-C1-S1%3A1',
      'POST /v1/shipments',
      'POST /v1/rates',
      expect.stringMatching(/^POST \/v1\/labels\/rates\/se-/),
      // The parcel is registered for the track webhook, under ShipEngine's code for the carrier account.
      'GET /v1/carriers/se-28529731',
      'POST /v1/tracking/start',
    ]);
    expect(label).toMatchObject({
      carrierCode: 'swiftpost',
      carrierLabelId: expect.stringMatching(/^se-/),
      trackingNumber: expect.any(String),
    });
  });

  it('a refused tracking registration leaves the label bought (the parcel is then learnt by polling)', async () => {
    mock.steer([
      { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
      { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
      { method: 'POST', path: /^\/v1\/tracking\/start$/, prefer: 'code=400' },
    ]);
    const label = await carrier.buyLabel(purchase);
    expectConforming();
    expect(exchanges().find((e) => e.path === '/v1/tracking/start')).toMatchObject({ method: 'POST', status: 400 });
    expect(calls().filter((c) => c.startsWith('POST /v1/labels/rates/'))).toHaveLength(1);
    expect(label).toMatchObject({ carrierCode: 'swiftpost', trackingNumber: expect.any(String) });
  });

  it('a retried purchase whose shipment exists reuses it: one shipment per key', async () => {
    mock.steer([{ method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' }]);
    await carrier.buyLabel(purchase);
    expectConforming();
    expect(calls()).not.toContain('POST /v1/shipments');
    expect(calls().filter((c) => c.startsWith('POST /v1/labels/rates/'))).toHaveLength(1);
  });

  it('a retried purchase whose label exists buys nothing; a label under the key that someone voided is refused', async () => {
    // The definition's documented label is a voided one: the adapter must not hand it out as bought.
    const error = await failureOf(carrier.buyLabel(purchase));
    expectConforming();
    expect(error).toBeInstanceOf(CarrierRejected);
    expect(error).toMatchObject({ reason: 'idempotency_conflict', retryable: false });
    expect(calls()).toEqual(['GET /v1/labels/external_shipment_id/ORD-C1-S1%3A1']);
  });

  it('void: approved is voided; a refusal of a label already void is voided too', async () => {
    await expect(carrier.voidLabel('se-28529731')).resolves.toEqual({ voided: true });
    expectConforming();
    expect(calls()).toEqual(['PUT /v1/labels/se-28529731/void']);
  });

  it('void of a label ShipEngine does not know is a non-retryable rejection', async () => {
    mock.steer([{ method: 'PUT', path: /\/void$/, prefer: 'code=404' }]);
    const error = await failureOf(carrier.voidLabel('se-12345'));
    expectConforming();
    expect(error).toMatchObject({ type: 'CarrierRejected', reason: 'unknown_label', retryable: false });
  });

  it('polling: the tracking request conforms and ShipEngine status codes reach the status model', async () => {
    const events = await carrier.track('782758401696');
    expectConforming();
    // ShipEngine's code for the carrier account is asked once per process (the purchase above asked it).
    expect(calls()).toEqual(['GET /v1/tracking']);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ carrierCode: 'swiftpost', vocabulary: 'shipengine', trackingNumber: '782758401696' });
    const normalised = event ? normaliseCarrierEvent(event) : undefined;
    // The documented answer is a delivered parcel (status DE).
    expect(normalised).toMatchObject({ ok: true, event: { status: 'delivered' } });
    // Polling again learns nothing new: the same event id, which the tracking model absorbs.
    const again = await carrier.track('782758401696');
    expect(again.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
  });

  it("track webhook subscription: the account's webhooks are listed, then the track one moved or created, conforming", async () => {
    const http = new ShipEngineHttp({ apiUrl: mock.url, apiKey: API_KEY, timeoutMs: 30_000, fetch: mock.fetch });
    const result = await subscribeTrackWebhook(http, 'https://colis.example.com/carriers/shipengine/track');
    expectConforming();
    expect(calls()[0]).toBe('GET /v1/environment/webhooks');
    // The documented list holds no track webhook with our URL: one write follows, never two.
    expect(calls().slice(1)).toEqual([
      expect.stringMatching(/^(PUT \/v1\/environment\/webhooks\/se-[a-z0-9-]+|POST \/v1\/environment\/webhooks)$/),
    ]);
    expect(['moved', 'created']).toContain(result.action);
  });

  it('polling an unknown tracking number is a non-retryable rejection', async () => {
    mock.steer([{ method: 'GET', path: /^\/v1\/tracking$/, prefer: 'code=404' }]);
    const error = await failureOf(carrier.track('NOPE'));
    expectConforming();
    expect(error).toMatchObject({ type: 'CarrierRejected', reason: 'unknown_tracking_number' });
  });

  it("label documents: each format's download link is fetched through the configured API, and only a real PDF or ZPL is kept", async () => {
    const pdf = await carrier.labelDocument('se-28529731', 'pdf');
    const zpl = await carrier.labelDocument('se-28529731', 'zpl');
    expectConforming();
    // The documented links point at the label resource itself (JSON), which is no printable file.
    expect(calls()).toEqual([
      'GET /v1/labels/se-28529731',
      'GET /v1/labels/se-28529731',
      'GET /v1/labels/se-28529731',
      'GET /v1/labels/se-28529731',
    ]);
    expect(pdf).toBeUndefined();
    expect(zpl).toBeUndefined();
  });

  it('return label: looks for an existing return label of the outbound label, else buys one', async () => {
    const label = await carrier.returnLabel({ carrierLabelId: 'se-28529731', idempotencyKey: 'ORD-C1-S1:return:1' });
    expectConforming();
    expect(calls().slice(0, 2)).toEqual(['GET /v1/labels/se-28529731', 'GET /v1/labels']);
    expect(label).toMatchObject({ carrierCode: 'swiftpost', trackingNumber: expect.any(String) });
  });

  it('address validation: the request conforms, the documented answer is a verdict, an outage leaves the address unverified', async () => {
    const validator = shipEngineAddressValidator(
      new ShipEngineHttp({ apiUrl: mock.url, apiKey: API_KEY, timeoutMs: 30_000, fetch: mock.fetch }),
    );
    const verdict = await validator.validate(request.to);
    // The documented answer is a verified address elsewhere (Burbank, CA): every field we sent differs.
    expect(verdict).toMatchObject({ kind: 'corrected', fields: expect.arrayContaining(['line1', 'city', 'postalCode', 'countryCode']) });
    const { region: _region, ...noRegion } = request.to;
    await validator.validate(noRegion);
    mock.steer([{ method: 'POST', path: /^\/v1\/addresses\/validate$/, prefer: 'code=500' }]);
    expect(await validator.validate(request.to)).toMatchObject({ kind: 'unverified' });
    expectConforming();
    expect(calls()).toEqual(['POST /v1/addresses/validate', 'POST /v1/addresses/validate', 'POST /v1/addresses/validate']);
  });

  it('documented 400 answers are non-retryable rejections; 500 answers are retryable; neither carries the key or the address', async () => {
    mock.steer([{ method: 'POST', path: /^\/v1\/rates$/, prefer: 'code=400' }]);
    const rejected = await failureOf(carrier.quote(request));
    mock.steer([{ method: 'POST', path: /^\/v1\/rates$/, prefer: 'code=500' }]);
    const outage = await failureOf(carrier.quote(request));
    expectConforming();
    expect(rejected).toBeInstanceOf(CarrierRejected);
    expect(rejected).toMatchObject({ retryable: false });
    expect(outage).toBeInstanceOf(CarrierApiError);
    expect(outage).toMatchObject({ retryable: true, status: 500 });
    for (const error of [rejected, outage]) {
      const text = `${String(error)} ${JSON.stringify(error)}`;
      for (const secret of [API_KEY, request.to.name, request.to.line1, request.to.postalCode, request.to.phone ?? '']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it("every call sends the API key in the API-Key header (the definition's security scheme)", async () => {
    const keyless = new ShipEngineCarrier({
      http: new ShipEngineHttp({
        apiUrl: mock.url,
        apiKey: API_KEY,
        timeoutMs: 30_000,
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          headers.delete('API-Key');
          return mock.fetch(input, { ...init, headers });
        },
      }),
      account: { carrierCode: 'swiftpost', carrierId: CARRIER_ID },
      warehouses: { PAR1: 'se-28529731' },
    });
    // Without the header Prism answers 401: proof that it checks, and that the adapter maps it (retryable: fix the key).
    keylessRequests += 1;
    const error = await failureOf(keyless.voidLabel('se-28529731'));
    expect(error).toMatchObject({ type: 'CarrierApiError', status: 401, retryable: true });
  });

  it('address check when ShipEngine books the carriers: a recipient without a phone, or a region no match supplies, is refused by name', async () => {
    const settings = { COLIS_SHIPENGINE_API_KEY: API_KEY, COLIS_SHIPENGINE_API_URL: mock.url };
    const booking = buildAddressValidator(
      loadConfig({ ...settings, COLIS_SHIPENGINE_CARRIERS: `${CARRIER_ID}=swiftpost`, COLIS_SHIPENGINE_WAREHOUSES: `PAR1=${CARRIER_ID}` }),
      mock.fetch,
    );
    const { phone: _phone, ...noPhone } = request.to;
    for (const to of [noPhone, { ...request.to, phone: '  ' }]) {
      expect(await booking.validate(to)).toEqual({
        kind: 'undeliverable',
        field: 'phone',
        reason: "ShipEngine's carriers need the recipient's phone",
      });
    }
    expect(calls()).toEqual([]);
    // No region: ShipEngine's match supplies one (the documented answer's, CA), else the address cannot be booked.
    const { region: _region, ...noRegion } = request.to;
    expect(await booking.validate(noRegion)).toMatchObject({ kind: 'corrected', address: { region: expect.any(String) } });
    mock.steer([{ method: 'POST', path: /^\/v1\/addresses\/validate$/, prefer: 'code=500' }]);
    expect(await booking.validate(noRegion)).toEqual({
      kind: 'undeliverable',
      field: 'region',
      reason: "ShipEngine's carriers need the recipient's state or province (region)",
    });
    expect(await booking.validate(request.to)).toMatchObject({ kind: 'unverified' });
    mock.steer([]);
    expect(calls()).toEqual(['POST /v1/addresses/validate', 'POST /v1/addresses/validate', 'POST /v1/addresses/validate']);
    // Validating addresses only (no carrier booked through ShipEngine): a phone is nobody's business.
    const validating = buildAddressValidator(loadConfig(settings), mock.fetch);
    expect(await validating.validate(noPhone)).toMatchObject({ kind: 'corrected' });
    expectConforming();
    expect(calls()).toEqual(Array.from({ length: 4 }, () => 'POST /v1/addresses/validate'));
  });

  it('a recipient without the phone or region ShipEngine requires is refused by name, nothing sent', async () => {
    const { phone: _phone, ...noPhone } = request.to;
    const error = await failureOf(carrier.quote({ ...request, to: noPhone }));
    expect(error).toMatchObject({ type: 'CarrierRejected', reason: 'invalid_address' });
    expect(String((error as Error).message)).toContain('phone');
    expect(exchanges().filter((e) => e.path === '/v1/rates')).toEqual([]);
  });
});

describe('ShipEngine adapter when ShipEngine does not answer', () => {
  it('no answer in time is a retryable CarrierTimeout; a closed port a retryable CarrierApiError', async () => {
    const { createServer } = await import('node:http');
    const silent = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const slow = carrierOn(fetch, `http://127.0.0.1:${port}`, 300);
      const timeout = await failureOf(slow.voidLabel('se-1'));
      expect(timeout).toBeInstanceOf(CarrierTimeout);
      expect(isCarrierError(timeout) && timeout.retryable).toBe(true);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((done) => silent.close(() => done()));
    }
    const closed = carrierOn(fetch, `http://127.0.0.1:${port}`, 2_000);
    const refused = await failureOf(closed.voidLabel('se-1'));
    expect(refused).toMatchObject({ type: 'CarrierApiError', retryable: true, status: 0 });
  });
});

describe("the errata to ShipEngine's definition", () => {
  it('every erratum is needed: the published definition rejects the documented rate requests the corrected one accepts', async () => {
    const published = await startPrism(await publishedDefinition());
    try {
      const strict = carrierOn(published.fetch, published.url);
      await strict.quote(request).catch(() => undefined);
      const byShipment = published.exchanges.find((e) => e.method === 'POST' && e.path === '/v1/rates');
      expect(byShipment?.requestViolations.map((v) => v.message)).toEqual(
        expect.arrayContaining([expect.stringMatching(/shipment_id/), expect.stringMatching(/additional properties/)]),
      );
      expect(ERRATA.map((e) => e.id)).toEqual(['calculate-rates-body', 'rate-shopping-shipment']);
    } finally {
      await published.stop();
    }
  });
});
