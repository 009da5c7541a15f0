import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { ids, TASK_QUEUES } from '../../domain/ids';
import { CARRIER_STATUS_CODES } from '../../domain/tracking-codes';
import { insertLabel, insertOrder, insertShipment } from './fixtures';
import { createHarness, type Harness, KEYS, newKey, carrierWebhook } from './harness';

/**
 * A parcel cancelled before its pickup scan that the carrier scans after all. No worker runs: the shipment ends as its
 * cancel ends it (label voided, reservations released by the inventory's own release), and its workflow is gone, as it
 * is once a cancelled shipment has finished; the carrier's webhooks then reach the API alone.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const SKU = 'MUG-CER-350';

/** A shipment cancelled after booking, before any pickup scan: its label voided, its stock released as the cancel releases it. */
async function cancelledBeforePickup(): Promise<{ orderId: string; shipmentId: string; trackingNumber: string; warehouseCode: string }> {
  const inventory = createInventoryActivities(h.db);
  const orderId = await insertOrder(h.db, { status: 'reserving', submittedBy: KEYS.intake.name, skuCode: SKU });
  const reserved = await inventory.reserveStock({ orderId });
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  const reservation = await h.db.reservation.findFirstOrThrow({ where: { orderId, status: 'held' } });
  expect(reserved).toBeDefined();
  await h.db.reservation.updateMany({ where: { orderId }, data: { shipmentId } });
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'cancelled', warehouseCode: reservation.warehouseCode } });
  await h.db.label.updateMany({ where: { shipmentId }, data: { status: 'voided' } });
  await inventory.releaseReservations({ orderId, shipmentId, reason: 'customer changed their mind' });
  await h.db.order.update({ where: { id: orderId }, data: { status: 'cancelled' } });
  return { orderId, shipmentId, trackingNumber, warehouseCode: reservation.warehouseCode };
}

const level = (warehouseCode: string) =>
  h.db.inventoryLevel.findUniqueOrThrow({ where: { warehouseCode_skuCode: { warehouseCode, skuCode: SKU } } });

function push(trackingNumber: string, status: 'in_transit' | 'out_for_delivery' | 'returned_to_sender', eventId = newKey('EVT-left')) {
  return carrierWebhook(h.app, 'swiftpost', [
    {
      carrierCode: 'swiftpost',
      eventId,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES.swiftpost[status],
      detail: 'Parcel collected',
      location: 'Paris',
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
    },
  ]);
}

/** How many runs of `workflowId` Temporal holds, running or closed. */
async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of h.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
  return runs;
}

const ops = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
  h.as(KEYS.ops, { method, url, ...(payload === undefined ? {} : { payload }) });

