import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noRelayWaker } from '../../activities/notifications/outbox';
import { createReturnSettlementActivities } from '../../activities/returns/settlement';
import { CARRIER_STATUS_CODES } from '../../domain/tracking-codes';
import { type FinishedReturnEnding, insertFinishedReturn } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, carrierWebhook } from './harness';

/**
 * A return that ended without its goods (refunded without them, expired, cancelled once its label was used), whose
 * parcel the carrier delivers to the warehouse after all. No worker runs and the return's workflow is gone, as it is once
 * a return has finished: the carrier's webhooks and ops' inspection reach the API alone.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const SKU = 'MUG-CER-350';

const finishedReturn = (ending: FinishedReturnEnding) => insertFinishedReturn(h.db, KEYS.intake.name, ending);

function push(trackingNumber: string, status: 'in_transit' | 'delivered', eventId = newKey('EVT-late-rma')) {
  return carrierWebhook(h.app, 'swiftpost', [
    {
      carrierCode: 'swiftpost',
      eventId,
      trackingNumber,
      statusCode: CARRIER_STATUS_CODES.swiftpost[status],
      detail: status === 'delivered' ? 'Delivered to the warehouse' : 'In transit',
      location: 'Paris',
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
    },
  ]);
}

const inspect = (returnId: string, restock: number, idempotencyKey?: string) =>
  h.as(KEYS.ops, {
    method: 'POST',
    url: `/returns/${returnId}/inspection`,
    payload: { lines: [{ lineNo: 1, restock, writeOff: 1 - restock }] },
    ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
  });

const onHand = async () =>
  (await h.db.inventoryLevel.findUnique({ where: { warehouseCode_skuCode: { warehouseCode: 'PAR1', skuCode: SKU } } }))?.onHand ?? 0;
const movements = (orderId: string) =>
  h.db.inventoryMovement.findMany({ where: { orderId, kind: { in: ['return_receipt', 'write_off'] } }, orderBy: { kind: 'asc' } });

describe('the parcel of a return refunded without its goods, delivered to the warehouse after all', () => {
  it('is received again for inspection once, and its inspection counts the goods back into stock once, owing nothing more', async () => {
    const { orderId, returnId, trackingNumber } = await finishedReturn({
      status: 'completed',
      closeReason: 'refunded_without_goods',
      refundCents: 1290,
    });
    const eventId = newKey('EVT-late-delivered');
    const first = await push(trackingNumber, 'delivered', eventId);
    expect(first.statusCode, first.body).toBe(200);
    // Before: acknowledged as accepted, then dropped ('late scans for a finished return ignored'); the mug never counted back.
    expect(first.json()).toMatchObject({ received: 1, accepted: 1, duplicates: 0 });

    const row = await h.db.return.findUniqueOrThrow({ where: { id: returnId } });
    expect(row).toMatchObject({ status: 'received', customerSettledBy: 'refund', refundCents: 1290, inspectedAt: null });
    expect(row.receivedAt).not.toBeNull();
    expect(row.closedAt).not.toBeNull();
    // Ops find it with the other parcels waiting at a warehouse (the /ops/returns page reads this list).
    const waiting = (await h.as(KEYS.ops, { method: 'GET', url: '/returns?status=received&limit=200' })).json();
    expect(waiting.items.map((r: { returnId: string }) => r.returnId)).toContain(returnId);
    expect((await h.as(KEYS.ops, { method: 'GET', url: `/returns/${returnId}` })).json()).toMatchObject({
      status: 'received',
      trackingStatus: 'delivered',
      closeReason: 'refunded_without_goods',
    });

    // The carrier repeats its scan: a duplicate; another scan of the parcel now received receives nothing again: it is
    // kept as a scan after the end (no workflow hears it), not with the return's own scans.
    expect((await push(trackingNumber, 'delivered', eventId)).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await push(trackingNumber, 'delivered')).json()).toMatchObject({ accepted: 1 });
    expect(await h.db.returnScan.count({ where: { returnId } })).toBe(1);
    expect(await h.db.trackingEventAfterEnd.findMany({ where: { returnId } })).toEqual([
      expect.objectContaining({ status: 'delivered', returnStatus: 'received' }),
    ]);

    const before = await onHand();
    const inspected = await inspect(returnId, 1);
    expect(inspected.statusCode, inspected.body).toBe(200);
    // The refund made without the goods stands; nothing more is owed.
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 1290, lines: [{ restocked: 1, writtenOff: 0 }] });
    expect(await onHand()).toBe(before + 1);
    expect(await movements(orderId)).toEqual([expect.objectContaining({ kind: 'return_receipt', onHandDelta: 1 })]);

    // The same inspection again answers the same; another one is a 409 and moves nothing.
    expect((await inspect(returnId, 1)).statusCode).toBe(200);
    expectErrorShape(await inspect(returnId, 0), 409, 'order_state_conflict');
    expect(await onHand()).toBe(before + 1);
    expect(await movements(orderId)).toHaveLength(1);
    // Delivered again after its inspection: kept as a scan after the end, and nothing moves.
    expect((await push(trackingNumber, 'delivered')).json()).toMatchObject({ accepted: 1 });
    expect(await h.db.return.findUniqueOrThrow({ where: { id: returnId } })).toMatchObject({ status: 'completed' });
    expect(await movements(orderId)).toHaveLength(1);
  });

  it('two inspections at once with other figures: one settles the goods, the other is a 409; the stock moves once', async () => {
    const { orderId, returnId, trackingNumber } = await finishedReturn({
      status: 'completed',
      closeReason: 'refunded_without_goods',
      refundCents: 1290,
    });
    expect((await push(trackingNumber, 'delivered')).json()).toMatchObject({ accepted: 1 });
    const before = await onHand();
    const answers = await Promise.all([inspect(returnId, 1, newKey('a')), inspect(returnId, 0, newKey('b'))]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    const won = answers.find((a) => a.statusCode === 200)?.json().lines[0].restocked as number;
    expect(await onHand()).toBe(before + won);
    expect(await movements(orderId)).toHaveLength(won === 1 ? 1 : 2);
  });
});

describe('the parcel of a return that expired, delivered to the warehouse after all', () => {
  it('is received again and inspected in the database: the refund the inspection finds is owed, the goods moved once', async () => {
    const { orderId, returnId, trackingNumber } = await finishedReturn({
      status: 'expired',
      closeReason: 'the return label was not used before it expired',
    });
    expect((await push(trackingNumber, 'delivered')).json()).toMatchObject({ accepted: 1 });
    expect(await h.db.return.findUniqueOrThrow({ where: { id: returnId } })).toMatchObject({
      status: 'received',
      customerSettledBy: null,
    });
    const before = await onHand();
    const inspected = await inspect(returnId, 0);
    expect(inspected.statusCode, inspected.body).toBe(200);
    // A defective mug written off is refunded all the same (the goods were at fault).
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 1290, lines: [{ restocked: 0, writtenOff: 1 }] });
    expect(await onHand()).toBe(before);
    expect((await movements(orderId)).map((m) => [m.kind, m.onHandDelta])).toEqual([
      ['return_receipt', 1],
      ['write_off', -1],
    ]);
  });
});

describe('a scan of a finished return that does not say its parcel arrived', () => {
  it('is stored once as a scan after the end (scans-after-end.test.ts); the return stays as it ended', async () => {
    const { returnId, trackingNumber } = await finishedReturn({ status: 'cancelled', closeReason: 'closed by ops' });
    const answer = await push(trackingNumber, 'in_transit');
    expect(answer.statusCode, answer.body).toBe(200);
    // Counted accepted as it is kept (before, it was dropped with a log line).
    expect(answer.json()).toMatchObject({ received: 1, accepted: 1, duplicates: 0 });
    expect(await h.db.return.findUniqueOrThrow({ where: { id: returnId } })).toMatchObject({ status: 'cancelled', receivedAt: null });
    expect(await h.db.returnScan.count({ where: { returnId } })).toBe(0);
    expect(await h.db.trackingEventAfterEnd.count({ where: { returnId } })).toBe(1);
  });
});

describe('a return refunded without its goods when they had reached the warehouse already (the answer and the delivery crossed)', () => {
  it('keeps the goods received for their inspection, the refund made once however often the settlement is retried', async () => {
    const { orderId, returnId } = await finishedReturn({ status: 'completed', closeReason: 'refunded_without_goods' });
    // As the workflow leaves it when its delivered scan is taken just before ops' `refund` answer on its escalation.
    await h.db.return.update({
      where: { id: returnId },
      data: { status: 'received', receivedAt: new Date(), closedAt: null, closeReason: null },
    });
    const settlement = createReturnSettlementActivities(h.db, noRelayWaker);
    const refund = {
      returnId,
      settlement: { kind: 'refunded_without_goods' as const, decidedBy: KEYS.ops.name },
      at: new Date().toISOString(),
    };
    // The activity retried (a worker killed after its commit) answers the same refund and adds nothing.
    expect(await settlement.settleReturn(refund)).toEqual({ refundCents: 1290 });
    expect(await settlement.settleReturn(refund)).toEqual({ refundCents: 1290 });
    const row = await h.db.return.findUniqueOrThrow({ where: { id: returnId } });
    // Before: completed, and the mug at the warehouse never counted back into stock.
    expect(row).toMatchObject({
      status: 'received',
      refundCents: 1290,
      customerSettledBy: 'refund',
      closeReason: 'refunded_without_goods',
    });
    expect(row.closedAt).not.toBeNull();

    const before = await onHand();
    const inspected = await inspect(returnId, 1);
    expect(inspected.statusCode, inspected.body).toBe(200);
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 1290, lines: [{ restocked: 1, writtenOff: 0 }] });
    expect(await onHand()).toBe(before + 1);
    expect(await movements(orderId)).toHaveLength(1);
  });
});

describe('the units of an expired return whose parcel arrived after all', () => {
  it('count as returned again: the customer cannot start another return of them', async () => {
    const { orderId, trackingNumber } = await finishedReturn({
      status: 'expired',
      closeReason: 'the return label was not used before it expired',
    });
    await h.db.order.update({ where: { id: orderId }, data: { shopId: KEYS.intake.name, status: 'completed' } });
    await h.db.shipment.updateMany({ where: { orderId }, data: { status: 'delivered', deliveredAt: new Date() } });
    const again = () =>
      h.as(KEYS.intake, {
        method: 'POST',
        url: `/orders/${orderId}/returns`,
        payload: { lines: [{ sku: SKU, quantity: 1 }], reason: 'defective' },
        headers: { 'idempotency-key': newKey('again') },
      });
    expect((await push(trackingNumber, 'delivered')).json()).toMatchObject({ accepted: 1 });
    const refused = expectErrorShape(await again(), 400, 'validation_failed');
    expect(refused.details?.map((d) => d.path)).toEqual(['body.lines.0.quantity']);
    expect(await h.db.return.count({ where: { orderId } })).toBe(1);
  });
});
