import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SHOPS } from '../../domain/notifications';
import { createReshipActivities } from '../../activities/reships';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { receiveLateDelivery } from '../../api/services/found-parcels';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { ids } from '../../domain/ids';
import type { TrackingStatus } from '../../domain/lifecycle';
import { CARRIER_STATUS_CODES } from '../../domain/tracking-codes';
import { eraseOrderPersonalData } from '../../api/services/order-erasure';
import { insertFinishedReturn, insertOrder, insertShipment } from './fixtures';
import { createHarness, type Harness, KEYS, newKey, TRACKING_SECRET, carrierWebhook } from './harness';

/**
 * Carrier scans that come after their shipment's journey ended: no workflow is left to hear them (no worker runs here,
 * and the shipments' workflows do not exist, as once they have finished). Before, each was answered 200 and dropped
 * with a log line: a parcel given up as lost that the carrier then delivered still read "lost" to the customer, the
 * shop and ops, and an exception after a delivery left no trace.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  // Every shop's events, so the outbox records what the shop is told.
  await h.db.webhookSubscription.create({
    data: { id: newKey('SUB-after-end'), shopId: ALL_SHOPS, url: 'https://shop.example/hooks', secret: `whsec_${'A'.repeat(43)}=` },
  });
});
afterAll(async () => {
  await h?.close();
});

function push(trackingNumber: string, status: TrackingStatus, eventId: string, occurredAt = new Date(Date.now() - 3_600_000)) {
  return carrierWebhook(h.app, 'swiftpost', [
    {
      carrierCode: 'swiftpost',
      eventId,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES.swiftpost[status],
      detail: 'Carrier scan',
      location: 'Lyon',
      occurredAt: occurredAt.toISOString(),
    },
  ]);
}

const delivered = (trackingNumber: string, eventId: string): CarrierTrackingEvent => ({
  carrierCode: 'swiftpost',
  eventId,
  trackingNumber,
  statusCode: CARRIER_STATUS_CODES.swiftpost.delivered,
  occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
});

const ops = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
  h.as(KEYS.ops, { method, url, ...(payload === undefined ? {} : { payload }) });

/** A French order whose parcel S1 was given up (`lost` and sent again as S2, or `refunded`), its claim opened as a re-ship opens it. */
async function givenUpParcel(endedAs: 'lost' | 'refunded') {
  const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
  await h.db.order.update({ where: { id: orderId }, data: { locale: 'fr' } });
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  await createReshipActivities(h.db).settleLostParcel({ shipmentId, damaged: false });
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: endedAs } });
  let replacement: string | undefined;
  if (endedAs === 'lost') {
    replacement = (await insertShipment(h.db, orderId, { seq: 2 })).shipmentId;
    await h.db.shipment.update({ where: { id: replacement }, data: { replacesShipmentId: shipmentId } });
  }
  return { orderId, shipmentId, trackingNumber, replacement };
}

const answerCounts = (bodies: string[]) =>
  bodies
    .map((body) => JSON.parse(body) as { accepted: number; duplicates: number })
    .map(({ accepted, duplicates }) => ({ accepted, duplicates }));

