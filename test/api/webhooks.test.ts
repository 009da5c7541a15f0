import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../activities/carriers/signature';
import { buildApp } from '../../api/app';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { capturedLogs, createHarness, expectErrorShape, KEYS, WEBHOOK_SECRET, type Harness } from './harness';
import { insertLabel, insertOrder, insertShipment, signalsReceived, startIdleWorkflow, uniqueId } from './fixtures';

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

const storedScans = (shipmentId: string) => h.db.trackingEvent.findMany({ where: { shipmentId }, orderBy: { occurredAt: 'asc' } });

/** The API as it runs while Temporal cannot be reached: every signal fails after the scans are stored (`afterMs` later). */
async function appWithFailingSignals(afterMs = 0) {
  const temporalClient = new Client({
    connection: h.client.connection,
    namespace: h.client.options.namespace,
    dataConverter: h.client.options.dataConverter,
    interceptors: {
      workflow: [
        {
          async signal() {
            await new Promise((resolve) => setTimeout(resolve, afterMs));
            throw new Error('Temporal unreachable (connection reset)');
          },
        },
      ],
    },
  });
  return buildApp({ db: h.db, temporalClient, config: h.config, logStream: capturedLogs().stream });
}

async function shipmentWithWorkflow() {
  const orderId = await insertOrder(h.db);
  const shipment = await insertShipment(h.db, orderId);
  await startIdleWorkflow(h.client, `shipment-${shipment.shipmentId}`);
  return shipment;
}

