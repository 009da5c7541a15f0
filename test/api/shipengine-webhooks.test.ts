import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShipEngineKeySet } from '../../activities/carriers/shipengine/webhook-signature';
import type { ShipEngineTracking } from '../../api/config';
import { type JwksServer, type SigningKey, serveJwks, signedHeaders, signingKey } from '../support/shipengine-signer';
import { insertOrder, insertShipment, signalsReceived, startIdleWorkflow } from './fixtures';
import { createHarness, expectErrorShape, type Harness } from './harness';

/**
 * ShipEngine's track webhook at the API's edge (no worker): what reaches the shipment's workflow,
 * what is stored for ops, the rate limit it shares with nobody else, and the answers when ShipEngine
 * is not configured or its keys cannot be fetched.
 */

let h: Harness;
let jwks: JwksServer;
let key: SigningKey;

const tracking = (jwksUrl: string): ShipEngineTracking => ({
  keySet: new ShipEngineKeySet({ jwksUrl, timeoutMs: 2_000 }),
  carrierCodes: ['swiftpost'],
  toleranceSeconds: 300,
});

beforeAll(async () => {
  key = signingKey('api-test-key');
  jwks = await serveJwks([key]);
  h = await createHarness({ shipEngineTracking: tracking(jwks.url) });
});
afterAll(async () => {
  await h?.close();
  await jwks?.stop();
});

function payload(trackingNumber: string, statusCode: string, occurredAt = new Date(Date.now() - 60_000)) {
  return JSON.stringify({
    resource_url: `https://api.shipengine.com/v1/tracking?carrier_code=ups&tracking_number=${trackingNumber}`,
    resource_type: 'API_TRACK',
    data: {
      tracking_number: trackingNumber,
      status_code: statusCode,
      events: [{ occurred_at: occurredAt.toISOString(), city_locality: 'Lyon' }],
    },
  });
}

const post = (app: Harness['app'], body: string, headers: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url: '/carriers/shipengine/track',
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });

async function shipment() {
  const orderId = await insertOrder(h.db);
  const made = await insertShipment(h.db, orderId);
  await startIdleWorkflow(h.client, `shipment-${made.shipmentId}`);
  return made;
}

describe("ShipEngine's track webhook", () => {
  it('signals a mapped scan to the shipment workflow as a webhook scan, once', async () => {
    const { shipmentId, trackingNumber } = await shipment();
    const body = payload(trackingNumber, 'IT');
    const response = await post(h.app, body, signedHeaders(body, key));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ received: 1, accepted: 1, shipments: [shipmentId], unmapped: 0 });
    const signals = (await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')) as {
      source: string;
      events: { carrierCode: string; statusCode: string; vocabulary?: string }[];
    }[];
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      source: 'webhook',
      events: [{ carrierCode: 'swiftpost', statusCode: 'IT', vocabulary: 'shipengine' }],
    });
  });

  it('stores a status code no mapping reads for ops instead of dropping it, and does not signal it', async () => {
    const { shipmentId, trackingNumber } = await shipment();
    const body = payload(trackingNumber, 'ZQ');
    const response = await post(h.app, body, signedHeaders(body, key));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ received: 1, accepted: 0, unmapped: 1 });
    const stored = await h.db.unmappedTrackingEvent.findMany({ where: { shipmentId } });
    expect(stored.map((row) => [row.carrierCode, row.carrierStatusCode, row.source])).toEqual([['swiftpost', 'ZQ', 'webhook']]);
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
  });

  it('a forged signature is a 401 and nothing is signalled or stored', async () => {
    const { shipmentId, trackingNumber } = await shipment();
    const body = payload(trackingNumber, 'DE');
    const response = await post(h.app, body, signedHeaders(body, signingKey(key.kid)));
    expectErrorShape(response, 401, 'invalid_signature');
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
    expect(await h.db.unmappedTrackingEvent.count({ where: { shipmentId } })).toBe(0);
  });

  it('keyless webhooks count in their own bucket: 429 with Retry-After once it is spent', async () => {
    const limited = await h.rebuild({ shipEngineTracking: tracking(jwks.url), webhooksPerMinute: 2 });
    const body = payload('NO-SUCH-PARCEL', 'IT');
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await post(limited, body, signedHeaders(body, key)));
    expect(answers.map((a) => a.statusCode)).toEqual([404, 404, 429]);
    expect(answers[2]?.headers['retry-after']).toBeDefined();
  });

  it('answers 404 while no carrier is booked through ShipEngine, and 503 while its keys cannot be fetched', async () => {
    const body = payload('ANY', 'IT');
    const unconfigured = await h.rebuild({ shipEngineTracking: undefined });
    expectErrorShape(await post(unconfigured, body, signedHeaders(body, key)), 404, 'not_found');
    const keysDown = await h.rebuild({ shipEngineTracking: tracking('http://127.0.0.1:9/jwks') });
    const response = await post(keysDown, body, signedHeaders(body, key));
    expectErrorShape(response, 503, 'unavailable');
    expect(response.headers['retry-after']).toBe('30');
  });
});
