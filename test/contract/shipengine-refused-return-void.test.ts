import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { returnStatusQuery } from '../../workflows/returns/definitions';
import { journeyApi, KEYS, newKey } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';
import { until } from '../workflows/steps';

/**
 * ShipEngine refuses to void a return label (its documented 400 on `PUT /v1/labels/{label_id}/void`, as for
 * `approved: false`) when the return is cancelled in Temporal: the return is cancelled all the same, the label
 * left bought and the refusal in its timeline. Before, the refusal failed the return workflow.
 */

const SE_ID = 'se-28529731';
let mock: PrismMock;
let journey: Journey;
let app: FastifyInstance;

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

describe('a return label ShipEngine refuses to void', () => {
  it('a return cancelled in Temporal is cancelled, its label left bought and the refusal noted', async () => {
    const handle = await journey.placeOrder({ shipTo: SHIPENGINE_RECIPIENT, lines: [{ sku: 'MUG-CER-350', quantity: 1 }] });
    await handle.result();
    const orderId = handle.workflowId.replace(/^order-/, '');
    const db = journey.database.db;
    await db.shipment.updateMany({ where: { orderId }, data: { deliveredAt: new Date(await journey.env.currentTimeMs()) } });
    mock.steer([
      { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
      { method: 'GET', path: /^\/v1\/tracking$/, prefer: 'code=404' },
      { method: 'PUT', path: /\/void$/, prefer: 'code=400' },
    ]);
    const started = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/returns`,
      headers: { 'x-api-key': KEYS.ops.key, 'idempotency-key': newKey('se-return-void') },
      payload: { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'no_longer_needed' },
    });
    expect(started.statusCode, started.body).toBe(202);
    const returnId = started.json().returnId as string;
    const returnHandle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    await until(
      journey,
      'the return waiting for its parcel',
      () => returnHandle.query(returnStatusQuery),
      (view) => view.status === 'label_created',
      { stepMs: HOUR_MS / 4 },
    );
    await returnHandle.cancel();
    const outcome = (await returnHandle.result()) as { status: string };
    expect(outcome.status).toBe('cancelled');
    expect(mock.exchanges.filter((e) => e.method === 'PUT' && e.path.endsWith('/void')).map((e) => e.status)).toEqual([400]);
    const view = await returnHandle.query(returnStatusQuery);
    expect(view.timeline.map((e) => e.label)).toContain('return label not voided');
    expect((await db.return.findUniqueOrThrow({ where: { id: returnId } })).labelVoidedAt).toBeNull();
  });
});
