import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierActivities } from '../../activities/carrier-booking';
import type { CarrierRegistry } from '../../activities/carriers/registry';
import { signPayload } from '../../activities/carriers/signature';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import type { CarrierApi, CarrierTrackingEvent } from '../../domain/carrier';
import { SCAN_CLOCK_SKEW_ALLOWANCE_MS } from '../../domain/scan-screening';
import { createHarness, KEYS, WEBHOOK_SECRET, type Harness } from './harness';
import { insertOrder, insertShipment, signalsReceived, startIdleWorkflow, uniqueId } from './fixtures';

/**
 * Carrier scans at the API's edge: a status code no mapping reads is stored and listed for ops, not
 * acknowledged and dropped; a scan dated beyond the clock-skew allowance is dated on receipt before
 * any workflow sees it; every stored scan shows in the order's timeline and on the customer's page.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const DAY_MS = 86_400_000;

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

function webhook(events: CarrierTrackingEvent[]) {
  const body = JSON.stringify({ events });
  return h.app.inject({
    method: 'POST',
    url: '/carriers/swiftpost/webhooks',
    headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
    payload: body,
  });
}

/** An order and its shipment in transit, with no order workflow (its reads come from the database) but a shipment workflow to signal. */
async function shipmentInTransit() {
  const orderId = await insertOrder(h.db);
  const shipment = await insertShipment(h.db, orderId);
  await startIdleWorkflow(h.client, `shipment-${shipment.shipmentId}`);
  return { orderId, ...shipment };
}