describe('carrier webhooks', () => {
  it('accepts a signed delivery, stores its scans and signals them to the shipment workflow as stored', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const at = Date.now();
    // One status throughout, as most carrier webhooks are: the van loaded, then on its round.
    const events = [
      scan(trackingNumber, {
        statusCode: 'OUT_FOR_DELIVERY',
        detail: 'Loaded on the van',
        occurredAt: new Date(at - 60_000).toISOString(),
      }),
      scan(trackingNumber, { statusCode: 'OUT_FOR_DELIVERY', detail: 'On its round', occurredAt: new Date(at).toISOString() }),
    ];
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
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([
      { source: 'webhook', events, stored: true },
    ]);
    const rows = await storedScans(shipmentId);
    expect(rows.map((row) => [row.carrierEventId, row.status, row.source, row.signalledAt !== null])).toEqual([
      [events[0]?.eventId, 'out_for_delivery', 'webhook', true],
      [events[1]?.eventId, 'out_for_delivery', 'webhook', true],
    ]);
    // Newest scan's time, but the status stays the workflow's to write.
    const shipment = await h.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(shipment.lastScanAt?.toISOString()).toBe(events[1]?.occurredAt);
    expect(shipment.status).toBe('in_transit');
  });

  it('leaves a batch of several statuses to the workflow, whose write tells the shop each change: signalled unmarked, nothing stored here', async () => {
    const at = Date.now();
    const batches = (trackingNumber: string) => ({
      // Held and released in one delivery: the parcel ends where it was, so only the workflow's write tells the exception.
      roundTrip: [
        scan(trackingNumber, { statusCode: 'ERROR', detail: 'Held at customs', occurredAt: new Date(at - 120_000).toISOString() }),
        scan(trackingNumber, { detail: 'Released by customs', occurredAt: new Date(at - 60_000).toISOString() }),
      ],
      onward: [
        scan(trackingNumber, { occurredAt: new Date(at - 60_000).toISOString() }),
        scan(trackingNumber, { statusCode: 'OUT_FOR_DELIVERY' }),
      ],
    });
    for (const kind of ['roundTrip', 'onward'] as const) {
      const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
      const events = batches(trackingNumber)[kind];
      expect((await signed(JSON.stringify({ events }))).json()).toMatchObject({ accepted: 2, shipments: [shipmentId] });
      expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([{ source: 'webhook', events }]);
      expect(await storedScans(shipmentId)).toEqual([]);
    }
  });

  it('a scan stored whose signal failed is not a duplicate: the carrier retry signals it, once, and a third delivery changes nothing', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const body = JSON.stringify({ events: [scan(trackingNumber)] });
    const unreachable = await appWithFailingSignals();
    try {
      const failed = await unreachable.inject({
        method: 'POST',
        url: URL,
        headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
        payload: body,
      });
      expect(failed.statusCode).toBeGreaterThanOrEqual(500);
    } finally {
      await unreachable.close();
    }
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
    expect((await storedScans(shipmentId)).map((row) => row.signalledAt)).toEqual([null]);

    const retried = await signed(body);
    expect(retried.json()).toMatchObject({ accepted: 1, duplicates: 0, shipments: [shipmentId] });
    const [signal] = (await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')) as { stored?: boolean }[];
    expect(signal?.stored).toBe(true);
    const rows = await storedScans(shipmentId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.signalledAt).not.toBeNull();

    const again = await signed(body);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1, duplicate: true, shipments: [] });
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toHaveLength(1);
    expect(await storedScans(shipmentId)).toHaveLength(1);
  });

  it('counts a scan accepted in one answer only when a carrier posts the same webhook 20 times at once: one signal, one row', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const body = JSON.stringify({ events: [scan(trackingNumber)] });
    const answers = await Promise.all(Array.from({ length: 20 }, () => signed(body)));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(200));
    const acks = answers.map(
      (answer) => answer.json() as { accepted: number; duplicates: number; duplicate: boolean; shipments: string[] },
    );
    const first = acks.filter((ack) => ack.accepted === 1);
    expect(first).toEqual([
      { received: 1, accepted: 1, duplicates: 0, duplicate: false, shipments: [shipmentId], unmapped: 0, redated: 0 },
    ]);
    expect(acks.filter((ack) => ack.accepted === 0 && ack.duplicates === 1 && ack.duplicate && ack.shipments.length === 0)).toHaveLength(
      19,
    );
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toHaveLength(1);
    const rows = await storedScans(shipmentId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.signalledAt).not.toBeNull();
  });

  it('a copy posted while another signals the scan waits for it: that one failing (5xx), this one signals the scan and counts it', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const body = JSON.stringify({ events: [scan(trackingNumber)] });
    const unreachable = await appWithFailingSignals(400);
    try {
      const failing = unreachable.inject({
        method: 'POST',
        url: URL,
        headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
        payload: body,
      });
      await expect.poll(async () => (await storedScans(shipmentId))[0]?.claimedAt ?? null, { interval: 10 }).not.toBeNull();
      const retried = signed(body);
      expect((await failing).statusCode).toBeGreaterThanOrEqual(500);
      expect((await retried).json()).toMatchObject({ accepted: 1, duplicates: 0, duplicate: false, shipments: [shipmentId] });
    } finally {
      await unreachable.close();
    }
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toHaveLength(1);
    const rows = await storedScans(shipmentId);
    expect(rows.map((row) => [row.signalledAt !== null, row.claimedAt, row.claimToken])).toEqual([[true, null, null]]);
  });

  it("a claim left by a copy whose API died holds the scan only for its lease: the carrier's retry waits it out and signals", async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const event = scan(trackingNumber);
    const leaseMs = h.config.workflowCallTimeoutMs + 5_000;
    await h.db.trackingEvent.create({
      data: {
        id: `swiftpost:${event.eventId}`,
        shipmentId,
        carrierCode: 'swiftpost',
        carrierEventId: event.eventId,
        trackingNumber,
        carrierStatusCode: 'IN_TRANSIT',
        status: 'in_transit',
        occurredAt: new Date(event.occurredAt),
        source: 'webhook',
        claimedAt: new Date(Date.now() - leaseMs + 600),
        claimToken: 'a-copy-whose-api-died',
      },
    });
    const postedAt = Date.now();
    const retried = await signed(JSON.stringify({ events: [event] }));
    expect(Date.now() - postedAt).toBeGreaterThanOrEqual(500);
    expect(retried.json()).toMatchObject({ accepted: 1, duplicates: 0, shipments: [shipmentId] });
    const signals = (await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')) as { stored?: boolean }[];
    expect(signals.map((signal) => signal.stored)).toEqual([true]);
    expect((await storedScans(shipmentId))[0]?.signalledAt).not.toBeNull();
  });

  it("leaves a voided label's scans and an ended shipment's to the workflow: signalled unmarked, nothing stored here", async () => {
    const { shipmentId } = await shipmentWithWorkflow();
    const voided = uniqueId('SP');
    await insertLabel(h.db, shipmentId, { attempt: 0, trackingNumber: voided, status: 'voided' });
    const response = await signed(JSON.stringify({ events: [scan(voided)] }));
    expect(response.json()).toMatchObject({ accepted: 1, shipments: [shipmentId] });

    const ended = await shipmentWithWorkflow();
    await h.db.shipment.update({ where: { id: ended.shipmentId }, data: { status: 'delivered' } });
    expect((await signed(JSON.stringify({ events: [scan(ended.trackingNumber)] }))).json()).toMatchObject({ accepted: 1 });

    // Voided for a re-booking (an address change), before the shipment's row names the new label.
    const rebooking = await shipmentWithWorkflow();
    await h.db.label.updateMany({ where: { shipmentId: rebooking.shipmentId }, data: { status: 'voided', voidedAt: new Date() } });
    expect((await signed(JSON.stringify({ events: [scan(rebooking.trackingNumber)] }))).json()).toMatchObject({ accepted: 1 });

    for (const id of [shipmentId, ended.shipmentId, rebooking.shipmentId]) {
      const signals = (await signalsReceived(h.client, `shipment-${id}`, 'trackingEvents')) as { stored?: boolean }[];
      expect(signals).toHaveLength(1);
      expect(signals[0]?.stored).toBeUndefined();
      expect(await storedScans(id)).toEqual([]);
    }
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
    // Signed an hour ahead: a sender's clock, not a replay; the header at fault is named.
    const ahead = expectErrorShape(await signed(body, WEBHOOK_SECRET, Date.now() + 3_600_000), 401, 'invalid_signature');
    expect(ahead.message).toBe("the signature's timestamp is more than 300 s ahead of our clock (check the sender's clock)");
    expect(ahead.details).toEqual([{ path: 'headers.colis-signature', message: ahead.message }]);
    expectErrorShape(await post(body, undefined), 401, 'invalid_signature');
    expectErrorShape(await post(body, 't=abc,v1=zz'), 401, 'invalid_signature');
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
  });

  it('acknowledges a replayed event (already recorded by the workflow) with 200 and signals nothing', async () => {
    const { shipmentId, trackingNumber } = await shipmentWithWorkflow();
    const event = scan(trackingNumber);
    await h.db.trackingEvent.create({
      data: {
        signalledAt: new Date(),
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
