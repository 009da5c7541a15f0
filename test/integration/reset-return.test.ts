import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { deriveReturnId } from '../../api/services/returns';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { returnScansSignal, returnStatusQuery } from '../../workflows/returns/definitions';
import { journeyApi, KEYS, newKey, requestsAs } from '../api/harness';
import { startJourney, type Journey } from '../support/journey';
import { opsCli, resultWithin, runsOf as runsOfWorkflow, watchStatuses as watchRowStatuses, workOf as workOfRun } from '../support/ops-cli';
import { RESET_RETURN_NAMESPACE } from '../support/namespaces';

/**
 * Ops reset a return (`return-<returnId>`) with the real CLI (what the Web UI's Reset does), once it completed or while
 * its label waits for the parcel. A return that ended ends again at once with the outcome it had, nothing written; one
 * in flight goes on from its row (its label kept, never bought again) and completes once the parcel arrives.
 */
describe('a return reset from the temporal CLI', () => {
  let journey: Journey;
  let app: FastifyInstance;
  beforeAll(async () => {
    journey = await startJourney({ server: 'dev', namespace: RESET_RETURN_NAMESPACE, timeScale: 11_520 });
    app = await journeyApi(journey, { workflowCallTimeoutMs: 20_000, intakeStartWaitMs: 30_000 });
  });
  afterAll(async () => {
    await app?.close();
    await journey?.teardown();
  });

  const as = requestsAs(() => app);
  const { reset } = opsCli(RESET_RETURN_NAMESPACE);

  const runsOf = (workflowId: string) => runsOfWorkflow(journey.env.client, workflowId);

  const workOf = (workflowId: string, runId: string) => workOfRun(journey.env.client, workflowId, runId);

  const untilReturnRow = async (returnId: string, statuses: readonly string[]) => {
    for (let i = 0; i < 1_200; i++) {
      const row = await journey.database.db.return.findUnique({ where: { id: returnId } });
      if (row && statuses.includes(row.status)) return row;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${returnId} never reached ${statuses.join('/')}`);
  };

  /** A delivered order and a return of one of its two mugs started by ops, its return parcel playing `scenario` (its scans signalled here). */
  const deliveredOrderReturning = async (scenario: 'unused') => {
    const handle = await journey.placeOrder({}, { promiseWorkingDays: 30 });
    const orderId = handle.workflowId.replace(/^order-/, '');
    expect((await handle.result()).stage).toBe('completed');
    const idempotencyKey = newKey('reset-return');
    const returnId = deriveReturnId(`${KEYS.ops.name}:${idempotencyKey}`);
    journey.carriers.simulator?.scriptShipment(`return:${returnId}`, scenario);
    const started = await as(
      KEYS.ops,
      'POST',
      `/orders/${orderId}/returns`,
      { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'no_longer_needed' },
      { 'idempotency-key': idempotencyKey },
    );
    expect(started.statusCode, started.body).toBe(202);
    return { orderId, returnId, workflowId: `return-${returnId}` };
  };

  const inspect = async (returnId: string) => {
    const inspected = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);
    return inspected.json() as { status: string; refundCents: number };
  };

  /**
   * Everything a return writes: its row and lines, label files, scans, its order's ledger moves (the levels are shared with
   * the returns running beside it: `ledgerBalances` checks them), mails, shop webhooks, stage visits, escalations.
   */
  const footprint = async (orderId: string, returnId: string) => {
    const db = journey.database.db;
    return {
      row: await db.return.findUniqueOrThrow({ where: { id: returnId }, include: { lines: { orderBy: { lineNo: 'asc' } } } }),
      labelDocuments: await db.returnLabelDocument.findMany({ where: { returnId }, select: { format: true }, orderBy: { format: 'asc' } }),
      scans: await db.returnScan.findMany({ where: { returnId }, select: { id: true }, orderBy: { id: 'asc' } }),
      movements: await db.inventoryMovement.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
      mails: await db.customerMail.findMany({ where: { orderId }, select: { id: true, milestone: true }, orderBy: { id: 'asc' } }),
      webhooks: await db.webhookEvent.findMany({ where: { orderId }, select: { id: true, type: true }, orderBy: { seq: 'asc' } }),
      stages: await db.stageTiming.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
      escalations: await db.escalation.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
    };
  };

  /** Watches a return's row until the returned function is called; every status it was seen in, in order. */
  const watchStatuses = (returnId: string) =>
    watchRowStatuses(() => journey.database.db.return.findUnique({ where: { id: returnId }, select: { status: true } }));

  /** The carrier's scans of the return parcel, as its webhook would signal them: picked up, then at the returns dock. */
  const parcelArrives = async (returnId: string, workflowId: string) => {
    const row = await journey.database.db.return.findUniqueOrThrow({ where: { id: returnId } });
    const carrier = row.carrierCode as SimulatedCarrierCode;
    const handle = journey.env.client.workflow.getHandle(workflowId);
    for (const [n, status] of [
      [1, 'in_transit'],
      [2, 'delivered'],
    ] as const) {
      await handle.signal(returnScansSignal, {
        source: 'webhook',
        events: [
          {
            carrierCode: carrier,
            eventId: `${returnId}-scan-${n}`,
            trackingNumber: row.trackingNumber ?? '',
            statusCode: CARRIER_STATUS_CODES[carrier][status],
            detail: status === 'delivered' ? 'Delivered to the returns dock' : 'Departed sorting hub',
            occurredAt: new Date().toISOString(),
          },
        ],
      });
    }
  };

  /** Once the reset run has read its row (its first step), the parcel arrives, is inspected, and the return completes. */
  const completesOnceTheParcelArrives = async (returnId: string, workflowId: string) => {
    const latest = journey.env.client.workflow.getHandle(workflowId);
    for (let i = 0; i < 300; i++) {
      const view = await latest.query(returnStatusQuery).catch(() => undefined);
      if (view && view.status !== 'requested') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await parcelArrives(returnId, workflowId);
    await untilReturnRow(returnId, ['received']);
    const inspected = await inspect(returnId);
    expect(inspected).toMatchObject({ status: 'completed' });
    expect(await resultWithin(latest, 60_000)).toEqual({ returnId, status: 'completed', refundCents: inspected.refundCents });
    return latest;
  };

  /**
   * One label bought for the return, from the carrier and in the return's own mails and webhooks; a balanced ledger.
   * `copiedPurchases`: the purchases the reset run's history holds from the run it replaced (none before the first task).
   */
  const boughtOneLabel = async (orderId: string, returnId: string, runId: string, copiedPurchases: number) => {
    const db = journey.database.db;
    expect(journey.carriers.simulator?.soldLabels().filter((l) => l.idempotencyKey === `return:${returnId}`)).toHaveLength(1);
    const { activities } = await workOf(`return-${returnId}`, runId);
    expect(activities.filter((a) => a === 'buyReturnLabel')).toHaveLength(copiedPurchases);
    const mails = await db.customerMail.findMany({ where: { orderId, milestone: 'return_started' } });
    expect(mails).toHaveLength(1);
    const labelled = await db.webhookEvent.findMany({ where: { orderId, type: 'return.label_created' } });
    expect(labelled.length).toBeLessThanOrEqual(1);
    expect(await db.inventoryMovement.count({ where: { orderId, kind: 'return_receipt' } })).toBe(1);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  };

  it.concurrent('a completed return reset to its first workflow task: it ends completed at once with its refund; nothing bought, refunded, mailed, moved or written again', async () => {
    const { orderId, returnId, workflowId } = await deliveredOrderReturning('unused');
    await untilReturnRow(returnId, ['label_created']);
    await parcelArrives(returnId, workflowId);
    await untilReturnRow(returnId, ['received']);
    const inspected = await inspect(returnId);
    const first = await journey.env.client.workflow.getHandle(workflowId).result();
    expect(first).toEqual({ returnId, status: 'completed', refundCents: inspected.refundCents });
    expect(first.refundCents).toBeGreaterThan(0);
    const before = await footprint(orderId, returnId);
    expect(before.row.status).toBe('completed');
    expect(before.movements.filter((m) => m.kind === 'return_receipt')).toHaveLength(1);

    await reset(workflowId, 'FirstWorkflowTask');
    const latest = journey.env.client.workflow.getHandle(workflowId);
    // Its first step reads the row, finds the return completed and the run ends with the outcome the first run had.
    // Before, it ended completed with a refund of 0 (the refund lived only in the settling step of the run it replaced).
    expect(await resultWithin(latest, 30_000)).toEqual(first);
    expect(await footprint(orderId, returnId)).toEqual(before);
    // Temporal hands the reset run the scans signalled to the run it replaced: the delivered one is offered as an arrival
    // after the close, which the database turns down (the goods were inspected). Nothing else is asked.
    const work = await workOf(workflowId, (await latest.describe()).runId);
    expect(work).toEqual({ activities: ['loadReturn', 'receiveReturnAfterClose'], localActivities: 0 });
    expect((await runsOf(workflowId)).map((r) => r.status.name).sort()).toEqual(['COMPLETED', 'COMPLETED']);
    const view = await latest.query(returnStatusQuery);
    expect(view).toMatchObject({ status: 'completed', refundCents: first.refundCents });
    expect(view.timeline.map((e) => e.label)).not.toContain('received again');
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
  });

  it.concurrent('a return waiting for its parcel reset to its first workflow task: it keeps its label (none bought again), its row never goes back, and it completes once the parcel arrives', async () => {
    const { orderId, returnId, workflowId } = await deliveredOrderReturning('unused');
    await untilReturnRow(returnId, ['label_created']);
    const before = await footprint(orderId, returnId);
    const stopWatching = watchStatuses(returnId);
    await reset(workflowId, 'FirstWorkflowTask');
    const latest = await completesOnceTheParcelArrives(returnId, workflowId);
    expect(await stopWatching()).toEqual(['label_created', 'in_transit', 'received', 'completed']);
    const after = await footprint(orderId, returnId);
    expect(after.row).toMatchObject({
      carrierCode: before.row.carrierCode,
      trackingNumber: before.row.trackingNumber,
      labelUrl: before.row.labelUrl,
      labelPurchasedAt: before.row.labelPurchasedAt,
      labelExpiresAt: before.row.labelExpiresAt,
      labelVoidedAt: null,
    });
    expect(after.labelDocuments).toEqual(before.labelDocuments);
    expect(after.escalations).toEqual([]);
    await boughtOneLabel(orderId, returnId, (await latest.describe()).runId, 0);
    expect((await runsOf(workflowId)).map((r) => r.status.name).sort()).toEqual(['COMPLETED', 'TERMINATED']);
  });

  it.concurrent('a return waiting for its parcel reset to its last workflow task: it goes on, and completes once the parcel arrives', async () => {
    const { orderId, returnId, workflowId } = await deliveredOrderReturning('unused');
    await untilReturnRow(returnId, ['label_created']);
    const before = await footprint(orderId, returnId);
    const stopWatching = watchStatuses(returnId);
    await reset(workflowId, 'LastWorkflowTask');
    const latest = await completesOnceTheParcelArrives(returnId, workflowId);
    expect(await stopWatching()).toEqual(['label_created', 'in_transit', 'received', 'completed']);
    const after = await footprint(orderId, returnId);
    expect(after.row).toMatchObject({ trackingNumber: before.row.trackingNumber, labelPurchasedAt: before.row.labelPurchasedAt });
    expect(after.escalations).toEqual([]);
    await boughtOneLabel(orderId, returnId, (await latest.describe()).runId, 1);
    expect((await runsOf(workflowId)).map((r) => r.status.name).sort()).toEqual(['COMPLETED', 'TERMINATED']);
  });
});
