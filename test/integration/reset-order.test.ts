import { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { ids } from '../../domain/ids';
import { cancelOrderUpdate, orderStatusQuery, resolveEscalationUpdate, shipmentStatusQuery } from '../../workflows/definitions';
import { DEFAULT_ORDER, startJourney, type Journey } from '../support/journey';
import {
  closedRunsOf,
  opsCli,
  resultWithin,
  runsOf as runsOfWorkflow,
  watchStatuses as watchRowStatuses,
  workOf as workOfRun,
} from '../support/ops-cli';
import { RESET_NAMESPACE } from '../support/namespaces';

const RESET_WORKFLOW = proto.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;

/** Stages of a shipment still on its journey: a reset then finds it running. */
const RUNNING = ['waiting_for_pick_slot', 'picking', 'packing', 'rating', 'booking', 'label_created', 'in_transit', 'out_for_delivery'];

/**
 * Ops reset an order with the real CLI (what the Web UI's Reset does) while its shipment runs, or after it ended.
 * The new run adopts the shipment its earlier run started instead of failing on its id, and ends as the journey
 * does: one parcel, one label, the stock moved once.
 */
describe('an order reset from the temporal CLI', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney({ server: 'dev', namespace: RESET_NAMESPACE, timeScale: 11_520 });
  });
  afterAll(() => journey?.teardown());

  const { cli, reset } = opsCli(RESET_NAMESPACE);

  /** An order whose parcel plays `scenario` at the simulated carrier (none: a normal journey), due in 30 working days. */
  const placeOrder = async (scenario?: string) => {
    const shipTo = scenario ? { ...DEFAULT_ORDER.shipTo, name: `Ada Lovelace [scenario:${scenario}]` } : undefined;
    const handle = await journey.placeOrder(shipTo ? { shipTo } : {}, { promiseWorkingDays: 30 });
    return { handle, orderId: handle.workflowId.replace(/^order-/, '') };
  };

  const untilShipmentRow = async (shipmentId: string, statuses: readonly string[]) => {
    for (let i = 0; i < 1_200; i++) {
      const row = await journey.database.db.shipment.findUnique({ where: { id: shipmentId } });
      if (row && statuses.includes(row.status)) return row.status;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${shipmentId} never reached ${statuses.join('/')}`);
  };

  /** Ops answer the stuck escalation of a stalled parcel with a refund: the shipment ends refunded. */
  const refundStuckParcel = async (shipmentId: string) => {
    let escalation: { id: string } | null = null;
    for (let i = 0; i < 600 && !escalation; i++) {
      escalation = await journey.database.db.escalation.findFirst({ where: { shipmentId, reason: 'stuck' }, select: { id: true } });
      if (!escalation) await new Promise((r) => setTimeout(r, 100));
    }
    await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation?.id ?? '', decision: 'refund', resolvedBy: 'ops-desk' }],
    });
  };

  const untilShipmentWorkflowStarted = async (workflowId: string) => {
    for (let i = 0; i < 1_200; i++) {
      const started = await journey.env.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (started) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${workflowId} never started`);
  };

  const runsOf = (workflowId: string) => runsOfWorkflow(journey.env.client, workflowId);

  const workOf = (workflowId: string, runId: string) => workOfRun(journey.env.client, workflowId, runId);

  /** Ends the latest run of the order and checks what one journey leaves: one shipment run, one label, a balanced ledger. */
  const endsAsOneJourney = async (orderId: string) => {
    const latest = journey.env.client.workflow.getHandle(ids.orderWorkflowId(orderId));
    const outcome = await latest.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s: { stage: string }) => s.stage)).toEqual(['delivered']);
    const shipmentId = ids.shipmentId(orderId, 1);
    expect(await runsOf(ids.shipmentWorkflowId(shipmentId))).toHaveLength(1);
    expect(await journey.database.db.shipment.count({ where: { orderId } })).toBe(1);
    expect(await journey.database.db.label.count({ where: { shipmentId } })).toBe(1);
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
    expect((await journey.database.db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('completed');
    return latest;
  };

  /** A cancel of the order's latest run reaches the shipment it kept through a reset: cancelled, its label voided, its stock put back. */
  const cancelsKeptShipment = async (workflowId: string, orderId: string) => {
    const shipmentId = ids.shipmentId(orderId, 1);
    const latest = journey.env.client.workflow.getHandle(workflowId);
    await latest.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] });
    expect(await resultWithin(latest, 60_000)).toMatchObject({ stage: 'cancelled' });
    const db = journey.database.db;
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('cancelled');
    expect(await db.label.findMany({ where: { shipmentId }, select: { status: true } })).toEqual([{ status: 'voided' }]);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('cancelled');
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  };

  it.concurrent('to its first workflow task while its shipment runs: the new run adopts the shipment and completes', async () => {
    const { handle, orderId } = await placeOrder();
    await untilShipmentRow(ids.shipmentId(orderId, 1), RUNNING);
    // The plan writes the shipment's row before its workflow starts: a reset in between finds no shipment to adopt.
    await untilShipmentWorkflowStarted(ids.shipmentWorkflowId(ids.shipmentId(orderId, 1)));
    await reset(handle.workflowId, 'FirstWorkflowTask');

    const latest = await endsAsOneJourney(orderId);
    expect((await latest.query(orderStatusQuery)).timeline).toContainEqual(expect.objectContaining({ label: 'shipment adopted' }));
    expect((await closedRunsOf(journey.env.client, handle.workflowId)).map((r) => r.status.name).sort()).toEqual([
      'COMPLETED',
      'TERMINATED',
    ]);
  });

  it.concurrent('to its last workflow task while its shipment runs: the new run keeps its child and completes', async () => {
    const { handle, orderId } = await placeOrder();
    await untilShipmentRow(ids.shipmentId(orderId, 1), ['label_created', 'in_transit', 'out_for_delivery']);
    await reset(handle.workflowId, 'LastWorkflowTask');
    await endsAsOneJourney(orderId);
  });

  it.concurrent('to its last workflow task while its shipment runs, then cancelled: the kept shipment takes the cancel, its label voided, its stock put back', async () => {
    const { handle, orderId } = await placeOrder('unused');
    const shipmentId = ids.shipmentId(orderId, 1);
    await untilShipmentRow(shipmentId, ['label_created']);
    await reset(handle.workflowId, 'LastWorkflowTask');

    // Before, the new run signalled its kept shipment as its own child, which Temporal refuses (the shipment's parent is
    // the run the reset replaced): the cancel was a 409 "Unable to signal external workflow … not found", and the order
    // stayed "being cancelled" for good.
    await cancelsKeptShipment(handle.workflowId, orderId);
  });

  it.concurrent("reset to the very workflow task that took its shipment's start, then cancelled: the shipment is the replaced run's, reached by its id", async () => {
    const { handle, orderId } = await placeOrder('unused');
    const shipmentId = ids.shipmentId(orderId, 1);
    await untilShipmentRow(shipmentId, ['label_created']);
    // The workflow task after the shipment's ChildWorkflowExecutionStarted: the new run replays the start's command and
    // takes its resolution live. A LastWorkflowTask reset lands there whenever nothing reached the order since.
    const events = (await handle.fetchHistory()).events ?? [];
    const childStarted = events.findIndex((event) => event.childWorkflowExecutionStartedEventAttributes);
    const taskAfter = events.slice(childStarted).find((event) => event.workflowTaskStartedEventAttributes);
    expect(taskAfter?.eventId).toBeDefined();
    await cli('workflow', 'reset', '--workflow-id', handle.workflowId, '--event-id', String(taskAfter?.eventId), '--reason', 'ops retry');

    // Before, the new run kept the child handle: the cancel was refused ("Unable to signal external workflow … not found").
    await cancelsKeptShipment(handle.workflowId, orderId);
  });

  it.concurrent('terminated from the CLI, its shipment then cancelled, reset to its last workflow task: the new run hears the shipment ended and ends cancelled', async () => {
    const { handle, orderId } = await placeOrder('unused');
    const shipmentId = ids.shipmentId(orderId, 1);
    const shipment = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
    await untilShipmentRow(shipmentId, ['label_created']);
    await cli('workflow', 'terminate', '--workflow-id', handle.workflowId, '--reason', 'clicked by mistake');
    // The terminated order's cancel request reaches its shipment, which voids its label and ends cancelled.
    expect(await resultWithin(shipment, 60_000)).toMatchObject({ stage: 'cancelled' });

    // Before, the shipment's end went to the terminated run: the new run waited for it for good, "fulfilling".
    await reset(handle.workflowId, 'LastWorkflowTask');
    const latest = journey.env.client.workflow.getHandle(handle.workflowId);
    expect(await resultWithin(latest, 60_000)).toMatchObject({ stage: 'cancelled', shipments: [{ shipmentId, stage: 'cancelled' }] });
    const db = journey.database.db;
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('cancelled');
    expect(await db.label.findMany({ where: { shipmentId }, select: { status: true } })).toEqual([{ status: 'voided' }]);
    expect(await runsOf(shipment.workflowId)).toHaveLength(1);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  });

  it.concurrent('to its first workflow task once it completed: the new run adopts the finished shipment, nothing is shipped again', async () => {
    const { handle, orderId } = await placeOrder();
    expect((await handle.result()).stage).toBe('completed');
    await reset(handle.workflowId, 'FirstWorkflowTask');
    const latest = await endsAsOneJourney(orderId);
    expect((await latest.query(orderStatusQuery)).timeline).toContainEqual(expect.objectContaining({ label: 'shipment adopted' }));
  });

  it.concurrent('to its first workflow task once it was cancelled: the new run fails before reserving, nothing is shipped, the order stays cancelled', async () => {
    const { handle, orderId } = await placeOrder();
    await untilShipmentRow(ids.shipmentId(orderId, 1), ['waiting_for_pick_slot', 'picking', 'packing', 'rating', 'booking']);
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] });
    expect((await handle.result()).stage).toBe('cancelled');
    const db = journey.database.db;
    const ended = async () => ({
      order: await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, completedAt: true } }),
      reservations: await db.reservation.findMany({ where: { orderId }, select: { id: true, status: true }, orderBy: { id: 'asc' } }),
      labels: await db.label.count({ where: { shipment: { orderId } } }),
      mails: await db.customerMail.count({ where: { orderId } }),
      webhooks: await db.webhookEvent.count({ where: { orderId } }),
      stages: await db.stageTiming.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
    });
    const before = await ended();
    expect(before.order.status).toBe('cancelled');

    await reset(handle.workflowId, 'FirstWorkflowTask');
    const latest = journey.env.client.workflow.getHandle(handle.workflowId);
    await expect(latest.result()).rejects.toThrow();
    expect((await latest.describe()).status.name).toBe('FAILED');
    expect(await ended()).toEqual(before);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  });

  it.concurrent('an order terminated from the CLI while the carrier has its parcel: the shipment refuses the cancel, goes on alone, and takes the answer to its stuck escalation', async () => {
    const { handle, orderId } = await placeOrder('stall');
    const shipmentId = ids.shipmentId(orderId, 1);
    const shipment = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
    await untilShipmentRow(shipmentId, ['in_transit']);
    await cli('workflow', 'terminate', '--workflow-id', handle.workflowId, '--reason', 'clicked by mistake');

    // The parcel stalls: the shipment opens its stuck escalation, whose milestone the gone order cannot hear. Before, that
    // failed the shipment: the escalation stayed open with no workflow to take an answer, the parcel no longer followed.
    let escalation: { id: string } | null = null;
    for (let i = 0; i < 600 && !escalation; i++) {
      escalation = await journey.database.db.escalation.findFirst({ where: { shipmentId, reason: 'stuck' }, select: { id: true } });
      if (!escalation) await new Promise((r) => setTimeout(r, 100));
    }
    expect(escalation).not.toBeNull();
    const notes = async () => (await shipment.query(shipmentStatusQuery)).timeline.map((entry) => entry.label);
    for (let i = 0; i < 100 && !(await notes()).includes('order workflow ended'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await notes()).toEqual(expect.arrayContaining(['cancellation in Temporal refused', 'order workflow ended']));
    expect((await shipment.describe()).status.name).toBe('RUNNING');

    // Its cancel request refused, the shipment still takes ops' answer.
    await shipment.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation?.id ?? '', decision: 'refund', resolvedBy: 'ops-desk' }],
    });
    expect(await shipment.result()).toMatchObject({ stage: 'refunded' });
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalation?.id ?? '' } })).toMatchObject({
      status: 'resolved',
      decision: 'refund',
    });
    expect(await journey.database.db.label.count({ where: { shipmentId } })).toBe(1);
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
  });

  it.concurrent('to its first workflow task, its adopted shipment watched by an activity ops answer by hand (a made-up result, a failure, then a timeout ops set): the order watches again, never fails a task, and ends as its shipment does', async () => {
    const { handle, orderId } = await placeOrder('stall');
    const shipmentId = ids.shipmentId(orderId, 1);
    await untilShipmentRow(shipmentId, ['in_transit']);
    await reset(handle.workflowId, 'FirstWorkflowTask');
    const order = journey.env.client.workflow.getHandle(handle.workflowId);
    /** The order's pending shipment watch, once it is another than `not`. */
    const watchOtherThan = async (not?: string) => {
      for (let i = 0; i < 600; i++) {
        const { raw } = await order.describe();
        const watch = raw.pendingActivities?.find((a) => a.activityType?.name === 'awaitShipmentOutcome');
        if (watch?.activityId && watch.activityId !== not) return watch.activityId;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${handle.workflowId} has no new shipment watch`);
    };
    const first = await watchOtherThan();
    // Before: every workflow task of the order failed reading the result's stage, for ever.
    await cli('activity', 'complete', '--workflow-id', handle.workflowId, '--activity-id', first, '--result', '{"outcome":"delivered"}');
    const second = await watchOtherThan(first);
    // Before: the order failed, its shipment going on alone.
    await cli('activity', 'fail', '--workflow-id', handle.workflowId, '--activity-id', second, '--reason', 'ops pressed fail');
    const third = await watchOtherThan(second);
    // Before: the order failed on the watch's timeout, its shipment going on alone.
    await cli(
      'activity',
      'update-options',
      '--workflow-id',
      handle.workflowId,
      '--activity-id',
      third,
      '--schedule-to-close-timeout',
      '1s',
    );
    await watchOtherThan(third);
    expect((await order.describe()).status.name).toBe('RUNNING');

    // The parcel stalls; ops refund it: the shipment ends refunded, and the order, watching still, ends with it.
    await refundStuckParcel(shipmentId);
    expect(await resultWithin(order, 60_000)).toMatchObject({ stage: 'cancelled' });
    const { events } = await order.fetchHistory();
    // The reset itself is written as a failed workflow task (cause RESET_WORKFLOW): the only one there may be.
    const failedTasks = (events ?? []).filter(
      (e) => e.workflowTaskFailedEventAttributes && e.workflowTaskFailedEventAttributes.cause !== RESET_WORKFLOW,
    );
    expect(failedTasks, JSON.stringify(failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message))).toEqual([]);
    expect(await journey.database.db.label.count({ where: { shipmentId } })).toBe(1);
  });

  it.concurrent('to its first workflow task after ops re-shipped a lost parcel: the new run waits for the replacement once, as a replacement, not as a shipment of its own plan', async () => {
    const { handle, orderId } = await placeOrder('stall');
    const lostId = ids.shipmentId(orderId, 1);
    const replacementId = ids.shipmentId(orderId, 2);
    journey.carriers.simulator?.scriptShipment(replacementId, 'normal');
    let stuck: { id: string } | null = null;
    for (let i = 0; i < 600 && !stuck; i++) {
      stuck = await journey.database.db.escalation.findFirst({
        where: { shipmentId: lostId, reason: 'stuck', status: 'open' },
        select: { id: true },
      });
      if (!stuck) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stuck).not.toBeNull();
    await journey.env.client.workflow
      .getHandle(ids.shipmentWorkflowId(lostId))
      .executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: stuck?.id ?? '', decision: 'reship', resolvedBy: 'ops-test' }] });
    await untilShipmentRow(replacementId, RUNNING);
    await untilShipmentWorkflowStarted(ids.shipmentWorkflowId(replacementId));
    await reset(handle.workflowId, 'FirstWorkflowTask');

    // Before, the new run's plan listed the replacement as a shipment of its own ("2 shipment(s)"), then re-shipping the
    // lost one adopted it again: two watches of one shipment, and the order's outcome named it twice.
    const latest = journey.env.client.workflow.getHandle(handle.workflowId);
    const outcome = await latest.result();
    expect(outcome.shipments.map((s: { shipmentId: string; stage: string }) => [s.shipmentId, s.stage])).toEqual([
      [lostId, 'lost'],
      [replacementId, 'delivered'],
    ]);
    const fulfilling = (await latest.query(orderStatusQuery)).timeline.filter((entry) => entry.label === 'fulfilling');
    expect(fulfilling.map((entry) => entry.detail)).toEqual(['1 shipment(s) from PAR1']);
    expect(await runsOf(ids.shipmentWorkflowId(replacementId))).toHaveLength(1);
    expect(await journey.database.db.label.count({ where: { shipmentId: replacementId } })).toBe(1);
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
  });

  it.concurrent('a shipment terminated from the CLI does not fail its order: the order waits, escalated, refuses a cancel saying why, and completes once ops reset the shipment', async () => {
    const { handle, orderId } = await placeOrder();
    const shipmentId = ids.shipmentId(orderId, 1);
    const shipmentWorkflowId = ids.shipmentWorkflowId(shipmentId);
    await untilShipmentRow(shipmentId, RUNNING);
    await untilShipmentWorkflowStarted(shipmentWorkflowId);
    await cli('workflow', 'terminate', '--workflow-id', shipmentWorkflowId, '--reason', 'clicked by mistake');

    const notes = async () => (await handle.query(orderStatusQuery)).timeline.map((entry) => entry.label);
    for (let i = 0; i < 200 && !(await notes()).includes('shipment terminated in Temporal'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await notes()).toContain('shipment terminated in Temporal');
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.searchAttributes.Escalated).toEqual([true]);
    // A cancel would be lost on the terminated run: refused, with what to do.
    await expect(handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] })).rejects.toThrow();
    expect(await journey.database.db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).not.toEqual({
      status: 'cancelled',
    });

    await reset(shipmentWorkflowId, 'LastWorkflowTask');
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s: { stage: string }) => s.stage)).toEqual(['delivered']);
    expect(await notes()).toContain('shipment resumed');
    expect((await closedRunsOf(journey.env.client, shipmentWorkflowId)).map((r) => r.status.name).sort()).toEqual([
      'COMPLETED',
      'TERMINATED',
    ]);
    expect(await journey.database.db.label.count({ where: { shipmentId } })).toBe(1);
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
    expect((await journey.database.db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('completed');
    expect((await handle.describe()).searchAttributes.Escalated).toEqual([false]);
  });

  it.concurrent('a terminated shipment reset while its parcel is stuck: the order follows it again at once and judges a cancel on the parcel, not once the parcel ends', async () => {
    const { handle, orderId } = await placeOrder('stall');
    const shipmentId = ids.shipmentId(orderId, 1);
    const shipmentWorkflowId = ids.shipmentWorkflowId(shipmentId);
    await untilShipmentRow(shipmentId, ['in_transit']);
    await cli('workflow', 'terminate', '--workflow-id', shipmentWorkflowId, '--reason', 'clicked by mistake');
    const notes = async () => (await handle.query(orderStatusQuery)).timeline.map((entry) => entry.label);
    for (let i = 0; i < 200 && !(await notes()).includes('shipment terminated in Temporal'); i++)
      await new Promise((r) => setTimeout(r, 100));

    await reset(shipmentWorkflowId, 'LastWorkflowTask');
    // Before: "shipment resumed" came only with the parcel's end, and until then a cancel was refused with "reset it".
    for (let i = 0; i < 300 && !(await notes()).includes('shipment resumed'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await notes()).toContain('shipment resumed');
    const shipment = journey.env.client.workflow.getHandle(shipmentWorkflowId);
    expect((await shipment.describe()).status.name).toBe('RUNNING');
    // The cancel is judged on the parcel again (the carrier has it), no longer refused with "reset it".
    const refused = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] }).catch((e: unknown) => e);
    expect(JSON.stringify(refused)).toContain('the carrier already has it');
    expect(JSON.stringify(refused)).not.toContain('terminated');

    // The parcel stalls; ops refund it: the order, following the resumed shipment, ends with it.
    await refundStuckParcel(shipmentId);
    expect(await resultWithin(handle, 60_000)).toMatchObject({ stage: 'cancelled' });
    expect(await journey.database.db.label.count({ where: { shipmentId } })).toBe(1);
    expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
  });

  it.concurrent('a shipment lost and re-shipped by ops, its order completed, reset to its first workflow task (--event-id 3): it ends lost at once, its row, escalations and stage visits untouched', async () => {
    const { handle, orderId } = await placeOrder('stall');
    const lostId = ids.shipmentId(orderId, 1);
    const replacementId = ids.shipmentId(orderId, 2);
    journey.carriers.simulator?.scriptShipment(replacementId, 'normal');
    let stuck: { id: string } | null = null;
    for (let i = 0; i < 600 && !stuck; i++) {
      stuck = await journey.database.db.escalation.findFirst({
        where: { shipmentId: lostId, reason: 'stuck', status: 'open' },
        select: { id: true },
      });
      if (!stuck) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stuck).not.toBeNull();
    const lost = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(lostId));
    await lost.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: stuck?.id ?? '', decision: 'reship', resolvedBy: 'ops-test' }],
    });
    expect((await handle.result()).stage).toBe('completed');
    const ended = await lost.result();
    expect(ended).toMatchObject({ stage: 'lost', reshipped: { cause: 'lost' } });
    const db = journey.database.db;
    const written = async () => ({
      shipment: await db.shipment.findUniqueOrThrow({ where: { id: lostId } }),
      escalations: await db.escalation.findMany({ where: { orderId }, orderBy: { id: 'asc' } }),
      stages: await db.stageTiming.findMany({ where: { shipmentId: lostId }, orderBy: { id: 'asc' } }),
      events: await db.trackingEvent.count({ where: { shipmentId: lostId } }),
      labels: await db.label.findMany({ where: { shipmentId: lostId }, select: { id: true, status: true } }),
      mails: await db.customerMail.count({ where: { orderId } }),
      promiseChanges: await db.promiseChange.count({ where: { orderId } }),
    });
    const before = await written();
    expect(before.shipment.status).toBe('lost');

    // The first workflow task's start, by its event id, as the hostile probe reset it.
    await cli('workflow', 'reset', '--workflow-id', lost.workflowId, '--event-id', '3', '--reason', 'ops retry');
    // Before, the new run replayed the journey: its row went back to in_transit, and the parcel, never scanned again,
    // stalled into a new stuck escalation with nobody to end it but ops.
    const latest = journey.env.client.workflow.getHandle(lost.workflowId);
    expect(await resultWithin(latest, 30_000)).toEqual(ended);
    expect(await written()).toEqual(before);
    expect((await latest.describe()).searchAttributes).toMatchObject({ ShipmentStatus: ['lost'], Escalated: [false] });
    const work = await workOf(lost.workflowId, (await latest.describe()).runId);
    expect(work.activities.length + work.localActivities).toBe(1);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  });

  /** Stages the row's status passes before its label: a run that replays the journey writes them back. */
  const BEFORE_LABEL = ['planned', 'waiting_for_pick_slot', 'picking', 'packing', 'rating', 'booking'];

  /** Watches a shipment's row until `stop` says so; every status it was seen in, in order. */
  const watchStatuses = (shipmentId: string) =>
    watchRowStatuses(() => journey.database.db.shipment.findUnique({ where: { id: shipmentId }, select: { status: true } }));

  /** Each stage visit of the shipment, counted by stage. */
  const visitsOf = async (shipmentId: string) => {
    const rows = await journey.database.db.stageTiming.findMany({ where: { shipmentId }, select: { stage: true } });
    const counts: Record<string, number> = {};
    for (const { stage } of rows) counts[stage] = (counts[stage] ?? 0) + 1;
    return counts;
  };

  it.concurrent('a shipment reset to its first workflow task once labelled: it resumes at its label, each stage visited once, its row never written back, delivered with one label, the stock moved once', async () => {
    const { handle, orderId } = await placeOrder();
    const shipmentId = ids.shipmentId(orderId, 1);
    const workflowId = ids.shipmentWorkflowId(shipmentId);
    await untilShipmentRow(shipmentId, ['label_created']);
    const db = journey.database.db;
    const stopWatching = watchStatuses(shipmentId);
    await reset(workflowId, 'FirstWorkflowTask');
    const outcome = await resultWithin(handle, 60_000);
    const statuses = await stopWatching();
    expect(outcome).toMatchObject({ stage: 'completed', shipments: [{ shipmentId, stage: 'delivered' }] });
    // Before, the new run wrote its row back through picking, packing, rating and booking, and visited each again.
    expect(statuses.filter((s) => BEFORE_LABEL.includes(s))).toEqual([]);
    const visits = await visitsOf(shipmentId);
    expect(Object.entries(visits).filter(([, n]) => n !== 1)).toEqual([]);
    expect(Object.keys(visits)).toEqual(expect.arrayContaining(['picking', 'packing', 'rating', 'booking', 'label_created']));
    // The visit the reset run went on from (label_created) ended under its own key when the parcel moved on.
    expect(await db.stageTiming.count({ where: { shipmentId, endedAt: null } })).toBe(0);
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('delivered');
    expect(await db.label.count({ where: { shipmentId } })).toBe(1);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    const latest = journey.env.client.workflow.getHandle(workflowId);
    const timeline = (await latest.query(shipmentStatusQuery)).timeline;
    expect(timeline.filter((e: { label: string }) => e.label === 'resumed at its label after a reset')).toHaveLength(1);
  });

  it.concurrent('a shipment reset to its first workflow task once labelled, then its order cancelled: the label voided and the stock put back once', async () => {
    const { handle, orderId } = await placeOrder('unused');
    const shipmentId = ids.shipmentId(orderId, 1);
    const workflowId = ids.shipmentWorkflowId(shipmentId);
    await untilShipmentRow(shipmentId, ['label_created']);
    const db = journey.database.db;
    const stopWatching = watchStatuses(shipmentId);
    await reset(workflowId, 'FirstWorkflowTask');
    const shipment = journey.env.client.workflow.getHandle(workflowId);
    // The reset run has taken its first step (resumed at the label, or, before, bought it again).
    for (let i = 0; i < 600; i++) {
      const timeline = (await shipment.query(shipmentStatusQuery).catch(() => undefined))?.timeline ?? [];
      if (timeline.some((e: { label: string }) => e.label === 'resumed at its label after a reset')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] });
    expect(await resultWithin(handle, 60_000)).toMatchObject({ stage: 'cancelled' });
    expect(await resultWithin(shipment, 30_000)).toMatchObject({ stage: 'cancelled' });
    const statuses = await stopWatching();
    expect(statuses.filter((s) => BEFORE_LABEL.includes(s))).toEqual([]);
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('cancelled');
    expect(await db.label.findMany({ where: { shipmentId }, select: { status: true } })).toEqual([{ status: 'voided' }]);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    const visits = await visitsOf(shipmentId);
    expect(Object.entries(visits).filter(([, n]) => n !== 1)).toEqual([]);
  });

  it.concurrent.each(['FirstWorkflowTask', 'LastWorkflowTask'] as const)(
    'reset to its %s while its shipment runs, then the shipment terminated from the CLI: the new run notes it, shows Escalated, refuses a cancel, and completes once ops reset the shipment',
    async (type) => {
      // Scans three quarters of a stall window apart: the parcel is still on its way when the shipment is terminated.
      const { handle, orderId } = await placeOrder('slow_scans');
      const shipmentId = ids.shipmentId(orderId, 1);
      const shipmentWorkflowId = ids.shipmentWorkflowId(shipmentId);
      await untilShipmentRow(shipmentId, ['label_created', 'in_transit']);
      await reset(handle.workflowId, type);
      const latest = journey.env.client.workflow.getHandle(handle.workflowId);
      // The new run watches the shipment it adopted (first task) or kept through the reset (last task).
      const watching = async () =>
        ((await latest.describe()).raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'awaitShipmentOutcome');
      for (let i = 0; i < 300 && !(await watching()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await watching()).toBe(true);
      await cli('workflow', 'terminate', '--workflow-id', shipmentWorkflowId, '--reason', 'Ada Lovelace called');

      // Before, the watch retried "terminated: reset it" out of sight: the order showed nothing and took a cancel
      // it could not pass on.
      const notes = async () => (await latest.query(orderStatusQuery)).timeline;
      for (let i = 0; i < 300 && !(await notes()).some((e) => e.label === 'shipment terminated in Temporal'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const terminated = (await notes()).filter((e) => e.label === 'shipment terminated in Temporal');
      expect(terminated).toHaveLength(1);
      expect(terminated[0]?.detail).toContain(`temporal workflow reset -w ${shipmentWorkflowId}`);
      expect(terminated[0]?.detail).not.toContain('Ada');
      expect((await latest.describe()).searchAttributes.Escalated).toEqual([true]);
      const refused = await latest.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'changed my mind' }] }).catch((e: Error) => e);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).cause).toMatchObject({ message: expect.stringContaining('was terminated in Temporal') });

      await reset(shipmentWorkflowId, 'LastWorkflowTask');
      expect(await resultWithin(latest, 90_000)).toMatchObject({ stage: 'completed', shipments: [{ shipmentId, stage: 'delivered' }] });
      expect((await notes()).map((e) => e.label)).toContain('shipment resumed');
      expect((await latest.describe()).searchAttributes.Escalated).toEqual([false]);
      expect(await journey.database.db.label.count({ where: { shipmentId } })).toBe(1);
      expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
    },
  );

  it.concurrent('a shipment deleted from the CLI while its parcel travels: the order starts its journey again, which goes on from its label and delivers, one label, the stock moved once', async () => {
    const { handle, orderId } = await placeOrder('slow_scans');
    const shipmentId = ids.shipmentId(orderId, 1);
    const shipmentWorkflowId = ids.shipmentWorkflowId(shipmentId);
    await untilShipmentRow(shipmentId, ['in_transit']);
    const [first] = await runsOf(shipmentWorkflowId);
    await cli('workflow', 'delete', '--workflow-id', shipmentWorkflowId, '--yes');

    // Before, the order heard the termination that comes first, then waited for good for a reset of a workflow
    // Temporal no longer had, escalated, refusing every cancel.
    expect(await resultWithin(handle, 90_000)).toMatchObject({ stage: 'completed', shipments: [{ shipmentId, stage: 'delivered' }] });
    const notes = (await handle.query(orderStatusQuery)).timeline.map((e) => e.label);
    expect(notes).toContain('shipment workflow deleted');
    expect((await handle.describe()).searchAttributes.Escalated).toEqual([false]);
    const runs = await runsOf(shipmentWorkflowId);
    expect(runs.map((r) => r.status.name)).toEqual(['COMPLETED']);
    expect(runs[0]?.runId).not.toBe(first?.runId);
    const db = journey.database.db;
    expect(await db.label.count({ where: { shipmentId } })).toBe(1);
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('delivered');
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
    // The run started again went on from its label: no stage visited twice, no second rate shop.
    const visits = await visitsOf(shipmentId);
    expect(Object.entries(visits).filter(([, n]) => n !== 1)).toEqual([]);
    const timeline = (await journey.env.client.workflow.getHandle(shipmentWorkflowId).query(shipmentStatusQuery)).timeline;
    expect(timeline.filter((e: { label: string }) => e.label === 'resumed at its label after its workflow was deleted')).toHaveLength(1);
  });

  // Last and alone: it compares every warehouse's booked pick capacity before and after, which the journeys above
  // (run side by side, each its own order) would move.
  it('a delivered shipment reset to its first workflow task: it ends delivered at once, nothing is picked, labelled, mailed, moved or written again', async () => {
    const { handle, orderId } = await placeOrder();
    expect((await handle.result()).stage).toBe('completed');
    const shipmentId = ids.shipmentId(orderId, 1);
    const db = journey.database.db;
    const ended = async () => ({
      // Before, its row was written again (updatedAt moved; its status went back through label_created and in_transit).
      shipment: await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } }),
      stages: await db.stageTiming.findMany({ where: { shipmentId }, orderBy: { id: 'asc' } }),
      escalations: await db.escalation.count({ where: { orderId } }),
      capacity: await db.warehouseCapacityDay.findMany({ orderBy: [{ warehouseCode: 'asc' }, { day: 'asc' }] }),
      order: await db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, completedAt: true } }),
      reservations: await db.reservation.findMany({ where: { orderId }, select: { id: true, status: true }, orderBy: { id: 'asc' } }),
      movements: await db.inventoryMovement.count({ where: { orderId } }),
      labels: await db.label.findMany({ where: { shipmentId }, select: { id: true, status: true } }),
      mails: await db.customerMail.count({ where: { orderId } }),
      webhooks: await db.webhookEvent.count({ where: { orderId } }),
    });
    const before = await ended();
    expect(before.shipment.status).toBe('delivered');

    const first = await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).result();
    await reset(ids.shipmentWorkflowId(shipmentId), 'FirstWorkflowTask');
    const latest = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
    // Its first step (here the pick of the slot its plan booked) finds the shipment ended and the run ends so, with the
    // outcome the first run had. Before, it replayed the journey: every step found its work done, but wrote it again.
    expect(await resultWithin(latest, 30_000)).toEqual(first);
    expect(await ended()).toEqual(before);
    const work = await workOf(latest.workflowId, (await latest.describe()).runId);
    expect(work.activities.length + work.localActivities).toBe(1);
    expect(await createInventoryActivities(db).ledgerBalances()).toEqual([]);
  });
});
