import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCarrierActivities } from '../../activities/carrier-booking';
import { shipEngineWiring } from '../../carriers/wiring';
import { loadConfig } from '../../config';
import type { OrderView } from '../../domain/journey';
import { convertMinor } from '../../domain/money';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * An order ships end to end through the ShipEngine adapter, configured by the operator's variables: every worker on Temporal's
 * time-skipping server, every carrier code booked through ShipEngine, ShipEngine played by Prism
 * serving its own definition. The parcel is rated, its label bought from a rate, and its delivery
 * learnt by polling, all with requests the definition accepts.
 */

const SE_ID = 'se-28529731';
const USD_EUR = 0.92;
let mock: PrismMock;
let journey: Journey;

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  // The mock documents a label and a shipment under any external id; a fresh key has none: ask for the documented 404.
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
  ]);
  // Configured as an operator does (README, "Shipping real parcels through ShipEngine"): the key, the
  // carriers and the warehouses; the API URL only because ShipEngine is played by Prism here.
  const config = loadConfig({
    COLIS_SHIPENGINE_API_KEY: 'TEST_journey-key-0123456789',
    COLIS_SHIPENGINE_CARRIERS: `${SE_ID}=swiftpost,${SE_ID}=parcelnord,${SE_ID}=ecoroute`,
    COLIS_SHIPENGINE_WAREHOUSES: WAREHOUSES.map((w) => `${w.code}=${SE_ID}`).join(','),
    COLIS_SHIPENGINE_API_URL: mock.url,
    COLIS_FX_RATES: `USD:EUR=${USD_EUR}`,
  });
  const wiring = shipEngineWiring(config);
  if (!wiring || !config.COLIS_FX_RATES) throw new Error('the ShipEngine variables did not configure ShipEngine');
  journey = await startJourney({ shipEngine: { ...wiring, fetch: mock.fetch }, fxRates: config.COLIS_FX_RATES });
});

afterAll(async () => {
  await journey?.teardown();
  await mock?.stop();
});

describe('an order shipped through ShipEngine (Prism)', () => {
  it('is rated, labelled once from a rate, polled to delivered, and every request conforms to the definition', async () => {
    const handle = await journey.placeOrder({
      shipTo: SHIPENGINE_RECIPIENT,
      lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
    });
    const outcome = (await handle.result()) as unknown as OrderView;
    expect(outcome.stage).toBe('completed');

    const orderId = handle.workflowId.replace(/^order-/, '');
    const labels = await journey.database.db.label.findMany({ where: { shipment: { orderId } } });
    expect(labels).toHaveLength(1);
    const label = labels[0];
    if (!label) throw new Error('no label');
    expect(label).toMatchObject({ carrierLabelId: SE_ID, currency: 'USD', status: 'purchased' });
    // Charged in USD, counted in the order's EUR at COLIS_FX_RATES.
    expect(label.costCents).toBe(convertMinor(label.amountCents, 'USD', 'EUR', { 'USD:EUR': USD_EUR }));
    const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: label.shipmentId } });
    expect(shipment.shippingCostCents).toBe(label.costCents);
    const events = await journey.database.db.trackingEvent.findMany({ where: { shipmentId: labels[0]?.shipmentId } });
    expect(events.map((e) => [e.carrierStatusCode, e.status, e.source])).toContainEqual(['DE', 'delivered', 'poll']);

    const sent = mock.exchanges.map((e) => `${e.method} ${e.path}`);
    expect(sent).toContain('POST /v1/rates');
    expect(sent.filter((call) => call.startsWith('POST /v1/labels/rates/'))).toHaveLength(1);
    expect(sent).toContain('GET /v1/tracking');

    // Voidable: the label is voided at ShipEngine through the same configuration, and its cost comes off the shipment.
    const voided = await new MockActivityEnvironment().run(() =>
      createCarrierActivities({ db: journey.database.db, carriers: journey.carriers }).voidLabel({
        shipmentId: label.shipmentId,
        attempt: label.attempt,
      }),
    );
    expect(voided).toEqual({ voided: true });
    expect(mock.exchanges.map((e) => `${e.method} ${e.path}`)).toContain(`PUT /v1/labels/${SE_ID}/void`);
    expect(await journey.database.db.label.findUniqueOrThrow({ where: { id: label.id } })).toMatchObject({ status: 'voided' });
    expect((await journey.database.db.shipment.findUniqueOrThrow({ where: { id: label.shipmentId } })).shippingCostCents).toBe(0);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });
});
