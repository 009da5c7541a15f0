import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipEngineWiring } from '../../carriers/wiring';
import { loadConfig } from '../../config';
import { HOUR_MS } from '../../domain/clock';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { resolveEscalationUpdate } from '../../workflows/definitions';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';
import {
  firstShipmentId,
  orderIdOf,
  shipmentView,
  untilEscalation,
  untilShipmentStage,
  untilWorkflowKnowsEscalation,
} from '../workflows/steps';

/**
 * ShipEngine refuses the label purchase itself (its documented 400 on `POST /v1/labels/rates/{rate_id}`: a rate
 * gone stale, an address the carrier turns down when labelling): the booking goes to the next carrier, and with
 * every carrier refusing, to ops with the reason, the parcel waiting packed at the dock. Before, the refusal failed
 * the shipment workflow and its order with it, nothing escalated.
 */

const SE_ID = 'se-28529731';
const PURCHASE = /^\/v1\/labels\/rates\//;
let mock: PrismMock;
let journey: Journey;

const lookupsFindNothing = [
  { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
  { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
];

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  const config = loadConfig({
    COLIS_SHIPENGINE_API_KEY: 'TEST_refusal-key-0123456789',
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

describe('a label purchase ShipEngine refuses', () => {
  it('goes to the next carrier, then to ops (no_carrier, with the reason); "wait" books once ShipEngine sells', async () => {
    mock.steer([...lookupsFindNothing, { method: 'POST', path: PURCHASE, prefer: 'code=400' }]);
    const handle = await journey.placeOrder({ shipTo: SHIPENGINE_RECIPIENT, lines: [{ sku: 'MUG-CER-350', quantity: 1 }] });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const escalation = await untilEscalation(journey, { orderId, reason: 'no_carrier', status: 'open' }, { stepMs: HOUR_MS });
    expect(escalation.detail).toMatch(/^every carrier quoted refused the label purchase: .*ShipEngine label purchase answered 400/);
    const view = await shipmentView(journey, shipmentId);
    const refusals = view.timeline.filter((e) => e.label.endsWith('refused the label purchase: booking elsewhere'));
    expect(refusals.map((e) => e.label.split(' ')[0]).sort()).toEqual(['ecoroute', 'parcelnord', 'swiftpost']);
    const purchases = mock.exchanges.filter((e) => e.method === 'POST' && PURCHASE.test(e.path));
    expect(purchases.map((e) => e.status)).toEqual([400, 400, 400]);
    expect(await journey.database.db.label.count({ where: { shipment: { orderId } } })).toBe(0);

    // ShipEngine sells again: ops wait, the booking shops again and buys one label.
    mock.steer(lookupsFindNothing);
    await untilWorkflowKnowsEscalation(journey, escalation);
    await journey.env.client.workflow
      .getHandle(`shipment-${shipmentId}`)
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: escalation.id, decision: 'wait', resolvedBy: 'ops-test' }] });
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created', 'in_transit', 'delivered'], { stepMs: HOUR_MS });
    // Three refused attempts before: the label is bought under a fresh key (attempt 4).
    expect(booked.labelAttempt).toBe(4);
    const labels = await journey.database.db.label.findMany({ where: { shipment: { orderId } } });
    expect(labels.map((l) => l.attempt)).toEqual([4]);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });
});
