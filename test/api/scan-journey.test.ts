import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../activities/carriers/signature';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { DAY_MS, HOUR_MS } from '../../domain/clock';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { startJourney, type Journey } from '../support/journey';
import { firstShipmentId, orderIdOf, recipient, shipmentView, until, untilEscalation, untilShipmentStage } from '../workflows/steps';
import { KEYS, journeyApi } from './harness';

/**
 * Carrier scans through the real API into a real shipment workflow (time-skipping server): a scan
 * whose scanner's clock runs a year ahead is dated on receipt, so it can neither silence stall
 * detection nor hide; a code no mapping reads is stored for ops; the order's timeline, read from
 * the running workflow, shows every stored scan.
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

function webhook(carrier: string, events: CarrierTrackingEvent[]) {
  const body = JSON.stringify({ events });
  const secret = app.config.webhookSecretFor(carrier) ?? '';
  return app.inject({
    method: 'POST',
    url: `/carriers/${carrier}/webhooks`,
    headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, secret, Date.now()) },
    payload: body,
  });
}

describe('carrier scans from the API to the shipment workflow', () => {
  it('a scan dated a year ahead is dated on receipt: stall detection still escalates, and every stored scan is in the timeline', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:stall]') });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const travelling = await untilShipmentStage(journey, shipmentId, ['in_transit'], { stepMs: 2 * HOUR_MS });
    const carrier = travelling.carrierCode as SimulatedCarrierCode;
    const trackingNumber = travelling.trackingNumber ?? '';
    const serverNow = await journey.env.currentTimeMs();

    const ahead: CarrierTrackingEvent = {
      carrierCode: carrier,
      eventId: `ahead-${shipmentId}`,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES[carrier].in_transit,
      detail: 'Sorted',
      // A year ahead of the API's own (wall) clock, which dates it: the time-skipping server's lead on the wall
      // clock (hours, more under load) would otherwise round into the days the note counts.
      occurredAt: new Date(Date.now() + 365 * DAY_MS).toISOString(),
    };
    const unmapped: CarrierTrackingEvent = {
      carrierCode: carrier,
      eventId: `unmapped-${shipmentId}`,
      trackingNumber,
      statusCode: 'HOVERING',
      location: 'Brest',
      // The API dates on its own (wall) clock, which the time-skipping server has left behind.
      occurredAt: new Date(Date.now() - HOUR_MS).toISOString(),
    };
    const response = await webhook(carrier, [ahead, unmapped]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 1, unmapped: 1, redated: 1 });

    const db = journey.database.db;
    const stored = await until(
      journey,
      'the redated scan stored by the workflow',
      () => db.trackingEvent.findFirst({ where: { carrierEventId: ahead.eventId } }),
      (row) => row !== null,
      { stepMs: 60_000 },
    );
    expect(stored?.occurredAt.getTime()).toBeLessThan(serverNow + DAY_MS);
    expect(stored?.detail).toMatch(/^Sorted \(dated on receipt: the carrier dated it .*, 365 days ahead of our clock\)$/);
    const shipment = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(shipment.lastScanAt?.getTime()).toBeLessThan(serverNow + DAY_MS);

    // Read while the workflows run: the scans come from the database, every one of them.
    const timeline = await app.inject({ method: 'GET', url: `/orders/${orderId}/timeline`, headers: { 'x-api-key': KEYS.ops.key } });
    expect(timeline.json().source).toBe('workflow');
    const scans = (timeline.json().entries as { kind: string; label: string; detail?: string; shipmentId?: string }[]).filter(
      (e) => e.kind === 'tracking',
    );
    const storedScans = await db.trackingEvent.count({ where: { shipmentId } });
    expect(scans).toHaveLength(storedScans + 1);
    expect(scans).toContainEqual(expect.objectContaining({ label: 'carrier status HOVERING (not understood yet)', shipmentId }));
    expect(scans.some((e) => e.detail?.includes('dated on receipt'))).toBe(true);

    // The parcel stays quiet: the stall window still runs out and ops are told.
    const opened = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
    expect(opened.shipmentId).toBe(shipmentId);
    expect((await shipmentView(journey, shipmentId)).escalations.map((e) => e.reason)).toContain('stuck');
  });

  it('a scan that moves nothing, through the API: stored by the API, no write of the workflow, shown and counted as before; a status still written by the workflow', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Grace Hopper [scenario:stall]') });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const travelling = await untilShipmentStage(journey, shipmentId, ['in_transit'], { stepMs: 2 * HOUR_MS });
    const carrier = travelling.carrierCode as SimulatedCarrierCode;
    const trackingNumber = travelling.trackingNumber ?? '';
    const db = journey.database.db;
    const scan = (id: string, status: 'in_transit' | 'out_for_delivery', detail: string): CarrierTrackingEvent => ({
      carrierCode: carrier,
      eventId: `${id}-${shipmentId}`,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES[carrier][status],
      detail,
      location: 'Hub Nord',
      occurredAt: new Date(Date.now() - HOUR_MS).toISOString(),
    });
    const writesBefore = await localActivityTasks(shipmentId);

    const hub = scan('hub', 'in_transit', 'Arrived at sorting hub');
    expect((await webhook(carrier, [hub])).json()).toMatchObject({ accepted: 1, shipments: [shipmentId] });
    await until(
      journey,
      'the hub scan in the shipment view',
      () => shipmentView(journey, shipmentId),
      (view) => view.timeline.some((e) => e.detail === hub.detail),
      { stepMs: 60_000 },
    );
    expect(await localActivityTasks(shipmentId)).toBe(writesBefore);
    const row = await db.trackingEvent.findFirstOrThrow({ where: { carrierEventId: hub.eventId } });
    expect(row).toMatchObject({ shipmentId, status: 'in_transit', source: 'webhook', location: 'Hub Nord' });
    expect(row.signalledAt).not.toBeNull();
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('in_transit');
    // Delivered again by the carrier: acknowledged, neither stored nor heard twice.
    expect((await webhook(carrier, [hub])).json()).toMatchObject({ accepted: 0, duplicate: true });
    expect(await db.trackingEvent.count({ where: { carrierEventId: hub.eventId } })).toBe(1);

    const timeline = await app.inject({ method: 'GET', url: `/orders/${orderId}/timeline`, headers: { 'x-api-key': KEYS.ops.key } });
    expect(timeline.json().entries).toContainEqual(expect.objectContaining({ kind: 'tracking', detail: hub.detail, shipmentId }));
    // Still a parcel whose carrier went quiet: the stall window runs from the newest scan, as before.
    await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });

    const out = scan('out', 'out_for_delivery', 'Out for delivery');
    expect((await webhook(carrier, [out])).json()).toMatchObject({ accepted: 1 });
    await untilShipmentStage(journey, shipmentId, ['out_for_delivery'], { stepMs: 60_000 });
    const stored = await until(
      journey,
      'out for delivery written by the workflow',
      () => db.shipment.findUniqueOrThrow({ where: { id: shipmentId } }),
      (shipment) => shipment.status === 'out_for_delivery',
      { stepMs: 60_000 },
    );
    expect(stored.status).toBe('out_for_delivery');
  });
});

/** Local-activity tasks of a shipment's workflow so far: its writes of scans, statuses and stage visits. */
async function localActivityTasks(shipmentId: string): Promise<number> {
  const history = await journey.env.client.workflow.getHandle(`shipment-${shipmentId}`).fetchHistory();
  const tasks = new Set<number>();
  let task = 0;
  for (const event of history.events ?? []) {
    if (event.workflowTaskCompletedEventAttributes) task += 1;
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') tasks.add(task);
  }
  return tasks.size;
}
