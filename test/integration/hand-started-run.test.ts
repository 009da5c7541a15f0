import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { SHIPMENT_STARTED_BY_HAND } from '../../activities/shipment-watch';
import { ids } from '../../domain/ids';
import { journeyApi, KEYS, requestsAs } from '../api/harness';
import { DEFAULT_ORDER, orderInputFor, startJourney, type Journey } from '../support/journey';
import { HAND_START_NAMESPACE } from '../support/namespaces';
import { opsCli, resultWithin, runsOf } from '../support/ops-cli';

/**
 * Ops start a journey's workflow type by hand on a running order's or shipment's id with the real CLI, the start
 * replacing the run (`--id-conflict-policy TerminateExisting`) with an input the journey cannot take: the new run fails
 * at once, and the run that carried the order is terminated. A reset of the newest run (what the hints said) fails the
 * same way: the order's view and the order's watch of its shipment name the run to reset instead, and that reset
 * resumes the journey: one label, the stock moved once.
 */
describe('a journey replaced by a start by hand with an input it cannot take', () => {
  let journey: Journey;
  let app: FastifyInstance;
  beforeAll(async () => {
    journey = await startJourney({ server: 'dev', namespace: HAND_START_NAMESPACE, timeScale: 11_520 });
    app = await journeyApi(journey, { workflowCallTimeoutMs: 20_000, intakeStartWaitMs: 30_000, timeScale: 11_520 });
  });
  afterAll(async () => {
    await app?.close();
    await journey?.teardown();
  });

  const as = requestsAs(() => app);
  const { cli } = opsCli(HAND_START_NAMESPACE);

  /** Scans three quarters of a stall window apart: the parcel is still on its way when ops act. */
  const placeOrder = async () => {
    const shipTo = { ...DEFAULT_ORDER.shipTo, name: 'Ada Lovelace [scenario:slow_scans]' };
    const handle = await journey.placeOrder({ shipTo }, { promiseWorkingDays: 30 });
    const orderId = handle.workflowId.replace(/^order-/, '');
    return { handle, orderId, shipmentId: ids.shipmentId(orderId, 1) };
  };

  const untilShipmentRow = async (shipmentId: string, statuses: readonly string[]) => {
    for (let i = 0; i < 1_200; i++) {
      const row = await journey.database.db.shipment.findUnique({ where: { id: shipmentId } });
      if (row && statuses.includes(row.status)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${shipmentId} never reached ${statuses.join('/')}`);
  };

  const startByHand = (type: string, workflowId: string, input = '{}') =>
    cli(
      'workflow',
      'start',
      '--type',
      type,
      '--task-queue',
      'colis-orders',
      '--workflow-id',
      workflowId,
      '--id-conflict-policy',
      'TerminateExisting',
      '--input',
      input,
    );

  const runIdOf = async (workflowId: string) => (await journey.env.client.workflow.getHandle(workflowId).describe()).runId;

  const expectDelivered = async (orderId: string, shipmentId: string) => {
    const db = journey.database.db;
    expect(await db.label.count({ where: { shipmentId } })).toBe(1);
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('delivered');
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('completed');
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  };

  /** The order's view names the run the start replaced, by its id; the real CLI resets that run, and the order completes. */
  const resetOfReplacedRunCompletes = async (workflowId: string, orderId: string, shipmentId: string, replaced: string) => {
    const read = await as(KEYS.ops, 'GET', `/orders/${orderId}`);
    expect(read.statusCode, read.body).toBe(200);
    const { workflowEnded } = read.json() as { workflowEnded?: { status: string; hint: string } };
    expect(workflowEnded?.status).toBe('failed');
    expect(workflowEnded?.hint).toContain(`temporal workflow reset -w ${workflowId} -r ${replaced} --type LastWorkflowTask`);
    await cli(
      'workflow',
      'reset',
      '--workflow-id',
      workflowId,
      '--run-id',
      replaced,
      '--type',
      'LastWorkflowTask',
      '--reason',
      'ops retry',
    );
    expect(await resultWithin(journey.env.client.workflow.getHandle(workflowId), 120_000)).toMatchObject({ stage: 'completed' });
    await expectDelivered(orderId, shipmentId);
  };

  it.concurrent('an order: its view says to reset the run the start replaced, by its id (before: the newest run, which fails again), and that reset completes it', async () => {
    const { handle, orderId, shipmentId } = await placeOrder();
    await untilShipmentRow(shipmentId, ['in_transit']);
    const replaced = await runIdOf(handle.workflowId);
    await startByHand('orderWorkflowV3', handle.workflowId);
    const handStarted = journey.env.client.workflow.getHandle(handle.workflowId);
    await expect(resultWithin(handStarted, 30_000)).rejects.toThrow();
    await resetOfReplacedRunCompletes(handle.workflowId, orderId, shipmentId, replaced);
  });

  it.concurrent("an order started by hand with another order's whole input: its view names the run the start replaced (before: the generic hint, a reset of the newest run, which fails again)", async () => {
    const { handle, orderId, shipmentId } = await placeOrder();
    await untilShipmentRow(shipmentId, ['in_transit']);
    const replaced = await runIdOf(handle.workflowId);
    // A valid input, of another order: its shape passes, and the journey's first activity refuses the run (OrderStateConflict).
    await startByHand('orderWorkflowV3', handle.workflowId, JSON.stringify(orderInputFor(`${orderId}-OTHER`, 'shop-hand')));
    await expect(resultWithin(journey.env.client.workflow.getHandle(handle.workflowId), 30_000)).rejects.toThrow();

    await resetOfReplacedRunCompletes(handle.workflowId, orderId, shipmentId, replaced);
  });

  it.concurrent("a shipment: the order's watch names the run to reset (before: a bare WorkflowFailedError), and that reset completes the order", async () => {
    const { handle, orderId, shipmentId } = await placeOrder();
    const shipmentWorkflowId = ids.shipmentWorkflowId(shipmentId);
    await untilShipmentRow(shipmentId, ['in_transit']);
    const replaced = await runIdOf(shipmentWorkflowId);
    await startByHand('shipmentWorkflowV3', shipmentWorkflowId);

    // The order hears its child terminated and waits for the shipment's reset: its next run is the hand-started one, failed.
    const watches = ['awaitShipmentResumed', 'awaitShipmentOutcome'];
    const watchFailure = async () =>
      ((await handle.describe()).raw.pendingActivities ?? []).find((a) => watches.includes(a.activityType?.name ?? ''))?.lastFailure;
    let failure = await watchFailure();
    for (let i = 0; i < 600 && failure?.applicationFailureInfo?.type !== SHIPMENT_STARTED_BY_HAND; i++) {
      await new Promise((r) => setTimeout(r, 100));
      failure = await watchFailure();
    }
    expect(failure?.applicationFailureInfo?.type).toBe(SHIPMENT_STARTED_BY_HAND);
    const decoded = await decodeOptionalFailureToOptionalError(journey.env.client.options.loadedDataConverter, failure);
    expect(decoded?.message).toContain(`temporal workflow reset -w ${shipmentWorkflowId} -r ${replaced} --type LastWorkflowTask`);

    await cli(
      'workflow',
      'reset',
      '--workflow-id',
      shipmentWorkflowId,
      '--run-id',
      replaced,
      '--type',
      'LastWorkflowTask',
      '--reason',
      'ops retry',
    );
    expect(await resultWithin(handle, 120_000)).toMatchObject({ stage: 'completed', shipments: [{ shipmentId, stage: 'delivered' }] });
    expect((await runsOf(journey.env.client, shipmentWorkflowId)).filter((r) => r.status.name === 'COMPLETED')).toHaveLength(1);
    await expectDelivered(orderId, shipmentId);
  });
});
