import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { until } from '../workflows/steps';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * ShipEngine pushes scans, so its parcels are not polled every few hours like a carrier without
 * webhooks; but a parcel whose webhooks stop (or never come) is polled once half its stall window
 * passes without a scan (COLIS_SHIPENGINE_POLL_FRACTION), not only at the stall itself. Its own file:
 * Prism answers every purchase with the same label, so one journey books one ShipEngine label.
 */

const SE_ID = 'se-28529731';
let mock: PrismMock;
let journey: Journey;

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
    // Polls learn nothing: the parcel stays quiet.
    { method: 'GET', path: /^\/v1\/tracking$/, prefer: 'code=404' },
  ]);
  journey = await startJourney({
    shipEngine: {
      apiUrl: mock.url,
      apiKey: 'TEST_journey-key-0123456789',
      timeoutMs: 30_000,
      carriers: { swiftpost: SE_ID, parcelnord: SE_ID, ecoroute: SE_ID },
      warehouses: Object.fromEntries(WAREHOUSES.map((w) => [w.code, SE_ID])),
      fetch: mock.fetch,
    },
  });
});

afterAll(async () => {
  await journey?.teardown();
  await mock?.stop();
});

describe('polling a ShipEngine parcel whose webhooks do not come', () => {
  it('a parcel whose webhooks never come is polled at half its stall window, before it could be called stuck', async () => {
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
    const labelledAtMs = await journey.env.currentTimeMs();
    const pollsBefore = mock.exchanges.filter((e) => e.method === 'GET' && e.path === '/v1/tracking').length;
    await until(
      journey,
      'a tracking poll',
      async () => mock.exchanges.filter((e) => e.method === 'GET' && e.path === '/v1/tracking').length,
      (polls) => polls > pollsBefore,
      { stepMs: HOUR_MS, maxBusinessMs: 60 * HOUR_MS },
    );
    const elapsedHours = ((await journey.env.currentTimeMs()) - labelledAtMs) / HOUR_MS;
    // Standard service: a 48 h stall window. Without the safety-net poll, the first one comes with the stall, at 48 h.
    expect(elapsedHours).toBeGreaterThan(20);
    expect(elapsedHours).toBeLessThan(36);
    await handle.terminate('test over');
  });
});