describe('a tracking number the carrier gave again', () => {
  it('is stored for the new parcel too, and its scans go to the parcel travelling under it, not the delivered one', async () => {
    // A delivered parcel of last year, and today's parcel the carrier numbered alike (recycled, or another carrier's).
    const trackingNumber = uniqueId('SP-RECYCLED');
    const earlier = await insertShipment(h.db, await insertOrder(h.db), { trackingNumber });
    await h.db.shipment.update({ where: { id: earlier.shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
    await h.db.label.update({ where: { id: `${earlier.shipmentId}-LBL1` }, data: { purchasedAt: new Date(Date.now() - 400 * DAY_MS) } });
    // Before: the second label's write failed (unique tracking number) on every retry, its shipment stuck in booking.
    const later = await insertShipment(h.db, await insertOrder(h.db), { trackingNumber });
    await startIdleWorkflow(h.client, `shipment-${later.shipmentId}`);
    await insertShipment(h.db, await insertOrder(h.db), { trackingNumber, carrierCode: 'parcelnord' });

    const hub = scan(trackingNumber);
    const response = await webhook([hub]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ received: 1, accepted: 1, shipments: [later.shipmentId] });
    expect(await signalsReceived(h.client, `shipment-${later.shipmentId}`, 'trackingEvents')).toEqual([
      { source: 'webhook', events: [hub], stored: true },
    ]);
    expect((await h.db.trackingEvent.findMany({ where: { carrierEventId: hub.eventId } })).map((row) => row.shipmentId)).toEqual([
      later.shipmentId,
    ]);
  });
});

describe('a status code no mapping reads', () => {
  it('is stored, acknowledged as unmapped, not signalled, and listed for ops by carrier and code', async () => {
    const { orderId, shipmentId, trackingNumber } = await shipmentInTransit();
    const code = `TELEPORTED_${uniqueId('X').slice(-6)}`;
    const unknown = scan(trackingNumber, { statusCode: code, detail: 'Parcel beamed to depot' });
    const known = scan(trackingNumber);
    const response = await webhook([unknown, known]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ received: 2, accepted: 1, duplicates: 0, unmapped: 1, redated: 0 });
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([
      { source: 'webhook', events: [known], stored: true },
    ]);
    // The readable scan is stored as a tracking row by the API, the unreadable one apart.
    expect((await h.db.trackingEvent.findMany({ where: { shipmentId } })).map((row) => row.carrierEventId)).toEqual([known.eventId]);

    const stored = await h.db.unmappedTrackingEvent.findMany({ where: { shipmentId } });
    expect(stored.map((row) => [row.carrierEventId, row.carrierStatusCode, row.source])).toEqual([[unknown.eventId, code, 'webhook']]);

    // The carrier retries the delivery: acknowledged as a duplicate, stored once.
    const retried = await webhook([unknown]);
    expect(retried.json()).toMatchObject({ received: 1, accepted: 0, duplicates: 1, duplicate: true, unmapped: 0 });
    expect(await h.db.unmappedTrackingEvent.count({ where: { shipmentId } })).toBe(1);

    const listed = await h.as(KEYS.ops, { method: 'GET', url: '/carriers/unmapped-statuses' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toContainEqual(
      expect.objectContaining({
        carrierCode: 'swiftpost',
        carrierStatusCode: code,
        scans: 1,
        shipments: 1,
        example: { shipmentId, orderId, detail: 'Parcel beamed to depot' },
      }),
    );
    expect((await h.as(KEYS.intake, { method: 'GET', url: '/carriers/unmapped-statuses' })).statusCode).toBe(403);
  });

  it('shows in the order timeline and, as a carrier update, on the customer page', async () => {
    const { orderId, trackingNumber } = await shipmentInTransit();
    expect((await webhook([scan(trackingNumber, { statusCode: 'ZZ-UNHEARD-OF', location: 'Quimper' })])).statusCode).toBe(200);
    const timeline = await h.as(KEYS.ops, { method: 'GET', url: `/orders/${orderId}/timeline` });
    expect(timeline.json().entries).toContainEqual(
      expect.objectContaining({ kind: 'tracking', label: 'carrier status ZZ-UNHEARD-OF (not understood yet)', location: 'Quimper' }),
    );
    const page = await h.app.inject({ method: 'GET', url: trackingPath(orderId, h.app.config.trackingSecret) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<strong>Carrier update</strong> · Quimper');
    expect(page.body).not.toContain('ZZ-UNHEARD-OF');
  });
});

describe('a scan dated before the year 1', () => {
  it('is a 400 naming its occurredAt, signals nothing and stores nothing (PostgreSQL cannot store it: was a 500)', async () => {
    const { shipmentId, trackingNumber } = await shipmentInTransit();
    for (const occurredAt of ['0000-06-01T00:00:00Z', '0001-01-01T00:00:00+23:59']) {
      for (const statusCode of ['IN_TRANSIT', 'TELEPORTED']) {
        const response = await webhook([scan(trackingNumber), scan(trackingNumber, { occurredAt, statusCode })]);
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json().error.details.map((d: { path: string }) => d.path)).toEqual(['body.events.1.occurredAt']);
      }
    }
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([]);
    expect(await h.db.trackingEvent.count({ where: { shipmentId } })).toBe(0);
    expect(await h.db.unmappedTrackingEvent.count({ where: { shipmentId } })).toBe(0);
  });
});

describe('a scan dated in the future', () => {
  it('beyond the clock-skew allowance is dated on receipt, saying what the carrier claimed', async () => {
    const { shipmentId, trackingNumber } = await shipmentInTransit();
    const claimed = new Date(Date.now() + 365 * DAY_MS).toISOString();
    const ahead = scan(trackingNumber, { occurredAt: claimed, detail: 'Arrived at depot' });
    const before = Date.now();
    const response = await webhook([ahead]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 1, redated: 1 });
    const [signal] = (await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')) as {
      events: CarrierTrackingEvent[];
    }[];
    const delivered = signal?.events[0];
    expect(delivered?.eventId).toBe(ahead.eventId);
    const at = Date.parse(delivered?.occurredAt ?? '');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(delivered?.detail).toBe(`Arrived at depot (dated on receipt: the carrier dated it ${claimed}, 365 days ahead of our clock)`);
  });

  it("a detail or place holding direction overrides is shown in the order it was written, on the ops timeline and the customer's page", async () => {
    const { orderId, shipmentId, trackingNumber } = await shipmentInTransit();
    const spoofed = scan(trackingNumber, { detail: 'Arrived at \u202Etoped\u202C hub', location: '\u2067noyL\u2069, FR' });
    expect((await webhook([spoofed])).json()).toMatchObject({ accepted: 1 });
    const [signal] = (await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')) as { events: CarrierTrackingEvent[] }[];
    expect(signal?.events[0]).toMatchObject({ eventId: spoofed.eventId, detail: 'Arrived at toped hub', location: 'noyL, FR' });
    const row = await h.db.trackingEvent.findFirstOrThrow({ where: { carrierEventId: spoofed.eventId } });
    expect([row.detail, row.location]).toEqual(['Arrived at toped hub', 'noyL, FR']);
    const page = await h.as(undefined, { method: 'GET', url: trackingPath(orderId, h.app.config.trackingSecret) });
    expect(page.body).toContain('noyL, FR');
    expect(page.body).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/u);
  });

  it('within the allowance keeps its own date', async () => {
    const { shipmentId, trackingNumber } = await shipmentInTransit();
    const claimed = new Date(Date.now() + SCAN_CLOCK_SKEW_ALLOWANCE_MS - 30_000).toISOString();
    const slightlyAhead = scan(trackingNumber, { occurredAt: claimed });
    expect((await webhook([slightlyAhead])).json()).toMatchObject({ accepted: 1, redated: 0 });
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'trackingEvents')).toEqual([
      { source: 'webhook', events: [slightlyAhead], stored: true },
    ]);
    const row = await h.db.trackingEvent.findFirstOrThrow({ where: { carrierEventId: slightlyAhead.eventId } });
    expect(row.occurredAt.toISOString()).toBe(claimed);
  });
});

/** A delivered order whose goods are on their way back: a return parcel with a swiftpost label, its workflow idle. */
async function returnParcelInTransit() {
  const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
  await insertShipment(h.db, orderId);
  const returnId = `RMA-${uniqueId('R').replace(/[^A-Z0-9]/g, '')}`;
  const trackingNumber = `SP-RET-${returnId.slice(4)}`;
  await h.db.return.create({
    data: {
      id: returnId,
      orderId,
      idempotencyKey: `scans:${returnId}`,
      requestHash: 'h',
      channel: 'shop',
      requestedBy: KEYS.intake.name,
      reason: 'defective',
      status: 'in_transit',
      warehouseCode: 'PAR1',
      workflowId: `return-${returnId}`,
      startedAt: new Date(),
      carrierCode: 'swiftpost',
      trackingNumber,
      currency: 'EUR',
      lines: { create: [{ lineNo: 1, orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1, unitPriceCents: 1290 }] },
    },
  });
  await startIdleWorkflow(h.client, `return-${returnId}`);
  return { orderId, returnId, trackingNumber };
}

describe('a return parcel', () => {
  it("the webhook's unreadable code is stored against the return and listed for ops; the readable scans reach the return's workflow, dated within the allowance", async () => {
    const { orderId, returnId, trackingNumber } = await returnParcelInTransit();
    const code = `SWAPPED_${uniqueId('X').slice(-6)}`;
    const unknown = scan(trackingNumber, { statusCode: code, detail: 'Handed to a neighbour' });
    const ahead = scan(trackingNumber, { occurredAt: new Date(Date.now() + 30 * DAY_MS).toISOString() });
    const response = await webhook([unknown, ahead]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ received: 2, accepted: 1, duplicates: 0, unmapped: 1, redated: 1 });
    const [signal] = (await signalsReceived(h.client, `return-${returnId}`, 'returnScans')) as { events: CarrierTrackingEvent[] }[];
    expect(signal?.events.map((e) => e.eventId)).toEqual([ahead.eventId]);
    expect(Date.parse(signal?.events[0]?.occurredAt ?? '')).toBeLessThanOrEqual(Date.now());

    const stored = await h.db.unmappedTrackingEvent.findMany({ where: { returnId } });
    expect(stored.map((row) => [row.carrierEventId, row.carrierStatusCode, row.shipmentId])).toEqual([[unknown.eventId, code, null]]);
    const listed = (await h.as(KEYS.ops, { method: 'GET', url: '/carriers/unmapped-statuses' })).json().items;
    expect(listed).toContainEqual(
      expect.objectContaining({ carrierStatusCode: code, scans: 1, example: { returnId, orderId, detail: 'Handed to a neighbour' } }),
    );
  });

  it("a poll's unreadable code is stored against the return, not handed to its workflow, and a scan a year ahead is dated on receipt", async () => {
    const { returnId, trackingNumber } = await returnParcelInTransit();
    const code = `LOST_IN_SPACE_${uniqueId('X').slice(-6)}`;
    const unknown = scan(trackingNumber, { statusCode: code });
    const ahead = scan(trackingNumber, { occurredAt: new Date(Date.now() + 365 * DAY_MS).toISOString() });
    // The carrier's answer to a poll, as it would send it: the one part of this test that is not ours.
    const carrier: Pick<CarrierApi, 'track'> = { track: async () => [unknown, ahead] };
    const carriers = { get: () => carrier } as unknown as CarrierRegistry;
    const polled = await createCarrierActivities({ db: h.db, carriers }).pollTracking({ carrierCode: 'swiftpost', trackingNumber });
    expect(polled.map((e) => e.eventId)).toEqual([ahead.eventId]);
    expect(Date.parse(polled[0]?.occurredAt ?? '')).toBeLessThanOrEqual(Date.now());
    expect(polled[0]?.detail).toMatch(/dated on receipt/);
    const stored = await h.db.unmappedTrackingEvent.findMany({ where: { returnId } });
    expect(stored.map((row) => [row.carrierEventId, row.source])).toEqual([[unknown.eventId, 'poll']]);
  });
});