describe('a parcel given up as lost that the carrier delivers after all', () => {
  it('is recorded once, reads delivered after all, puts an escalation in front of ops and tells the shop, however often it comes', async () => {
    const { orderId, shipmentId, trackingNumber, replacement } = await givenUpParcel('lost');
    const eventId = newKey('EVT-found');
    const deliveredAt = new Date(Date.now() - 7_200_000);

    // Two copies of the carrier's webhook at once, then its retry.
    const copies = await Promise.all([
      push(trackingNumber, 'delivered', eventId, deliveredAt),
      push(trackingNumber, 'delivered', eventId, deliveredAt),
    ]);
    const again = await push(trackingNumber, 'delivered', eventId, deliveredAt);
    for (const response of [...copies, again]) expect(response.statusCode, response.body).toBe(200);
    const counts = answerCounts(copies.map((r) => r.body));
    expect(counts.reduce((n, c) => n + c.accepted, 0)).toBe(1);
    expect(counts.reduce((n, c) => n + c.duplicates, 0)).toBe(1);
    expect(answerCounts([again.body])).toEqual([{ accepted: 0, duplicates: 1 }]);

    // Recorded in the database, once.
    expect(await h.db.trackingEventAfterEnd.findMany({ where: { shipmentId } })).toEqual([
      expect.objectContaining({ trackingNumber, status: 'delivered', shipmentStatus: 'lost', occurredAt: deliveredAt }),
    ]);

    // Ops have something to settle: one escalation, paged once, answered in the database.
    const escalations = await h.db.escalation.findMany({ where: { shipmentId } });
    expect(escalations).toEqual([expect.objectContaining({ orderId, reason: 'delivered_after_all', severity: 'medium', status: 'open' })]);
    const escalation = escalations[0]!;
    expect(escalation.detail).toContain(`parcel ${trackingNumber} (swiftpost) of shipment ${shipmentId}, given up as lost`);
    expect(escalation.detail).toContain(`the customer holds its goods twice (1 × MUG-CER-350: sent again as ${replacement})`);
    const listed = (await ops('GET', '/escalations?reason=delivered_after_all&open=true')).json();
    expect(listed.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ escalationId: escalation.id, allowedDecisions: ['wait', 'cancel'] })]),
    );
    const alert = h.client.workflow.getHandle(ids.escalationAlertWorkflowId(escalation.id));
    expect((await alert.describe()).type).toBe('escalationAlertWorkflow');

    // The shop hears the delivery, once, saying the parcel had been given up as lost.
    const events = await h.db.webhookEvent.findMany({ where: { orderId, type: 'shipment.delivered' } });
    expect(events).toHaveLength(1);
    expect((events[0]!.payload as { data: unknown }).data).toEqual({
      shipmentId,
      carrierCode: 'swiftpost',
      trackingNumber,
      deliveredAt: deliveredAt.toISOString(),
      endedAs: 'lost',
    });
    // Its carrier claim is withdrawn: the carrier lost nothing.
    expect(await h.db.carrierClaim.findUniqueOrThrow({ where: { shipmentId } })).toMatchObject({ status: 'withdrawn' });

    // The order's timeline and the order read delivered after all.
    const timeline = (await ops('GET', `/orders/${orderId}/timeline`)).json();
    expect(timeline.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'tracking', label: 'delivered after all', shipmentId, at: deliveredAt.toISOString() }),
        expect.objectContaining({ kind: 'escalation', label: 'escalation opened: delivered_after_all (medium)', shipmentId }),
      ]),
    );
    expect(timeline.trackingNumbers).toEqual(
      expect.arrayContaining([{ shipmentId, carrierCode: 'swiftpost', trackingNumber, status: 'delivered' }]),
    );
    const order = (await ops('GET', `/orders/${orderId}`)).json();
    expect(order.shipments.find((s: { shipmentId: string }) => s.shipmentId === shipmentId)).toMatchObject({
      stage: 'lost',
      deliveredAfterAll: deliveredAt.toISOString(),
    });

    // The customer's page, in the order's language.
    const page = await h.as(undefined, { method: 'GET', url: trackingPath(orderId, TRACKING_SECRET) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`swiftpost ${trackingNumber} — Livré finalement`);
    expect(page.body).toContain('<strong>Livré finalement</strong>');

    // Ops settle it: the goods written off, the customer keeps them. A scan after that opens nothing again.
    const resolved = await ops('POST', `/escalations/${escalation.id}/resolve`, { decision: 'cancel', note: 'written off' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(await h.db.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).toMatchObject({
      status: 'resolved',
      decision: 'cancel',
      resolvedBy: KEYS.ops.name,
    });
    expect((await push(trackingNumber, 'delivered', newKey('EVT-found-again'))).statusCode).toBe(200);
    expect(await h.db.escalation.count({ where: { shipmentId } })).toBe(1);
    expect(await h.db.webhookEvent.count({ where: { orderId, type: 'shipment.delivered' } })).toBe(1);
    await alert.terminate('test over: no worker serves this namespace').catch(() => undefined);
  });

  it('deliveries of one parcel handled at once (the scan and its twins) open one escalation and tell the shop once', async () => {
    for (let round = 0; round < 4; round++) {
      const parcel = await givenUpParcel('lost');
      const twins = Array.from({ length: 4 }, () => newKey('EVT-twin'));
      // The carrier's scan and its twins under other event ids, each in its own webhook, reach the API together.
      const handled = await Promise.all(
        twins.map((eventId) => receiveLateDelivery(h.app, h.app.log, parcel.shipmentId, [delivered(parcel.trackingNumber, eventId)])),
      );
      expect(handled).toEqual([true, true, true, true]);
      expect(await h.db.escalation.count({ where: { shipmentId: parcel.shipmentId, reason: 'delivered_after_all' } })).toBe(1);
      expect(await h.db.webhookEvent.count({ where: { orderId: parcel.orderId, type: 'shipment.delivered' } })).toBe(1);
      const escalation = await h.db.escalation.findFirstOrThrow({ where: { shipmentId: parcel.shipmentId } });
      await h.client.workflow
        .getHandle(ids.escalationAlertWorkflowId(escalation.id))
        .terminate('test over')
        .catch(() => undefined);
    }
  });

  it('a refunded parcel delivered after all tells ops the customer holds refunded goods', async () => {
    const { orderId, shipmentId, trackingNumber } = await givenUpParcel('refunded');
    expect((await push(trackingNumber, 'delivered', newKey('EVT-refunded'))).statusCode).toBe(200);
    const escalation = await h.db.escalation.findFirstOrThrow({ where: { shipmentId } });
    expect(escalation).toMatchObject({ orderId, reason: 'delivered_after_all', status: 'open' });
    expect(escalation.detail).toContain('given up as refunded');
    expect(escalation.detail).toContain('the customer holds goods the shop refunded (1 × MUG-CER-350)');
    const webhook = await h.db.webhookEvent.findFirstOrThrow({ where: { orderId, type: 'shipment.delivered' } });
    expect((webhook.payload as { data: { endedAs: string } }).data.endedAs).toBe('refunded');
    await h.client.workflow
      .getHandle(ids.escalationAlertWorkflowId(escalation.id))
      .terminate('test over')
      .catch(() => undefined);
  });
});

