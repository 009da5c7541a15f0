import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipEngineWiring } from '../../carriers/wiring';
import { loadConfig } from '../../config';
import { HOUR_MS } from '../../domain/clock';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { cancelOrderUpdate } from '../../workflows/definitions';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';
import { firstShipmentId, orderIdOf, shipmentView, stockSnapshot, untilShipmentStage } from '../workflows/steps';

/**
 * ShipEngine refuses to void a label (its documented 400 on `PUT /v1/labels/{label_id}/void`; `approved: false`
 * is the same answer in its body): a cancel before collection still cancels, the stock goes back, and the label
 * stays bought, its cost counted and the refusal said. Before, the refusal failed the shipment workflow and its
 * order with it, the stock held.
 */

const SE_ID = 'se-28529731';
let mock: PrismMock;
let journey: Journey;

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
    // No scan: the parcel waits for collection, cancellable.
    { method: 'GET', path: /^\/v1\/tracking$/, prefer: 'code=404' },
    { method: 'PUT', path: /\/void$/, prefer: 'code=400' },
  ]);
  const config = loadConfig({
    COLIS_SHIPENGINE_API_KEY: 'TEST_void-key-0123456789',
    COLIS_SHIPENGINE_CARRIERS: `${SE_ID}=swiftpost,${SE_ID}=parcelnord,${SE_ID}=ecoroute`,
    COLIS_SHIPENGINE_WAREHOUSES: WAREHOUSES.map((w) => `${w.code}=${SE_ID}`).join(','),
    COLIS_SHIPENGINE_API_URL: mock.url,
    COLIS_FX_RATES: 'USD:EUR=0.92',
  });
  const wiring = shipEngineWiring(config);
  if (!wiring || !config.COLIS_FX_RATES) throw new Error('the ShipEngine variables did not configure ShipEngine');
  journey = await startJourney({ shipEngine: { ...wiring, fetch: mock.fetch }, fxRates: config.COLIS_FX_RATES });
});

afterAll(async () => {
  await journey?.teardown();
  await mock?.stop();
});

describe('a void ShipEngine refuses', () => {
  it('a cancel before collection still cancels and gives the stock back; the label stays bought and says so', async () => {
    const before = await stockSnapshot(journey, ['MUG-CER-350']);
    const handle = await journey.placeOrder({ shipTo: SHIPENGINE_RECIPIENT, lines: [{ sku: 'MUG-CER-350', quantity: 1 }] });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['label_created'], { stepMs: HOUR_MS });
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer changed their mind' }] });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['cancelled']);
    expect(await stockSnapshot(journey, ['MUG-CER-350'])).toEqual(before);
    expect(mock.exchanges.filter((e) => e.method === 'PUT' && e.path.endsWith('/void')).map((e) => e.status)).toEqual([400]);
    const [label] = await journey.database.db.label.findMany({ where: { shipment: { orderId } } });
    expect(label?.status).toBe('purchased');
    const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(shipment.status).toBe('cancelled');
    expect(shipment.shippingCostCents).toBe(label?.costCents);
    const view = await shipmentView(journey, shipmentId);
    expect(view.shippingCostCents).toBe(label?.costCents);
    expect(view.timeline.map((e) => e.label)).toContain(`label ${label?.trackingNumber} could not be voided`);
  });
});
