import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { temporalReturnStarter } from '../../activities/return-starter';
import { createReturnActivities } from '../../activities/returns';
import { signPayload } from '../../activities/carriers/signature';
import { HOUR_MS } from '../../domain/clock';
import type { EscalationDecision } from '../../domain/lifecycle';
import { ids } from '../../domain/ids';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { orderStatusQuery, resolveEscalationUpdate } from '../../workflows/definitions';
import { returnStatusQuery } from '../../workflows/returns/definitions';
import { KEYS, newKey, journeyApi, requestsAs } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { type ShopReceiver, startSubscribedShopReceiver } from '../support/shop-receiver';
import {
  firstShipmentId,
  orderIdOf,
  recipient,
  simulator,
  until,
  untilEscalation,
  untilShipmentStage,
  untilWorkflowKnowsEscalation,
} from './steps';

/**
 * A parcel the carrier returns to sender is back at the warehouse, not lost: whatever ops answer on its
 * escalation, its goods wait there for the inspection as a customer return's do (a return opened already
 * received, without label or inbound tracking), and the inspection moves them in the ledger once. The
 * order's own decision stands: a re-ship sends the replacement, a refund ends the order.
 */
describe('a parcel returned to sender: its goods received back for inspection, not written off', () => {
  let journey: Journey;
  let app: FastifyInstance;
  let shop: ShopReceiver;
  beforeAll(async () => {
    journey = await startJourney({ notify: true });
    app = await journeyApi(journey, { workflowCallTimeoutMs: 20_000, intakeStartWaitMs: 30_000 });
    shop = await startSubscribedShopReceiver(journey.database.db, 'whs-carrier-return-test');
  });
  afterAll(async () => {
    await app?.close();
    await shop?.close();
    await journey?.teardown();
  });

  const db = () => journey.database.db;
  /** The re-ship journey's order, once its carrier return is inspected. */
  let reshipped: { orderId: string; shipmentId: string } | undefined;
  const as = requestsAs(() => app);

  /** An order of two mugs whose parcel the carrier brings back; ops answer its broken escalation with `decision`. */
  async function returnedParcel(name: string, decision: EscalationDecision) {
    const handle = await journey.placeOrder({ shipTo: recipient(`${name} [scenario:return_to_sender]`) });
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    simulator(journey).scriptShipment(ids.shipmentId(orderId, 2), 'normal');
    await untilShipmentStage(journey, shipmentId, ['returned_to_sender'], { stepMs: 4 * HOUR_MS });
    const broken = await untilEscalation(journey, { orderId, reason: 'broken', status: 'open' });
    await untilWorkflowKnowsEscalation(journey, broken);
    await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId)).executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: broken.id, decision, resolvedBy: 'ops-test', note: 'the carrier brought it back' }],
    });
    const outcome = await handle.result();
    const { warehouseCode } = await db().shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    return { orderId, shipmentId, warehouseCode, outcome };
  }

  const mugsAt = async (warehouseCode: string) =>
    (await db().inventoryLevel.findUniqueOrThrow({ where: { warehouseCode_skuCode: { warehouseCode, skuCode: 'MUG-CER-350' } } })).onHand;

  const movementsOf = async (orderId: string, kinds: string[]) =>
    (await db().inventoryMovement.findMany({ where: { orderId, kind: { in: kinds as never } }, orderBy: { id: 'asc' } })).map((m) => ({
      kind: m.kind,
      warehouseCode: m.warehouseCode,
      onHandDelta: m.onHandDelta,
    }));

  const webhookTypes = async (orderId: string) =>
    (await db().webhookEvent.findMany({ where: { orderId }, orderBy: { seq: 'asc' } })).map((e) => e.type);

  /** The carrier return of `shipmentId`, once its workflow waits for the inspection. */
  async function returnAwaitingInspection(shipmentId: string) {
    const row = await db().return.findUniqueOrThrow({ where: { shipmentId }, include: { lines: { orderBy: { lineNo: 'asc' } } } });
    const view = await until(
      journey,
      `return ${row.id} waiting for its inspection`,
      () => journey.env.client.workflow.getHandle(row.workflowId).query(returnStatusQuery),
      (v) => v.status === 'received',
      { stepMs: 60_000 },
    );
    return { row, view };
  }

  it('re-shipped: the replacement ships, the returned goods wait for inspection (no write-off, no claim) and restock once', async () => {
    const { orderId, shipmentId, warehouseCode, outcome } = await returnedParcel('Katherine Johnson', 'reship');
    const replacementId = ids.shipmentId(orderId, 2);
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage, s.reshipped?.cause])).toEqual([
      [shipmentId, 'lost', 'returned'],
      [replacementId, 'delivered', undefined],
    ]);

    // Nothing written off, nothing claimed: the carrier neither lost nor broke the goods, it brought them back.
    expect(await movementsOf(orderId, ['write_off', 'return_receipt'])).toEqual([]);
    expect(await db().carrierClaim.count({ where: { orderId } })).toBe(0);

    const { row, view } = await returnAwaitingInspection(shipmentId);
    expect(row).toMatchObject({
      orderId,
      channel: 'carrier',
      reason: 'returned_to_sender',
      status: 'received',
      warehouseCode,
      customerSettledBy: 'reship',
      trackingNumber: null,
      labelUrl: null,
    });
    expect(row.receivedAt).not.toBeNull();
    expect(row.lines.map((l) => [l.lineNo, l.skuCode, l.quantity])).toEqual([[1, 'MUG-CER-350', 2]]);
    expect(view.timeline.map((t) => t.label)).not.toContain('label created');
    // Ops find it with the other returns at the warehouse.
    const listed = await as(KEYS.ops, 'GET', '/returns?status=received&limit=200');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().items.find((r: { returnId: string }) => r.returnId === row.id)).toMatchObject({
      channel: 'carrier',
      reason: 'returned_to_sender',
      shipmentId,
    });

    const before = await mugsAt(warehouseCode);
    const inspection = { lines: [{ lineNo: 1, restock: 2, writeOff: 0 }] };
    const inspected = await as(KEYS.ops, 'POST', `/returns/${row.id}/inspection`, inspection);
    expect(inspected.statusCode, inspected.body).toBe(200);
    // The customer has the replacement: the inspection owes nothing more.
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 0, lines: [{ restocked: 2, writtenOff: 0 }] });
    expect(await mugsAt(warehouseCode)).toBe(before + 2);
    expect(await movementsOf(orderId, ['write_off', 'return_receipt'])).toEqual([
      { kind: 'return_receipt', warehouseCode, onHandDelta: 2 },
    ]);

    // A second inspection call (a retried click) answers the same and moves nothing.
    const again = await as(KEYS.ops, 'POST', `/returns/${row.id}/inspection`, inspection);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ status: 'completed', refundCents: 0 });
    expect(await mugsAt(warehouseCode)).toBe(before + 2);
    expect(await movementsOf(orderId, ['write_off', 'return_receipt'])).toHaveLength(1);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);

    // The shop hears of the return, its receipt and inspection; the customer, who started nothing, gets no return mail.
    const types = await webhookTypes(orderId);
    expect(types.filter((t) => t.startsWith('return.') || t === 'refund.due')).toEqual([
      'return.created',
      'return.received',
      'return.inspected',
    ]);
    expect(await db().customerMail.count({ where: { orderId, milestone: 'return_started' } })).toBe(0);

    // The replacement's delivered mugs can still be returned by the customer: the carrier return took nothing of theirs.
    const customerReturn = await as(
      KEYS.ops,
      'POST',
      `/orders/${orderId}/returns`,
      { lines: [{ sku: 'MUG-CER-350', quantity: 2 }], reason: 'no_longer_needed' },
      { 'idempotency-key': newKey('after-carrier-return') },
    );
    expect(customerReturn.statusCode, customerReturn.body).toBe(202);
    reshipped = { orderId, shipmentId };
  });

  it('the carrier return activity retried after it committed opens no second return and tells nobody twice; a settlement retried moves nothing', async () => {
    if (!reshipped) throw new Error('runs after the re-ship journey');
    const { orderId, shipmentId } = reshipped;
    const row = await db().return.findUniqueOrThrow({ where: { shipmentId } });
    // What the carrier return wrote (the customer's own return of the replacement, started after it, moves on its own).
    const mentionsIt = (rows: { payload?: unknown; data?: unknown }[]) => rows.filter((r) => JSON.stringify(r).includes(row.id)).length;
    const snapshot = async () => ({
      returns: await db().return.count({ where: { shipmentId } }),
      movements: await db().inventoryMovement.count({ where: { orderId } }),
      events: mentionsIt(await db().webhookEvent.findMany({ where: { orderId } })),
      mails: mentionsIt(await db().customerMail.findMany({ where: { orderId } })),
      mugs: await db().inventoryLevel.findMany({ where: { skuCode: 'MUG-CER-350' }, orderBy: { warehouseCode: 'asc' } }),
    });
    const before = await snapshot();
    expect(before).toMatchObject({ returns: 1, events: 3, mails: 0 });
    const activities = createReturnActivities(db(), journey.carriers, undefined, temporalReturnStarter(journey.env.client));
    const again = await activities.openCarrierReturn({
      shipmentId,
      customerSettledBy: 'reship',
      at: new Date().toISOString(),
      timeScale: 1,
    });
    expect(again.returnId).toBe(row.id);
    const settled = await activities.settleReturn({
      returnId: row.id,
      settlement: { kind: 'inspected', inspection: { lines: [{ lineNo: 1, restock: 0, writeOff: 2 }], inspectedBy: 'ops-retry' } },
      at: new Date().toISOString(),
    });
    expect(settled.refundCents).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('refunded: the order ends, the returned goods wait for inspection, and the inspection owes no second refund', async () => {
    const { orderId, shipmentId, warehouseCode, outcome } = await returnedParcel('Dorothy Vaughan', 'refund');
    expect(outcome.stage).toBe('cancelled');
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage])).toEqual([[shipmentId, 'refunded']]);
    expect(await movementsOf(orderId, ['write_off', 'return_receipt'])).toEqual([]);

    const { row } = await returnAwaitingInspection(shipmentId);
    expect(row).toMatchObject({ channel: 'carrier', status: 'received', warehouseCode, customerSettledBy: 'refund' });
    const before = await mugsAt(warehouseCode);
    const inspected = await as(KEYS.ops, 'POST', `/returns/${row.id}/inspection`, { lines: [{ lineNo: 1, restock: 1, writeOff: 1 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 0 });
    expect(await mugsAt(warehouseCode)).toBe(before + 1);
    expect(await movementsOf(orderId, ['write_off', 'return_receipt'])).toEqual([
      { kind: 'return_receipt', warehouseCode, onHandDelta: 2 },
      { kind: 'write_off', warehouseCode, onHandDelta: -1 },
    ]);
    expect(await webhookTypes(orderId)).not.toContain('refund.due');
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
  });

  it('let end ("wait"): the returned goods wait for inspection, which tells the shop the refund due for all of them, once', async () => {
    const { orderId, shipmentId, warehouseCode, outcome } = await returnedParcel('Mary Jackson', 'wait');
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage])).toEqual([[shipmentId, 'returned_to_sender']]);
    const { row } = await returnAwaitingInspection(shipmentId);
    expect(row).toMatchObject({ channel: 'carrier', status: 'received', warehouseCode, customerSettledBy: null });
    const inspection = { lines: [{ lineNo: 1, restock: 1, writeOff: 1 }] };
    const inspected = await as(KEYS.ops, 'POST', `/returns/${row.id}/inspection`, inspection);
    expect(inspected.statusCode, inspected.body).toBe(200);
    // The customer got neither the goods nor a decision: both units are owed, the broken one included.
    const mug = await db().sku.findUniqueOrThrow({ where: { code: 'MUG-CER-350' } });
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 2 * mug.unitPriceCents });
    expect((await as(KEYS.ops, 'POST', `/returns/${row.id}/inspection`, inspection)).statusCode).toBe(200);
    const refunds = await db().webhookEvent.findMany({ where: { orderId, type: 'refund.due' } });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.payload).toMatchObject({
      data: { returnId: row.id, amountCents: 2 * mug.unitPriceCents, reason: 'returned_to_sender' },
    });
  });
  it('a stuck parcel re-shipped, then brought back by the carrier after its journey ended: the webhook opens its return, whose restock wakes the waiting replacement', async () => {
    // POT-CASTIRON-6L: 3 at LYS1 only. The stuck parcel takes them all, so its replacement waits for stock.
    const handle = await journey.placeOrder({
      shipTo: recipient('Ada Lovelace [scenario:stall]'),
      lines: [{ sku: 'POT-CASTIRON-6L', quantity: 3 }],
      backorderWaitHours: 240,
    });
    const orderId = orderIdOf(handle);
    const lostId = firstShipmentId(handle);
    simulator(journey).scriptShipment(ids.shipmentId(orderId, 2), 'normal');
    const stuck = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, stuck);
    await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(lostId)).executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: stuck.id, decision: 'reship', resolvedBy: 'ops-test', note: 'send it again' }],
    });
    await until(
      journey,
      'the replacement waiting for stock',
      () => handle.query(orderStatusQuery),
      (v) => v.timeline.some((t) => t.label.includes('re-ship backordered')),
      { stepMs: HOUR_MS },
    );
    const lost = await db().shipment.findUniqueOrThrow({ where: { id: lostId } });
    expect(lost.status).toBe('lost');
    expect((await journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(lostId)).describe()).status.name).toBe('COMPLETED');

    // Weeks later the carrier finds the parcel and brings it back: its webhook reaches no running workflow.
    const carrierCode = (lost.carrierCode ?? '') as SimulatedCarrierCode;
    const body = JSON.stringify({
      events: [
        {
          carrierCode,
          eventId: `EVT-back-${lostId}`,
          trackingNumber: lost.trackingNumber,
          statusCode: CARRIER_STATUS_CODES[carrierCode].returned_to_sender,
          detail: 'Returned to sender',
          location: 'Lyon',
          occurredAt: new Date().toISOString(),
        },
      ],
    });
    const pushBack = () =>
      app.inject({
        method: 'POST',
        url: `/carriers/${carrierCode}/webhooks`,
        headers: {
          'content-type': 'application/json',
          'colis-signature': signPayload(body, app.config.webhookSecretFor(carrierCode) ?? '', Date.now()),
        },
        payload: body,
      });
    const pushed = await pushBack();
    expect(pushed.statusCode, pushed.body).toBe(200);
    const { row, view } = await returnAwaitingInspection(lostId);
    expect(row).toMatchObject({
      orderId,
      channel: 'carrier',
      reason: 'returned_to_sender',
      warehouseCode: 'LYS1',
      customerSettledBy: 'reship',
    });
    expect(row.lines.map((l) => [l.skuCode, l.quantity])).toEqual([['POT-CASTIRON-6L', 3]]);
    expect(view.status).toBe('received');
    // The claim opened when the parcel was given up was not filed yet: withdrawn, saying why (the carrier would pay twice).
    expect(await db().carrierClaim.findUniqueOrThrow({ where: { shipmentId: lostId } })).toMatchObject({
      status: 'withdrawn',
      updatedBy: 'colis',
      note: expect.stringContaining(`return ${row.id}): nothing to claim, withdrawn`),
    });
    // The carrier's retry of the same webhook opens nothing more.
    expect((await pushBack()).statusCode).toBe(200);
    expect(await db().return.count({ where: { orderId } })).toBe(1);

    const inspected = await as(KEYS.ops, 'POST', `/returns/${row.id}/inspection`, { lines: [{ lineNo: 1, restock: 3, writeOff: 0 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);
    // The customer has the replacement coming: nothing is owed.
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 0 });
    // Without moving business time (the replacement's next try is hours away): only the return's news can wake it.
    const giveUpAt = Date.now() + 30_000;
    let replacement = null as Awaited<ReturnType<ReturnType<typeof db>['shipment']['findFirst']>>;
    while (!replacement && Date.now() < giveUpAt) {
      await new Promise((r) => setTimeout(r, 200));
      replacement = await db().shipment.findFirst({ where: { replacesShipmentId: lostId } });
    }
    expect(replacement, 'the replacement planned from the returned stock').toMatchObject({ warehouseCode: 'LYS1', seq: 2 });
    const returnView = await journey.env.client.workflow.getHandle(row.workflowId).query(returnStatusQuery);
    expect(returnView.timeline.map((t) => `${t.label}: ${t.detail ?? ''}`).join('\n')).toContain(`returned stock offered: to ${orderId}`);

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage])).toEqual([
      [lostId, 'lost'],
      [replacement?.id, 'delivered'],
    ]);
    expect(
      await db().inventoryLevel.findUniqueOrThrow({
        where: { warehouseCode_skuCode: { warehouseCode: 'LYS1', skuCode: 'POT-CASTIRON-6L' } },
      }),
    ).toMatchObject({ onHand: 0, reserved: 0 });
    expect(await movementsOf(orderId, ['ship', 'write_off', 'return_receipt'])).toEqual([
      { kind: 'ship', warehouseCode: 'LYS1', onHandDelta: -3 },
      { kind: 'write_off', warehouseCode: 'LYS1', onHandDelta: 0 },
      { kind: 'return_receipt', warehouseCode: 'LYS1', onHandDelta: 3 },
      { kind: 'ship', warehouseCode: 'LYS1', onHandDelta: -3 },
    ]);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
    const types = await webhookTypes(orderId);
    expect(types.filter((t) => t.startsWith('return.') || t === 'refund.due')).toEqual([
      'return.created',
      'return.received',
      'return.inspected',
    ]);
  });
});
