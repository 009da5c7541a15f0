import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../activities/carriers/signature';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { createHarness, expectErrorShape, KEYS, WEBHOOK_SECRET, type Harness } from './harness';
import { insertOrder, insertShipment, signalsReceived, startIdleWorkflow, uniqueId } from './fixtures';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const URL = '/carriers/swiftpost/webhooks';

function scan(trackingNumber: string, overrides: Partial<CarrierTrackingEvent> = {}): CarrierTrackingEvent {
  return {
    carrierCode: 'swiftpost',
    eventId: uniqueId('EVT'),
    trackingNumber,
    statusCode: 'IN_TRANSIT',
    detail: 'Departed hub',
    location: 'Lyon',
    occurredAt: new Date().toISOString(),
    ...overrides,
  };
}

function post(body: string, signature: string | undefined, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: URL,
    headers: { 'content-type': 'application/json', ...(signature ? { 'colis-signature': signature } : {}), ...headers },
    payload: body,
  });
}

const signed = (body: string, secret = WEBHOOK_SECRET, at = Date.now()) => post(body, signPayload(body, secret, at));

async function shipmentWithWorkflow() {
  const orderId = await insertOrder(h.db);
  const shipment = await insertShipment(h.db, orderId);
  await startIdleWorkflow(h.client, `shipment-${shipment.shipmentId}`);
  return shipment;
}

describe('carrier webhooks', () => {
  it('accepts a signed delivery and signals the events to the shipment workflow', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const events = [scan(trackingNumber), scan(trackingNumber, { statusCode: 'OUT_FOR_DELIVERY' })];
    const response = await signed(JSON.stringify({ events }));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      received: 2,
      accepted: 2,
      duplicates: 0,
      duplicate: false,
      shipments: [shipmentId],
      unmapped: 0,
      redated: 0,
    });
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([{ source: 'webhook', events }]);
  });

  it('verifies the signature on the raw bytes: whitespace the JSON parser would ignore still counts', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const raw = `{ "events" : [ ${JSON.stringify(scan(trackingNumber))} ] }\n`;
    expect((await signed(raw)).statusCode).toBe(200);
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toHaveLength(1);
  });

  it('refuses a tampered body, a wrong secret, a stale signature and a missing one with 401, signalling nothing', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const body = JSON.stringify({ events: [scan(trackingNumber)] });
    const signature = signPayload(body, WEBHOOK_SECRET, Date.now());
    expectErrorShape(await post(body.replace('Departed', 'Delivered'), signature), 401, 'invalid_signature');
    expectErrorShape(await signed(body, 'some-other-secret'), 401, 'invalid_signature');
    const stale = await signed(body, WEBHOOK_SECRET, Date.now() - 10 * 60_000);
    expect(expectErrorShape(stale, 401, 'invalid_signature').message).toMatch(/too old/);
    expectErrorShape(await post(body, undefined), 401, 'invalid_signature');
    expectErrorShape(await post(body, 't=abc,v1=zz'), 401, 'invalid_signature');
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
  });

  it('acknowledges a replayed event (already recorded) with 200 and signals nothing', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const event = scan(trackingNumber);
    await h.db.trackingEvent.create({
      data: {
        id: `${shipmentId}-${event.eventId}`,
        shipmentId,
        carrierCode: 'swiftpost',
        carrierEventId: event.eventId,
        trackingNumber,
        carrierStatusCode: 'IT',
        status: 'in_transit',
        occurredAt: new Date(event.occurredAt),
        source: 'webhook',
      },
    });
    const response = await signed(JSON.stringify({ events: [event] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 0, duplicates: 1, duplicate: true, shipments: [] });
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
  });

  it('drops a repeated event id within one delivery', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const event = scan(trackingNumber);
    const response = await signed(JSON.stringify({ events: [event, event] }));
    expect(response.json()).toMatchObject({ received: 2, accepted: 1, duplicates: 1, duplicate: false });
    const [signal] = (await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')) as { events: unknown[] }[];
    expect(signal?.events).toHaveLength(1);
  });

  it('answers 404 for an unknown tracking number and signals nothing, not even the known ones', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const response = await signed(JSON.stringify({ events: [scan(trackingNumber), scan('SP-NOT-OURS')] }));
    const error = expectErrorShape(response, 404, 'not_found');
    expect(error.details).toEqual([{ path: 'body.events.1.trackingNumber', message: 'no label has this tracking number' }]);
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
  });

  it("refuses another carrier's events in this carrier's webhook and a tracking number of another carrier", async () => {
    const { trackingNumber } = await shipmentWithWorkflow();
    const foreign = await signed(JSON.stringify({ events: [scan(trackingNumber, { carrierCode: 'ecoroute' })] }));
    expect(expectErrorShape(foreign, 400, 'validation_failed').details?.[0]?.path).toBe('body.events.0.carrierCode');
    const orderId = await insertOrder(h.db);
    const eco = await insertShipment(h.db, orderId, { carrierCode: 'ecoroute' });
    expectErrorShape(await signed(JSON.stringify({ events: [scan(eco.trackingNumber)] })), 404, 'not_found');
  });

  it('acknowledges scans for a shipment whose workflow has finished without failing', async () => {
    const orderId = await insertOrder(h.db);
    const { trackingNumber } = await insertShipment(h.db, orderId);
    const response = await signed(JSON.stringify({ events: [scan(trackingNumber)] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 0, shipments: [] });
  });

  it('validates the body after the signature: malformed events are 400 with paths', async () => {
    const body = JSON.stringify({
      events: [{ carrierCode: 'swiftpost', eventId: '', trackingNumber: 'X', statusCode: 'IT', occurredAt: 'yesterday' }],
    });
    const error = expectErrorShape(await signed(body), 400, 'validation_failed');
    expect(error.details?.map((d) => d.path)).toEqual(['body.events.0.eventId', 'body.events.0.occurredAt']);
    expectErrorShape(await signed(JSON.stringify({ events: [] })), 400, 'validation_failed');
    expectErrorShape(await signed('{"events": ['), 400, 'invalid_json');
  });

  it('answers 404 for an unknown carrier, 415 for a non-JSON body, 413 for a huge one', async () => {
    const body = JSON.stringify({ events: [scan('X')] });
    const unknownCarrier = await h.app.inject({
      method: 'POST',
      url: '/carriers/nocarrier/webhooks',
      headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
      payload: body,
    });
    expectErrorShape(unknownCarrier, 404, 'not_found');
    expectErrorShape(await post('events=1', 'x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    expectErrorShape(
      await signed(JSON.stringify({ events: [scan('X', { detail: 'y'.repeat(h.config.bodyLimitBytes) })] })),
      413,
      'payload_too_large',
    );
  });

  it('accepts a carrier key for its own carrier alongside the signature', async () => {
    const { trackingNumber } = await shipmentWithWorkflow();
    const body = JSON.stringify({ events: [scan(trackingNumber)] });
    const response = await post(body, signPayload(body, WEBHOOK_SECRET, Date.now()), { 'x-api-key': KEYS.swiftpost.key });
    expect(response.statusCode).toBe(200);
    const noSignature = await post(body, undefined, { 'x-api-key': KEYS.swiftpost.key });
    expectErrorShape(noSignature, 401, 'invalid_signature');
  });
});
