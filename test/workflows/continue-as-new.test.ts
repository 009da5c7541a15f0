import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { HOUR_MS } from '../../domain/clock';
import { ids } from '../../domain/ids';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { orderStatusQuery, resolveEscalationUpdate, restockedSignal, trackingEventsSignal } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import {
  firstShipmentId,
  orderIdOf,
  recipient,
  shipmentView,
  until,
  untilEscalation,
  untilOrderStage,
  untilWorkflowKnowsEscalation,
} from './steps';

/**
 * Week-long waits hand over to a fresh run (continue-as-new) before a history grows without bound.
 * Production hands over at 2,000 events; these journeys set the bound low so a few days of polls or
 * restocks cross it, and prove the new run carries on where the old one stopped: the same open
 * escalation (answered on the new run), the same label, one outcome.
 */
describe('continue-as-new on long waits', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  /** The run ended by handing over: its history's last event. */
  const continuedAsNew = async (workflowId: string, runId: string) => {
    const history = await journey.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    return history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes !== undefined;
  };

  it('a stuck parcel polled for days continues as new, keeps its escalation and its label, and is delivered once', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Grace Hopper [scenario:stall]') }, { historyEventsPerRun: 60 });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const stuck = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
    const shipmentHandle = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
    const firstRunId = (await shipmentHandle.describe()).runId;
    // Polled every 24 business hours while stuck: a few days cross 60 events.
    await until(
      journey,
      `${shipmentId} continued as new`,
      async () => (await shipmentHandle.describe()).runId,
      (runId) => runId !== firstRunId,
      { stepMs: 12 * HOUR_MS },
    );

    const carried = await shipmentView(journey, shipmentId);
    expect(carried.escalations).toEqual([expect.objectContaining({ escalationId: stuck.id, reason: 'stuck' })]);
    expect(carried.labelAttempt).toBe(1);
    await untilWorkflowKnowsEscalation(journey, stuck);
    await shipmentHandle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: stuck.id, decision: 'wait', resolvedBy: 'ops-test' }],
    });

    const carrier = carried.carrierCode as SimulatedCarrierCode;
    const now = await journey.env.currentTimeMs();
    await shipmentHandle.signal(trackingEventsSignal, {
      source: 'webhook',
      events: [
        {
          carrierCode: carrier,
          eventId: `${shipmentId}-can-delivered`,
          trackingNumber: carried.trackingNumber ?? '',
          statusCode: CARRIER_STATUS_CODES[carrier].delivered,
          occurredAt: new Date(now).toISOString(),
        },
      ],
    });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments).toEqual([expect.objectContaining({ shipmentId, stage: 'delivered' })]);
    const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId }, include: { labels: true } });
    expect(shipment.status).toBe('delivered');
    expect(shipment.labels).toHaveLength(1);
    expect(await continuedAsNew(ids.shipmentWorkflowId(shipmentId), firstRunId)).toBe(true);
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: stuck.id } })).toMatchObject({
      status: 'resolved',
      decision: 'wait',
    });
  });

  it('a backordered order woken by many restocks continues as new and ships once the stock is there', async () => {
    const inventory = createInventoryActivities(journey.database.db);
    const handle = await journey.placeOrder(
      { lines: [{ sku: 'KETTLE-17L', quantity: 6 }], backorderPolicy: 'backorder', backorderWaitHours: 24 * 30 },
      { historyEventsPerRun: 40 },
    );
    const waiting = await untilOrderStage(journey, handle, ['backordered']);
    // A restock announced once the order waits, a week past its promise: the next wake-up (a restock of other goods)
    // re-promises the order to it. Announced before the order, it dated the intake promise or not depending on how far
    // earlier tests had skipped the test server's clock ahead of the API's (a flaky re-promise). Ten days from now, it
    // was not always later than the promise of eight working days (a Friday's two weekends, or Christmas, between).
    const now = await journey.env.currentTimeMs();
    await journey.database.db.inboundStock.create({
      data: {
        reference: `ASN-CAN-${now}`,
        warehouseCode: 'LYS1',
        skuCode: 'KETTLE-17L',
        quantity: 5,
        expectedAt: new Date(Date.parse(waiting.promisedBy) + 7 * 86_400_000),
      },
    });
    await handle.signal(restockedSignal, { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350' });
    const repromised = await until(
      journey,
      `${handle.workflowId} re-promised`,
      () => journey.database.db.promiseChange.findFirst({ where: { orderId: orderIdOf(handle) } }),
      (change) => change !== null,
      { stepMs: 1_000 },
    );
    const firstRunId = (await handle.describe()).runId;
    // Restocks of other goods wake the order; each is a reservation attempt that finds nothing new.
    for (let i = 0; i < 8; i++) {
      await handle.signal(restockedSignal, { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350' });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const secondRun = await until(
      journey,
      `${handle.workflowId} continued as new`,
      async () => (await handle.describe()).runId,
      (runId) => runId !== firstRunId,
      { stepMs: 60_000 },
    );
    expect(secondRun).not.toBe(firstRunId);
    const carried = await untilOrderStage(journey, handle, ['backordered']);
    expect(carried.shortages).toEqual([expect.objectContaining({ skuCode: 'KETTLE-17L', missing: 2 })]);
    // The fresh run keeps the date the order was re-promised to, and its shipment starts with it.
    expect(carried.promisedBy).toBe(repromised?.newPromisedBy.toISOString());

    await inventory.restock({ warehouseCode: 'LYS1', skuCode: 'KETTLE-17L', quantity: 5, reference: `ASN-CAN-${orderIdOf(handle)}` });
    await handle.signal(restockedSignal, { warehouseCode: 'LYS1', skuCode: 'KETTLE-17L' });
    const outcome = await journey.env.client.workflow.getHandle(handle.workflowId).result();
    expect(outcome).toMatchObject({ stage: 'completed', shortages: [] });
    const shipment = await journey.database.db.shipment.findFirstOrThrow({ where: { orderId: orderIdOf(handle) } });
    expect(shipment.promisedBy.toISOString()).toBe(repromised?.newPromisedBy.toISOString());
    expect(await journey.database.db.promiseChange.count({ where: { orderId: orderIdOf(handle) } })).toBe(1);
    // Told once: the fresh run knew the date already, and the shipment's own journey ran against it.
    const finalView = await journey.env.client.workflow.getHandle(handle.workflowId).query(orderStatusQuery);
    expect(finalView.timeline.filter((e) => e.label.startsWith('re-promised'))).toHaveLength(1);
    expect((await shipmentView(journey, shipment.id)).promisedBy).toBe(repromised?.newPromisedBy.toISOString());
    expect(await continuedAsNew(handle.workflowId, firstRunId)).toBe(true);
    expect(await inventory.ledgerBalances()).toEqual([]);
  });
});
