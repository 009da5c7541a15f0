import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShipEngineKeySet } from '../../activities/carriers/shipengine/webhook-signature';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import { HOUR_MS } from '../../domain/clock';
import type { OrderView } from '../../domain/journey';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { KEYS } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { type JwksServer, type SigningKey, serveJwks, signedHeaders, signingKey } from '../support/shipengine-signer';
import { until } from '../workflows/steps';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * A parcel booked through ShipEngine (Prism serving its definition) and delivered by ShipEngine's
 * signed `track` webhooks alone: its polls find nothing (ShipEngine's tracking answers 404 here), so
 * only the webhook can move it. The signing keys are generated here and served as ShipEngine serves
 * its JWKS; a forged webhook (right key id, wrong private key) changes nothing.
 */

const SE_ID = 'se-28529731';
const CARRIERS = { swiftpost: SE_ID, parcelnord: SE_ID, ecoroute: SE_ID };
let mock: PrismMock;
let journey: Journey;
let app: FastifyInstance;
let jwks: JwksServer;
let shipEngineKey: SigningKey;

beforeAll(async () => {
  shipEngineKey = signingKey('se-webhook-key-1');
  jwks = await serveJwks([shipEngineKey]);
  mock = await startPrism(await correctedDefinition());
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
    // Polling learns nothing: the parcel moves by webhook or not at all.
    { method: 'GET', path: /^\/v1\/tracking$/, prefer: 'code=404' },
  ]);
  journey = await startJourney({
    shipEngine: {
      apiUrl: mock.url,
      apiKey: 'TEST_journey-key-0123456789',
      timeoutMs: 30_000,
      carriers: CARRIERS,
      warehouses: Object.fromEntries(WAREHOUSES.map((w) => [w.code, SE_ID])),
      fetch: mock.fetch,
    },
  });
  app = await buildApp({
    db: journey.database.db,
    temporalClient: journey.env.client,
    config: loadApiConfig(
      {},
      {
        apiKeys: Object.values(KEYS),
        logLevel: 'warn',
        workflowCallTimeoutMs: 10_000,
        shipEngineTracking: {
          keySet: new ShipEngineKeySet({ jwksUrl: jwks.url, timeoutMs: 5_000 }),
          carrierCodes: Object.keys(CARRIERS),
          toleranceSeconds: 300,
        },
      },
    ),
  });
});

afterAll(async () => {
  await app?.close();
  await journey?.teardown();
  await mock?.stop();
  await jwks?.stop();
});

function trackPayload(trackingNumber: string, statusCode: string, occurredAt: Date) {
  return JSON.stringify({
    resource_url: `https://api.shipengine.com/v1/tracking?carrier_code=ups&tracking_number=${trackingNumber}`,
    resource_type: 'API_TRACK',
    data: {
      tracking_number: trackingNumber,
      status_code: statusCode,
      status_description: statusCode === 'DE' ? 'Delivered' : 'In Transit',
      carrier_code: 'ups',
      events: [{ occurred_at: occurredAt.toISOString(), description: `scan ${statusCode}`, city_locality: 'Lyon', country_code: 'FR' }],
    },
  });
}

function post(body: string, headers: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url: '/carriers/shipengine/track',
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

describe('an order shipped through ShipEngine, tracked by its signed track webhooks', () => {
  it('is registered for tracking when labelled, delivered by signed webhooks alone, and a forged webhook changes nothing', async () => {
    const handle = await journey.placeOrder({ shipTo: SHIPENGINE_RECIPIENT, lines: [{ sku: 'MUG-CER-350', quantity: 1 }] });
    const orderId = handle.workflowId.replace(/^order-/, '');
    const db = journey.database.db;
    const label = await until(
      journey,
      'the ShipEngine label bought',
      () => db.label.findFirst({ where: { shipment: { orderId } } }),
      (row) => row !== null,
      { stepMs: HOUR_MS },
    );
    if (!label) throw new Error('no label');
    expect(mock.exchanges.map((e) => `${e.method} ${e.path}`)).toContain('POST /v1/tracking/start');

    // Dated on the API's (wall) clock, which the time-skipping server has left behind.
    const transitAt = new Date(Date.now() - 2 * HOUR_MS);
    const deliveredAt = new Date(Date.now() - HOUR_MS);

    const forgedBody = trackPayload(label.trackingNumber, 'DE', deliveredAt);
    const forger = signingKey(shipEngineKey.kid);
    const forged = await post(forgedBody, signedHeaders(forgedBody, forger));
    expect(forged.statusCode, forged.body).toBe(401);
    expect(forged.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    const unsigned = await post(forgedBody, {});
    expect(unsigned.statusCode).toBe(401);
    expect(await db.trackingEvent.count({ where: { shipmentId: label.shipmentId } })).toBe(0);

    const transit = trackPayload(label.trackingNumber, 'IT', transitAt);
    const first = await post(transit, signedHeaders(transit, shipEngineKey));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ received: 1, accepted: 1, shipments: [label.shipmentId] });
    await until(
      journey,
      'the in-transit scan recorded',
      () => db.trackingEvent.findFirst({ where: { shipmentId: label.shipmentId, carrierStatusCode: 'IT' } }),
      (row) => row !== null,
      { stepMs: 60_000 },
    );
    // ShipEngine retries a webhook it thinks failed: the same scan is acknowledged, not taken twice.
    const again = await post(transit, signedHeaders(transit, shipEngineKey));
    expect(again.json()).toMatchObject({ received: 1, accepted: 0, duplicate: true });

    const delivered = trackPayload(label.trackingNumber, 'DE', deliveredAt);
    const last = await post(delivered, signedHeaders(delivered, shipEngineKey));
    expect(last.statusCode, last.body).toBe(200);
    expect(last.json()).toMatchObject({ accepted: 1 });

    const outcome = (await handle.result()) as unknown as OrderView;
    expect(outcome.stage).toBe('completed');
    const events = await db.trackingEvent.findMany({ where: { shipmentId: label.shipmentId }, orderBy: { occurredAt: 'asc' } });
    expect(events.map((e) => [e.carrierStatusCode, e.status, e.source])).toEqual([
      ['IT', 'in_transit', 'webhook'],
      ['DE', 'delivered', 'webhook'],
    ]);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });

  it('refuses what is not a ShipEngine track webhook of one of its labels, naming the field, and changes nothing', async () => {
    const unknownBody = trackPayload('NO-SUCH-PARCEL', 'DE', new Date(Date.now() - HOUR_MS));
    const unknown = await post(unknownBody, signedHeaders(unknownBody, shipEngineKey));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.details).toContainEqual(expect.objectContaining({ path: 'body.data.tracking_number' }));

    const batch = JSON.stringify({ resource_url: 'https://api.shipengine.com/v1/batches/se-1', resource_type: 'BATCH', data: {} });
    const wrongKind = await post(batch, signedHeaders(batch, shipEngineKey));
    expect(wrongKind.statusCode).toBe(400);
    expect(JSON.stringify(wrongKind.json().error.details)).toContain('resource_type');

    const stale = trackPayload('NO-SUCH-PARCEL', 'DE', new Date());
    const replayed = await post(stale, signedHeaders(stale, shipEngineKey, new Date(Date.now() - 3_600_000)));
    expect(replayed.statusCode).toBe(401);
  });
});