describe('any other scan after the end', () => {
  it('an exception after the delivery is stored once, in the order timeline and the ops list; no escalation, no shop event', async () => {
    const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered' } });
    const eventId = newKey('EVT-exception');
    const copies = await Promise.all([push(trackingNumber, 'exception', eventId), push(trackingNumber, 'exception', eventId)]);
    for (const response of copies) expect(response.statusCode, response.body).toBe(200);
    expect(answerCounts(copies.map((r) => r.body)).reduce((n, c) => n + c.accepted, 0)).toBe(1);

    expect(await h.db.trackingEventAfterEnd.findMany({ where: { shipmentId } })).toEqual([
      expect.objectContaining({ status: 'exception', shipmentStatus: 'delivered', carrierEventId: eventId }),
    ]);
    expect(await h.db.escalation.count({ where: { shipmentId } })).toBe(0);
    expect(await h.db.webhookEvent.count({ where: { orderId } })).toBe(0);

    const timeline = (await ops('GET', `/orders/${orderId}/timeline`)).json();
    expect(timeline.entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'tracking', label: 'exception', shipmentId })]),
    );
    const listed = await ops('GET', '/carriers/scans-after-end');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items.filter((item: { shipmentId: string }) => item.shipmentId === shipmentId)).toEqual([
      expect.objectContaining({
        carrierCode: 'swiftpost',
        trackingNumber,
        status: 'exception',
        orderId,
        shipmentStatus: 'delivered',
        detail: 'Carrier scan',
        location: 'Lyon',
      }),
    ]);
    // Ops' list only.
    expect((await h.as(KEYS.intake, { method: 'GET', url: '/carriers/scans-after-end' })).statusCode).toBe(403);
  });

  it("a scan on a cancelled shipment's label is stored and listed with how the shipment had ended", async () => {
    const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name, status: 'cancelled' });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'cancelled' } });
    await h.db.label.updateMany({ where: { shipmentId }, data: { status: 'voided' } });
    expect((await push(trackingNumber, 'delivery_failed', newKey('EVT-cancelled'))).statusCode).toBe(200);
    const listed = (await ops('GET', '/carriers/scans-after-end')).json();
    expect(listed.items.filter((item: { shipmentId: string }) => item.shipmentId === shipmentId)).toEqual([
      expect.objectContaining({ status: 'delivery_failed', shipmentStatus: 'cancelled', trackingNumber }),
    ]);
    for (const escalation of await h.db.escalation.findMany({ where: { shipmentId } })) {
      await h.client.workflow
        .getHandle(ids.escalationAlertWorkflowId(escalation.id))
        .terminate('test over')
        .catch(() => undefined);
    }
  });
  it("a scan after the end of an order whose personal data was erased keeps none of the carrier's words or place", async () => {
    const orderId = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered' } });
    await h.db.order.update({ where: { id: orderId }, data: { personalDataErasedAt: new Date() } });
    expect((await push(trackingNumber, 'exception', newKey('EVT-erased'))).statusCode).toBe(200);
    expect(await h.db.trackingEventAfterEnd.findMany({ where: { shipmentId } })).toEqual([
      expect.objectContaining({ status: 'exception', detail: null, location: null }),
    ]);
  });
});

