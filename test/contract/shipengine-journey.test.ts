import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderView } from '../../domain/journey';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';

/**
 * An order ships end to end through the ShipEngine adapter: every worker on Temporal's
 * time-skipping server, every carrier code booked through ShipEngine, ShipEngine played by Prism
 * serving its own definition. The parcel is rated, its label bought from a rate, and its delivery
 * learnt by polling, all with requests the definition accepts.
 */

const SE_ID = 'se-28529731';
let mock: PrismMock;
let journey: Journey;

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  // The mock documents a label and a shipment under any external id; a fresh key has none: ask for the documented 404.
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
  ]);
  const carriers = { swiftpost: SE_ID, parcelnord: SE_ID, ecoroute: SE_ID };
  journey = await startJourney({
    shipEngine: {
      apiUrl: mock.url,
      apiKey: 'TEST_journey-key-0123456789',
      timeoutMs: 30_000,
      carriers,
      warehouses: Object.fromEntries(WAREHOUSES.map((w) => [w.code, SE_ID])),
      fetch: mock.fetch,
    },
  });
});

afterAll(async () => {
  await journey?.teardown();
  await mock?.stop();
});

describe('an order shipped through ShipEngine (Prism)', () => {
  it('is rated, labelled once from a rate, polled to delivered, and every request conforms to the definition', async () => {
    const handle = await journey.placeOrder({
      shipTo: {
        name: 'Camille Martin',
        line1: '12 rue de la République',
        city: 'Lyon',
        region: 'Auvergne-Rhône-Alpes',
        postalCode: '69002',
        countryCode: 'FR',
        phone: '+33 4 72 00 00 00',
      },
      lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
    });
    const outcome = (await handle.result()) as unknown as OrderView;
    expect(outcome.stage).toBe('completed');

    const orderId = handle.workflowId.replace(/^order-/, '');
    const labels = await journey.database.db.label.findMany({ where: { shipment: { orderId } } });
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({ carrierLabelId: SE_ID, currency: 'USD', status: 'purchased' });
    const events = await journey.database.db.trackingEvent.findMany({ where: { shipmentId: labels[0]?.shipmentId } });
    expect(events.map((e) => [e.carrierStatusCode, e.status, e.source])).toContainEqual(['DE', 'delivered', 'poll']);

    const sent = mock.exchanges.map((e) => `${e.method} ${e.path}`);
    expect(sent).toContain('POST /v1/rates');
    expect(sent.filter((call) => call.startsWith('POST /v1/labels/rates/'))).toHaveLength(1);
    expect(sent).toContain('GET /v1/tracking');
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });
});