describe('a parcel cancelled before its pickup scan, scanned by the carrier anyway', () => {
  it('the first scan takes the restocked units back out of stock once and escalates the parcel; repeats change nothing', async () => {
    const { orderId, shipmentId, trackingNumber, warehouseCode } = await cancelledBeforePickup();
    const before = await level(warehouseCode);

    const first = await push(trackingNumber, 'in_transit');
    expect(first.statusCode, first.body).toBe(200);
    // Carriers repeat scans: the same one again, and the next one on the way.
    const eventId = newKey('EVT-left-same');
    for (const response of [await push(trackingNumber, 'in_transit', eventId), await push(trackingNumber, 'in_transit', eventId)])
      expect(response.statusCode).toBe(200);
    expect((await push(trackingNumber, 'out_for_delivery')).statusCode).toBe(200);

    const after = await level(warehouseCode);
    expect(after).toMatchObject({ onHand: before.onHand - 1, reserved: before.reserved });
    const movements = await h.db.inventoryMovement.findMany({
      where: { shipmentId, idempotencyKey: { startsWith: 'left-after-cancel:' } },
    });
    expect(movements).toEqual([expect.objectContaining({ kind: 'ship', onHandDelta: -1, reservedDelta: 0, warehouseCode, skuCode: SKU })]);

    const escalations = await h.db.escalation.findMany({ where: { shipmentId } });
    expect(escalations).toEqual([expect.objectContaining({ orderId, reason: 'left_after_cancel', severity: 'high', status: 'open' })]);
    expect(escalations[0]!.detail).toMatch(new RegExp(`parcel ${trackingNumber} \\(swiftpost\\) was scanned by the carrier`));
    expect(escalations[0]!.detail).toMatch(/Intercept or recall it with the carrier/);
    expect(escalations[0]!.detail).toMatch(
      new RegExp(`Taken back out of stock, as restocked at the cancel: 1 × ${SKU} at ${warehouseCode}`),
    );

    // Ops are paged as for a journey's escalation: one alert workflow, however often the carrier repeated the scan.
    const alertId = ids.escalationAlertWorkflowId(escalations[0]!.id);
    const alert = await h.client.workflow.getHandle(alertId).describe();
    expect(alert.type).toBe('escalationAlertWorkflow');
    expect(alert.taskQueue).toBe(TASK_QUEUES.orders);
    expect(await runsOf(alertId)).toBe(1);

    // Ops see it in their list, and the order's timeline says the parcel left after all.
    const listed = (await ops('GET', '/escalations?reason=left_after_cancel&open=true')).json();
    expect(listed.items.map((e: { escalationId: string }) => e.escalationId)).toContain(escalations[0]!.id);
    const timeline = (await h.as(KEYS.ops, { method: 'GET', url: `/orders/${orderId}/timeline` })).json();
    expect(timeline.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'escalation', label: 'escalation opened: left_after_cancel (high)', shipmentId }),
      ]),
    );

    // No workflow follows the parcel: ops' answer closes the escalation where it is stored.
    const resolved = await ops('POST', `/escalations/${escalations[0]!.id}/resolve`, {
      decision: 'cancel',
      note: 'recalled with swiftpost',
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(await h.db.escalation.findUniqueOrThrow({ where: { id: escalations[0]!.id } })).toMatchObject({
      status: 'resolved',
      decision: 'cancel',
      resolvedBy: KEYS.ops.name,
    });
    // A scan after that opens nothing again and takes nothing again.
    expect((await push(trackingNumber, 'in_transit')).statusCode).toBe(200);
    expect(await h.db.escalation.count({ where: { shipmentId } })).toBe(1);
    expect(await level(warehouseCode)).toMatchObject({ onHand: before.onHand - 1 });
    expect(await runsOf(alertId)).toBe(1);
    await h.client.workflow.getHandle(alertId).terminate('test over: no worker serves this namespace');
  });

  it('never takes a level below zero: what is not on hand is named in the escalation, and the ledger keeps balance', async () => {
    const { shipmentId, trackingNumber, warehouseCode } = await cancelledBeforePickup();
    const emptied = await level(warehouseCode);
    // The shelf was counted meanwhile: the level holds nothing (its adjustment in the ledger, as a count writes it).
    await h.db.inventoryMovement.create({
      data: {
        warehouseCode,
        skuCode: SKU,
        kind: 'adjust',
        onHandDelta: -emptied.onHand,
        reservedDelta: 0,
        idempotencyKey: newKey('count'),
      },
    });
    await h.db.inventoryLevel.update({ where: { warehouseCode_skuCode: { warehouseCode, skuCode: SKU } }, data: { onHand: 0 } });
    try {
      expect((await push(trackingNumber, 'in_transit')).statusCode).toBe(200);
      expect(await level(warehouseCode)).toMatchObject({ onHand: 0 });
      const [movement] = await h.db.inventoryMovement.findMany({
        where: { shipmentId, idempotencyKey: { startsWith: 'left-after-cancel:' } },
      });
      expect(movement).toMatchObject({ onHandDelta: 0 });
      const escalation = await h.db.escalation.findFirstOrThrow({ where: { shipmentId } });
      expect(escalation.detail).toMatch(/only 0 on hand: 1 missing from the ledger, count the shelf/);
    } finally {
      await h.db.inventoryMovement.create({
        data: {
          warehouseCode,
          skuCode: SKU,
          kind: 'adjust',
          onHandDelta: emptied.onHand,
          reservedDelta: 0,
          idempotencyKey: newKey('recount'),
        },
      });
      await h.db.inventoryLevel.update({
        where: { warehouseCode_skuCode: { warehouseCode, skuCode: SKU } },
        data: { onHand: { increment: emptied.onHand } },
      });
    }
  });

  it('a parcel that leaves under the label its address change voided is escalated and counted out, and comes back as a carrier return', async () => {
    // An address change voided the first label and bought a second; the order was cancelled before pickup; the dock
    // handed the parcel over with the first label still on it.
    const { orderId, shipmentId, trackingNumber: first, warehouseCode } = await cancelledBeforePickup();
    const second = `${first}-B`;
    await insertLabel(h.db, shipmentId, { attempt: 2, trackingNumber: second, status: 'voided' });
    await h.db.shipment.update({ where: { id: shipmentId }, data: { trackingNumber: second } });
    const before = await level(warehouseCode);

    expect((await push(first, 'in_transit')).statusCode).toBe(200);
    expect(await level(warehouseCode)).toMatchObject({ onHand: before.onHand - 1 });
    const [escalation] = await h.db.escalation.findMany({ where: { shipmentId } });
    expect(escalation).toMatchObject({ orderId, reason: 'left_after_cancel', status: 'open' });
    expect(escalation!.detail).toContain(`parcel ${first} (swiftpost) was scanned`);
    expect(escalation!.detail).toContain(`(an earlier label, replaced by ${second} before the cancel: it goes to that label's address)`);

    // Recalled, it comes back under the same first label: the goods are received for inspection, once.
    expect((await push(first, 'returned_to_sender')).statusCode).toBe(200);
    expect((await push(first, 'returned_to_sender')).statusCode).toBe(200);
    const returns = await h.db.return.findMany({ where: { shipmentId } });
    expect(returns).toEqual([expect.objectContaining({ orderId, status: 'received' })]);
    for (const id of [ids.escalationAlertWorkflowId(escalation!.id), returns[0]!.workflowId])
      await h.client.workflow
        .getHandle(id)
        .terminate('test over: no worker serves this namespace')
        .catch(() => undefined);
  });

  it('a shipment cancelled after the carrier had it, or not cancelled at all, is left as it was', async () => {
    // Ended delivered: a late scan is ignored as before.
    const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered' } });
    expect((await push(trackingNumber, 'in_transit')).statusCode).toBe(200);
    expect(await h.db.escalation.count({ where: { shipmentId } })).toBe(0);
    // Cancelled, but its goods had left the shelf in the books (a ship movement): not this case.
    const other = await cancelledBeforePickup();
    await h.db.inventoryMovement.create({
      data: {
        warehouseCode: other.warehouseCode,
        skuCode: SKU,
        kind: 'ship',
        onHandDelta: 0,
        reservedDelta: 0,
        shipmentId: other.shipmentId,
        idempotencyKey: newKey('ship'),
      },
    });
    expect((await push(other.trackingNumber, 'in_transit')).statusCode).toBe(200);
    expect(await h.db.escalation.count({ where: { shipmentId: other.shipmentId } })).toBe(0);
  });
});

describe('a parcel the carrier brings back after scanning it delivered', () => {
  it('is received for inspection once, the inspection owing the customer their refund (nobody settled them)', async () => {
    const orderId = await insertOrder(h.db, { status: 'completed', submittedBy: KEYS.intake.name, skuCode: SKU });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
    await h.db.inventoryMovement.create({
      data: {
        warehouseCode: 'PAR1',
        skuCode: SKU,
        kind: 'ship',
        onHandDelta: 0,
        reservedDelta: 0,
        orderId,
        shipmentId,
        idempotencyKey: newKey('ship'),
      },
    });
    const eventId = newKey('EVT-rts');
    for (const id of [eventId, eventId, newKey('EVT-rts')])
      expect((await push(trackingNumber, 'returned_to_sender', id)).statusCode).toBe(200);
    const returns = await h.db.return.findMany({ where: { shipmentId } });
    expect(returns).toEqual([expect.objectContaining({ orderId, status: 'received', customerSettledBy: null })]);
    await h.client.workflow
      .getHandle(returns[0]!.workflowId)
      .terminate('test over: no worker serves this namespace')
      .catch(() => undefined);
  });
});
