import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { KEYS, newKey, journeyApi } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { until } from '../workflows/steps';
import { returnScansSignal } from '../../workflows/returns/definitions';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * A return parcel booked through ShipEngine is tracked as its outbound parcel was: ShipEngine pushes
 * scans (the return label is registered for its track webhook), and a parcel whose webhooks do not
 * come is polled once COLIS_SHIPENGINE_POLL_FRACTION of the return's stall window passes without a
 * scan — not every 4 hours like a carrier without webhooks, nor only after the 36-hour safety net
 * (workflows/returns/following.ts polls again at the stall itself before calling it stuck). The fraction is set to 0.25 here so
 * the poll (18 h into a 72 h window) can only come from it. Its own file: Prism answers every
 * purchase with the same label, so one journey books one outbound label and one return label.
 */

const SE_ID = 'se-28529731';
const FRACTION = 0.3;
let mock: PrismMock;
let journey: Journey;
let app: FastifyInstance;

const trackingPolls = () => mock.exchanges.filter((e) => e.method === 'GET' && e.path === '/v1/tracking').length;

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
  ]);
  journey = await startJourney({
    shipEngine: {
      apiUrl: mock.url,
      apiKey: 'TEST_journey-key-0123456789',
      timeoutMs: 30_000,
      pollStallFraction: FRACTION,
      carriers: { swiftpost: SE_ID, parcelnord: SE_ID, ecoroute: SE_ID },
      warehouses: Object.fromEntries(WAREHOUSES.map((w) => [w.code, SE_ID])),
      fetch: mock.fetch,
    },
  });
  app = await journeyApi(journey, { workflowCallTimeoutMs: 20_000, intakeStartWaitMs: 30_000 });
});

afterAll(async () => {
  await app?.close();
  await journey?.teardown();
  await mock?.stop();
});

describe('polling a ShipEngine return parcel whose webhooks do not come', () => {
  it('the return parcel is polled at the configured fraction of its stall window, counted from its newest scan, and once more at the stall before it is called stuck', async () => {
    const handle = await journey.placeOrder({ shipTo: SHIPENGINE_RECIPIENT, lines: [{ sku: 'MUG-CER-350', quantity: 1 }] });
    await handle.result();
    const orderId = handle.workflowId.replace(/^order-/, '');
    const db = journey.database.db;
    // Prism's documented delivery is years old: the return window is measured from our clock instead.
    await db.shipment.updateMany({ where: { orderId }, data: { deliveredAt: new Date(await journey.env.currentTimeMs()) } });
    // From here the parcel is quiet: polls learn nothing.
    mock.steer([
      { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
      { method: 'GET', path: /^\/v1\/tracking$/, prefer: 'code=404' },
    ]);

    const started = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/returns`,
      headers: { 'x-api-key': KEYS.ops.key, 'idempotency-key': newKey('se-return') },
      payload: { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'no_longer_needed' },
    });
    expect(started.statusCode, started.body).toBe(202);
    const returnId = started.json().returnId as string;
    await until(
      journey,
      'the ShipEngine return label bought',
      () => db.return.findUniqueOrThrow({ where: { id: returnId } }),
      (row) => row.trackingNumber !== null,
      { stepMs: HOUR_MS / 4 },
    );
    expect(mock.exchanges.filter((e) => e.method === 'POST' && /^\/v1\/labels\/[^/]+\/return$/.test(e.path)).length).toBeLessThanOrEqual(1);
    const labelledAtMs = await journey.env.currentTimeMs();
    const pollsBefore = trackingPolls();

    const pollAfter = async (polls: number, maxHours: number) => {
      await until(
        journey,
        `tracking poll #${polls + 1}`,
        async () => trackingPolls(),
        (n) => n > polls,
        {
          stepMs: HOUR_MS,
          maxBusinessMs: maxHours * HOUR_MS,
        },
      );
      return ((await journey.env.currentTimeMs()) - labelledAtMs) / HOUR_MS;
    };
    const firstPollHours = await pollAfter(pollsBefore, 60);
    // 0.3 × 72 h = 21.6 h: a carrier without webhooks would have been polled after 4 h, the old safety net after 36 h.
    expect(firstPollHours).toBeGreaterThan(12);
    expect(firstPollHours).toBeLessThan(30);
    const secondPollHours = await pollAfter(trackingPolls(), 60);
    expect(secondPollHours - firstPollHours).toBeGreaterThan(12);
    expect(secondPollHours - firstPollHours).toBeLessThan(30);

    // The customer drops the parcel off: a scan by webhook (as the API signals it), then silence.
    const row = await db.return.findUniqueOrThrow({ where: { id: returnId } });
    const returnHandle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    const scannedAtMs = await journey.env.currentTimeMs();
    await returnHandle.signal(returnScansSignal, {
      source: 'webhook',
      events: [
        {
          carrierCode: row.carrierCode ?? 'ecoroute',
          vocabulary: 'shipengine',
          eventId: `${row.trackingNumber}:IT:dropped-off`,
          trackingNumber: row.trackingNumber ?? '',
          statusCode: 'IT',
          occurredAt: new Date(scannedAtMs).toISOString(),
        },
      ],
    });
    await until(
      journey,
      'the return in transit',
      () => db.return.findUniqueOrThrow({ where: { id: returnId } }),
      (r) => r.status === 'in_transit',
      {
        stepMs: HOUR_MS / 4,
      },
    );
    // Hour by hour until the stall opens return_stuck: when each poll came, counted from the scan.
    const pollHours: number[] = [];
    let polls = trackingPolls();
    // (The read's value is what `until` compares between reads to see the state still: never the clock.)
    let stuckHours = Number.NaN;
    await until(
      journey,
      'return_stuck opened',
      async () => {
        const hours = ((await journey.env.currentTimeMs()) - scannedAtMs) / HOUR_MS;
        if (trackingPolls() > polls) pollHours.push(hours);
        polls = trackingPolls();
        const escalation = await db.escalation.findFirst({ where: { returnId, reason: 'return_stuck' }, select: { id: true } });
        if (escalation && Number.isNaN(stuckHours)) stuckHours = hours;
        return { escalation, polls };
      },
      (seen) => seen.escalation !== null,
      { stepMs: HOUR_MS, maxBusinessMs: 100 * HOUR_MS },
    );
    expect(stuckHours).toBeGreaterThanOrEqual(72);
    expect(stuckHours).toBeLessThan(74);
    // Polls at 21.6, 43.2 and 64.8 h after the scan, then the one at the stall (72 h) before the escalation.
    expect(pollHours.filter((h) => h < 70).length).toBe(3);
    expect(pollHours.some((h) => h >= 71.9 && h <= stuckHours + 1)).toBe(true);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
    await returnHandle.terminate('test over');
  });
});
