import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { startJourney, type Journey } from '../support/journey';
import { firstShipmentId, orderIdOf, stopLeftAloneShipmentAfterTest, until, untilShipmentStage } from '../workflows/steps';
import { KEYS, journeyApi, requestsAs } from './harness';

/**
 * An order whose workflow an operator terminated (the CLI's `temporal workflow terminate`, the Web UI's Terminate)
 * is read from its rows, which still say `fulfilling`: the answer must say that nothing runs it any more and how to
 * resume it. Every worker on the time-skipping server; the API reads as a client would.
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

const as = requestsAs(() => app);
const read = async (url: string) => {
  const response = await as(KEYS.ops, 'GET', url);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Record<string, unknown> & { workflowEnded?: { status: string; at?: string; hint: string } };
};

describe("an order's workflow ended short of a final stage", () => {
  it('terminated while its parcel travels: the order and its timeline say so, with the reset command; while it ran they did not', async () => {
    const handle = await journey.placeOrder();
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    // The parcel, with the carrier, goes on alone once its order is terminated: stopped once the test is over.
    stopLeftAloneShipmentAfterTest(journey, shipmentId);
    await untilShipmentStage(journey, shipmentId, ['in_transit'], { stepMs: 2 * HOUR_MS });
    await until(
      journey,
      'the order row at fulfilling',
      () => journey.database.db.order.findUnique({ where: { id: orderId }, select: { status: true } }),
      (row) => row?.status === 'fulfilling',
    );

    const live = await read(`/orders/${orderId}`);
    expect(live).toMatchObject({ orderId, source: 'workflow', stage: 'fulfilling' });
    expect(live).not.toHaveProperty('workflowEnded');

    // A reason as ops type it: it may name the customer, so none of it may show.
    await handle.terminate('Camille Martin phoned: stop everything');

    const ended = await read(`/orders/${orderId}`);
    expect(ended).toMatchObject({ orderId, source: 'database', stage: 'fulfilling', workflowEnded: { status: 'terminated' } });
    const workflowEnded = ended.workflowEnded ?? { status: '', hint: '' };
    expect(workflowEnded.hint).toContain(`temporal workflow reset -w order-${orderId} --type LastWorkflowTask`);
    expect(workflowEnded.hint).toMatch(/asked to cancel/);
    expect(Number.isNaN(Date.parse(workflowEnded.at ?? ''))).toBe(false);
    expect(JSON.stringify(workflowEnded)).not.toMatch(/Camille|phoned/);

    const timeline = await read(`/orders/${orderId}/timeline`);
    expect(timeline).toMatchObject({ orderId, source: 'database', stage: 'fulfilling', workflowEnded });
  });

  it('a completed order, its workflow completed too, carries no workflowEnded', async () => {
    const handle = await journey.placeOrder();
    const orderId = orderIdOf(handle);
    expect((await handle.result()).stage).toBe('completed');

    const done = await read(`/orders/${orderId}`);
    expect(done).toMatchObject({ orderId, source: 'database', stage: 'completed' });
    expect(done).not.toHaveProperty('workflowEnded');
    expect(await read(`/orders/${orderId}/timeline`)).not.toHaveProperty('workflowEnded');
  });
});