describe("a return parcel's scans after its return ended", () => {
  // Before, each was answered 200 and dropped ('late scans for a finished return ignored'): a label used after its return
  // expired, or a parcel the carrier lost on its way back once ops had refunded, left no trace for anyone.
  it('are stored once however many copies come, listed for ops with how the return ended, and shown with the return', async () => {
    const { orderId, returnId, trackingNumber } = await insertFinishedReturn(h.db, KEYS.intake.name, {
      status: 'expired',
      closeReason: 'expired',
    });
    const eventId = newKey('EVT-rma-after-end');
    const copies = await Promise.all([push(trackingNumber, 'in_transit', eventId), push(trackingNumber, 'in_transit', eventId)]);
    const again = await push(trackingNumber, 'in_transit', eventId);
    for (const response of [...copies, again]) expect(response.statusCode, response.body).toBe(200);
    const counts = answerCounts(copies.map((r) => r.body));
    expect(counts.reduce((n, c) => n + c.accepted, 0)).toBe(1);
    expect(counts.reduce((n, c) => n + c.duplicates, 0)).toBe(1);
    expect(answerCounts([again.body])).toEqual([{ accepted: 0, duplicates: 1 }]);

    expect(await h.db.trackingEventAfterEnd.findMany({ where: { returnId } })).toEqual([
      expect.objectContaining({
        carrierEventId: eventId,
        trackingNumber,
        status: 'in_transit',
        returnStatus: 'expired',
        shipmentId: null,
        shipmentStatus: null,
      }),
    ]);
    // A record, not a move: the return stays as it ended.
    expect(await h.db.return.findUniqueOrThrow({ where: { id: returnId } })).toMatchObject({ status: 'expired' });

    const listed = (await ops('GET', '/carriers/scans-after-end')).json();
    expect(listed.items.filter((item: { returnId?: string }) => item.returnId === returnId)).toEqual([
      {
        carrierCode: 'swiftpost',
        trackingNumber,
        status: 'in_transit',
        carrierStatusCode: CARRIER_STATUS_CODES.swiftpost.in_transit,
        orderId,
        returnId,
        returnStatus: 'expired',
        occurredAt: expect.any(String),
        receivedAt: expect.any(String),
        detail: 'Carrier scan',
        location: 'Lyon',
      },
    ]);
    const view = await ops('GET', `/returns/${returnId}`);
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json().scansAfterEnd).toEqual([
      expect.objectContaining({ status: 'in_transit', returnStatus: 'expired', detail: 'Carrier scan', location: 'Lyon' }),
    ]);
    const ofOrder = (await ops('GET', `/orders/${orderId}/returns`)).json();
    expect(ofOrder.items[0].scansAfterEnd).toHaveLength(1);

    // Erasing the order's personal data clears the carrier's words and place there too.
    await h.db.$transaction((tx) => eraseOrderPersonalData(tx, orderId, new Date()));
    expect(await h.db.trackingEventAfterEnd.findMany({ where: { returnId } })).toEqual([
      expect.objectContaining({ detail: null, location: null }),
    ]);
  });

  it("of an order whose personal data was erased keep none of the carrier's words or place", async () => {
    const { orderId, returnId, trackingNumber } = await insertFinishedReturn(h.db, KEYS.intake.name, {
      status: 'cancelled',
      closeReason: 'cancelled',
    });
    await h.db.order.update({ where: { id: orderId }, data: { personalDataErasedAt: new Date() } });
    expect((await push(trackingNumber, 'exception', newKey('EVT-rma-erased'))).statusCode).toBe(200);
    expect(await h.db.trackingEventAfterEnd.findMany({ where: { returnId } })).toEqual([
      expect.objectContaining({ status: 'exception', returnStatus: 'cancelled', detail: null, location: null }),
    ]);
  });

  it('a delivery to the warehouse copied at once is received once and stored with the return only', async () => {
    const { returnId, trackingNumber } = await insertFinishedReturn(h.db, KEYS.intake.name, {
      status: 'completed',
      closeReason: 'refunded_without_goods',
      refundCents: 1290,
    });
    const eventId = newKey('EVT-rma-late');
    const copies = await Promise.all([push(trackingNumber, 'delivered', eventId), push(trackingNumber, 'delivered', eventId)]);
    for (const response of copies) expect(response.statusCode, response.body).toBe(200);
    const counts = answerCounts(copies.map((r) => r.body));
    expect(counts.reduce((n, c) => n + c.accepted, 0)).toBe(1);
    expect(await h.db.returnScan.count({ where: { returnId } })).toBe(1);
    expect(await h.db.trackingEventAfterEnd.count({ where: { returnId } })).toBe(0);
    expect(await h.db.return.findUniqueOrThrow({ where: { id: returnId } })).toMatchObject({ status: 'received' });
  });

  it('a row names exactly one parcel, with how that parcel ended (the database refuses anything else)', async () => {
    const { returnId } = await insertFinishedReturn(h.db, KEYS.intake.name, { status: 'expired', closeReason: 'expired' });
    const row = (eventId: string) => ({
      id: `swiftpost:${eventId}`,
      carrierCode: 'swiftpost',
      carrierEventId: eventId,
      trackingNumber: 'SP-X',
      carrierStatusCode: 'X',
      status: 'in_transit' as const,
      occurredAt: new Date(),
      source: 'webhook' as const,
    });
    await expect(h.db.trackingEventAfterEnd.create({ data: { ...row(newKey('E1')), returnId } })).rejects.toThrow();
    await expect(h.db.trackingEventAfterEnd.create({ data: row(newKey('E2')) })).rejects.toThrow();
    await expect(
      h.db.trackingEventAfterEnd.create({ data: { ...row(newKey('E3')), returnId, returnStatus: 'expired', shipmentStatus: 'delivered' } }),
    ).rejects.toThrow();
  });
});
