import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { HOUR_MS } from '../../domain/clock';
import { ids } from '../../domain/ids';
import { resolveEscalationUpdate } from '../../workflows/definitions';
import { CANCEL_REQUEST_REASON } from '../../workflows/shared/cancel-request';
import { startJourney, type Journey } from '../support/journey';
import {
  fillWarehouseForAWeek,
  firstShipmentId,
  orderIdOf,
  orderView,
  recipient,
  shipmentView,
  stockSnapshot,
  until,
  untilEscalation,
  untilShipmentStage,
  untilWorkflowKnowsEscalation,
} from './steps';

const run = promisify(execFile);

/** Orders of these SKUs come only from LYS1, whose cut-off the tests move to hold a shipment before booking. */
const LYS1_ONLY = [{ sku: 'CUTTING-BOARD-OAK', quantity: 2 }];

/**
 * "Request Cancellation" in the Temporal Web UI and `temporal workflow cancel` send the same request: left
 * to Temporal it would end the journey on the spot with nothing compensated (stock held, rows "fulfilling"
 * for ever). The journeys take it as the API's cancel, or refuse it where the API would.
 */
describe('a cancel requested in Temporal itself (Web UI, CLI)', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  const labelsOf = (orderId: string) => journey.database.db.label.findMany({ where: { shipment: { orderId } } });
  const cancelWithTheCli = (workflowId: string) =>
    run(inject('temporalCliPath'), [
      'workflow',
      'cancel',
      '--address',
      journey.env.address,
      '--namespace',
      'default',
      '--workflow-id',
      workflowId,
    ]);

  it('before booking: taken as the API cancel, the stock released exactly, no label, the order ended cancelled', async () => {
    const before = await stockSnapshot(journey, ['CUTTING-BOARD-OAK']);
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const handle = await journey.placeOrder({ lines: LYS1_ONLY });
      await untilShipmentStage(journey, firstShipmentId(handle), ['waiting_for_pick_slot']);
      expect(await stockSnapshot(journey, ['CUTTING-BOARD-OAK'])).not.toEqual(before);

      await cancelWithTheCli(handle.workflowId);
      const outcome = await handle.result();
      expect(outcome.stage).toBe('cancelled');
      expect(outcome.shipments.map((s) => s.stage)).toEqual(['cancelled']);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(await stockSnapshot(journey, ['CUTTING-BOARD-OAK'])).toEqual(before);
      expect(await createInventoryActivities(journey.database.db).ledgerBalances()).toEqual([]);
      expect(await labelsOf(outcome.orderId)).toEqual([]);
      const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: firstShipmentId(handle) } });
      expect(shipment).toMatchObject({ status: 'cancelled', pickDay: null });
      expect((await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId } })).status).toBe('cancelled');
      expect((await orderView(handle)).timeline).toContainEqual(
        expect.objectContaining({ label: 'cancellation requested', detail: CANCEL_REQUEST_REASON }),
      );
    } finally {
      await reopen();
    }
  });

  it('on the shipment alone, before booking: the shipment compensates, and its order ends cancelled', async () => {
    const before = await stockSnapshot(journey, ['CUTTING-BOARD-OAK']);
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const handle = await journey.placeOrder({ lines: LYS1_ONLY });
      const shipmentId = firstShipmentId(handle);
      await untilShipmentStage(journey, shipmentId, ['waiting_for_pick_slot']);

      await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).cancel();
      const outcome = await handle.result();
      expect(outcome.stage).toBe('cancelled');
      expect(await stockSnapshot(journey, ['CUTTING-BOARD-OAK'])).toEqual(before);
      expect(await labelsOf(outcome.orderId)).toEqual([]);
      expect((await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).status).toBe('cancelled');
      expect((await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId } })).status).toBe('cancelled');
    } finally {
      await reopen();
    }
  });

  it('once the carrier has the parcel: refused in the timeline, and the parcel is delivered', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    await until(
      journey,
      'the parcel with the carrier',
      () => orderView(handle),
      (o) => o.shipments.some((s) => s.shipmentId === shipmentId && ['in_transit', 'out_for_delivery'].includes(s.stage)),
    );

    await handle.cancel();
    await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).cancel();
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['delivered']);
    const refused = expect.objectContaining({ label: 'cancellation in Temporal refused' });
    expect((await orderView(handle)).timeline).toContainEqual(refused);
    expect((await shipmentView(journey, shipmentId)).timeline).toContainEqual(refused);
    expect((await journey.database.db.order.findUniqueOrThrow({ where: { id: orderIdOf(handle) } })).status).toBe('completed');
  });

  it('once refused, the shipment still takes answers: its stuck escalation answered "refund" ends it refunded', async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:stall]') });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    const shipment = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
    await untilShipmentStage(journey, shipmentId, ['in_transit']);
    await cancelWithTheCli(shipment.workflowId);
    await until(
      journey,
      'the refusal noted',
      () => shipmentView(journey, shipmentId),
      (v) => v.timeline.some((e) => e.label === 'cancellation in Temporal refused'),
    );

    const opened = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, opened);
    // Before: every answer failed with "Workflow cancelled" (its handler ran in the cancelled workflow scope), so ops could
    // never answer an escalation of a parcel whose cancel Temporal had been asked for.
    const answered = await shipment.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: opened.id, decision: 'refund', resolvedBy: 'ops-test' }],
    });
    expect(answered).toMatchObject({ decision: 'refund' });
    // A refunded single parcel ends its order cancelled, as without the cancel request (escalations.test.ts).
    expect(await handle.result()).toMatchObject({ stage: 'cancelled', shipments: [{ stage: 'refunded' }] });
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: opened.id } })).toMatchObject({
      status: 'resolved',
      decision: 'refund',
    });
  });
});
