import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveReturnId } from '../../api/services/returns';
import { DAY_MS, HOUR_MS } from '../../domain/clock';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { carrierWebhook, KEYS, newKey, orderRequest, journeyApi, requestsAs } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import { type ShopReceiver, startShopReceiver } from '../support/shop-receiver';
import { orderStatusQuery, searchAttributes } from '../../workflows/definitions';
import { returnScansSignal, returnStatusQuery } from '../../workflows/returns/definitions';
import { RECORD_HISTORIES, writeHistory } from './history-files';
import { simulator, skipBusinessTime, until, whileRowHeld } from './steps';

/**
 * Returns over the whole journey on real parts: the order and return workflows on the time-skipping
 * server, the API, the carrier simulator selling return labels and scanning the parcel back, customer
 * mails through the suite's MailDev and signed shop webhooks to a loopback receiver.
 */
let journey: Journey;
let app: FastifyInstance;
let receiver: ShopReceiver;

beforeAll(async () => {
  journey = await startJourney({ notify: true });
  app = await journeyApi(journey, { workflowCallTimeoutMs: 20_000, intakeStartWaitMs: 30_000 });
  receiver = await startShopReceiver();
  const subscribed = await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: receiver.url }, { 'idempotency-key': newKey('sub') });
  expect(subscribed.statusCode, subscribed.body).toBe(201);
  receiver.secrets = [subscribed.json().secret];
  await journey.database.db.shop.upsert({
    where: { id: KEYS.intake.name },
    create: { id: KEYS.intake.name, displayName: 'Atelier Lumière' },
    update: { displayName: 'Atelier Lumière' },
  });
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await journey?.teardown();
});

const as = requestsAs(() => app);

/** An order of shop-a placed through the API (two mugs unless said), accepted. */
async function placedOrder(email: string, extra: Record<string, unknown> = {}): Promise<{ orderId: string; workflowId: string }> {
  const placed = await as(
    KEYS.intake,
    'POST',
    '/orders',
    orderRequest({
      customer: { id: `CUST-${newKey('c')}`.slice(0, 60), name: 'Camille Durand', email },
      lines: [{ sku: 'MUG-CER-350', quantity: 2 }],
      ...extra,
    }),
    { 'idempotency-key': newKey('ret-order') },
  );
  expect(placed.statusCode, placed.body).toBe(202);
  return placed.json() as { orderId: string; workflowId: string };
}

function untilOrderCompleted({ orderId, workflowId }: { orderId: string; workflowId: string }) {
  return until(
    journey,
    `order ${orderId} completed`,
    () => journey.env.client.workflow.getHandle(workflowId).query(orderStatusQuery),
    (view) => view.stage === 'completed',
    { stepMs: 6 * HOUR_MS },
  );
}

/** An order (two mugs unless said) placed by shop-a through the API, delivered. */
async function deliveredOrder(email: string, lines = [{ sku: 'MUG-CER-350', quantity: 2 }]): Promise<string> {
  const placed = await placedOrder(email, { lines });
  await untilOrderCompleted(placed);
  return placed.orderId;
}

function untilReturn(returnId: string, statuses: string[], stepMs = 6 * HOUR_MS) {
  return until(
    journey,
    `return ${returnId} in ${statuses.join('/')}`,
    () => journey.database.db.return.findUnique({ where: { id: returnId } }),
    (row) => row !== null && statuses.includes(row.status),
    { stepMs, maxBusinessMs: 40 * DAY_MS },
  ).then((row) => {
    if (!row) throw new Error('unreachable: the return vanished');
    return row;
  });
}

/** With COLIS_RECORD_HISTORIES=1, keeps the finished return's history for the replay test. */
async function recordForReplay(returnId: string, name: string): Promise<void> {
  if (!RECORD_HISTORIES) return;
  const handle = journey.env.client.workflow.getHandle(`return-${returnId}`);
  await handle.result();
  await writeHistory(journey.env.client, handle.workflowId, `${name}.return`);
}

function untilWebhook(orderId: string, type: string) {
  return until(
    journey,
    `webhook ${type} of ${orderId}`,
    async () => receiver.received.filter((w) => w.orderId === orderId).map((w) => w.type),
    (types) => types.includes(type),
    { stepMs: 10 * 60_000 },
  );
}

const movementsOf = (orderId: string) =>
  journey.database.db.inventoryMovement.findMany({
    where: { orderId, kind: { in: ['return_receipt', 'write_off'] } },
    orderBy: { id: 'asc' },
    select: { kind: true, onHandDelta: true, warehouseCode: true, skuCode: true },
  });

/** A return of one mug of `orderId` started by `key` (its channel: ops or the shop), its return parcel scripted. */
async function returnOfOneMug(key: (typeof KEYS)['ops' | 'intake'], orderId: string, name: string, script: 'stall' | 'unused') {
  const idempotencyKey = newKey(name);
  const returnId = deriveReturnId(`${key.name}:${idempotencyKey}`);
  simulator(journey).scriptShipment(`return:${returnId}`, script);
  const started = await as(
    key,
    'POST',
    `/orders/${orderId}/returns`,
    { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'no_longer_needed' },
    { 'idempotency-key': idempotencyKey },
  );
  expect(started.statusCode, started.body).toBe(202);
  expect(started.json().channel).toBe(key === KEYS.ops ? 'ops' : 'shop');
  return returnId;
}

/** A return of one mug of `orderId` started by ops whose parcel stops moving, and its open `return_stuck` escalation. */
async function stuckOpsReturn(orderId: string, name: string): Promise<{ returnId: string; escalationId: string }> {
  const returnId = await returnOfOneMug(KEYS.ops, orderId, name, 'stall');
  const escalation = await until(
    journey,
    `return_stuck escalation of ${returnId}`,
    () => journey.database.db.escalation.findFirst({ where: { returnId, reason: 'return_stuck', status: 'open' } }),
    (row) => row !== null,
    { stepMs: 6 * HOUR_MS },
  );
  if (!escalation) throw new Error('unreachable');
  return { returnId, escalationId: escalation.id };
}

/** Ops answer a stuck return `refund`; the row lands a moment before the workflow holds the escalation open (503: retry). */
async function refundWithoutGoods(escalationId: string, note: string) {
  const resolve = () => as(KEYS.ops, 'POST', `/escalations/${escalationId}/resolve`, { decision: 'refund', note });
  let answer = await resolve();
  for (let i = 0; i < 20 && answer.statusCode === 503; i += 1) {
    await new Promise((r) => setTimeout(r, 250));
    answer = await resolve();
  }
  return answer;
}

/** A delivered order of shop-a and a return of one mug it starts, whose customer never drops the parcel off. */
async function returnNeverDroppedOff(name: string): Promise<{ orderId: string; returnId: string }> {
  const orderId = await deliveredOrder(uniqueAddress(name));
  const returnId = await returnOfOneMug(KEYS.intake, orderId, `ret-${name}`, 'unused');
  return { orderId, returnId };
}

describe('returns', () => {
  it('a return started by the shop ends with the goods inspected at the warehouse, one mug restocked and one written off, once, and refund.due to the shop', async () => {
    const email = uniqueAddress('retour');
    const orderId = await deliveredOrder(email);
    const key = newKey('ret');
    const started = await as(
      KEYS.intake,
      'POST',
      `/orders/${orderId}/returns`,
      { lines: [{ sku: 'MUG-CER-350', quantity: 2 }], reason: 'defective' },
      {
        'idempotency-key': key,
      },
    );
    expect(started.statusCode, started.body).toBe(202);
    const returnId = started.json().returnId as string;
    expect(returnId).toBe(deriveReturnId(`${KEYS.intake.name}:${key}`));
    const received = await untilReturn(returnId, ['received']);
    expect(received.trackingNumber).toBeTruthy();
    const sold = simulator(journey).soldLabel(received.trackingNumber ?? '');
    // The carrier sold a label from the customer back to the warehouse that shipped the mugs.
    expect(sold?.idempotencyKey).toBe(`return:${returnId}`);
    expect(JSON.parse(sold?.fingerprint ?? '{}').to.postalCode).toBeTruthy();

    // The customer got the return steps, in French (a Lyon address), with the label and the date to use it by.
    const mails = await until(
      journey,
      'return mail',
      () => mailsTo(email),
      (m) => m.some((mail) => milestoneOf(mail) === 'return_started'),
    );
    const steps = mails.filter((m) => milestoneOf(m) === 'return_started');
    expect(steps).toHaveLength(1);
    expect(steps[0]?.subject).toContain(returnId);
    expect(steps[0]?.text).toContain('Imprimez l’étiquette retour');
    // The label link is Colis's own, under the tracking token (the simulated carrier's link is no address): the PDF
    // the carrier made, kept at purchase; shops and ops read the same file, ZPL too, through the API.
    const labelLink = new URL(/https?:\/\/\S+\/label\?t=\S+/.exec(steps[0]?.text ?? '')?.[0] ?? 'http://no-label-link/');
    expect(labelLink.pathname).toBe(`/track/${orderId}/returns/${returnId}/label`);
    const printed = await app.inject({ method: 'GET', url: `${labelLink.pathname}${labelLink.search}` });
    expect(printed.statusCode, printed.body).toBe(200);
    expect(printed.headers['content-type']).toBe('application/pdf');
    expect(printed.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(printed.rawPayload.toString('latin1')).toContain(received.trackingNumber ?? 'no tracking number');
    const zpl = await as(KEYS.ops, 'GET', `/returns/${returnId}/label?format=zpl`);
    expect(zpl.statusCode, zpl.body).toBe(200);
    expect(zpl.headers['content-type']).toBe('application/zpl');
    expect(zpl.body.startsWith('^XA')).toBe(true);
    const stored = await journey.database.db.returnLabelDocument.findMany({ where: { returnId }, select: { format: true } });
    expect(stored.map((d) => d.format).sort()).toEqual(['pdf', 'zpl']);

    const level = () =>
      journey.database.db.inventoryLevel.findUniqueOrThrow({
        where: { warehouseCode_skuCode: { warehouseCode: received.warehouseCode, skuCode: 'MUG-CER-350' } },
      });
    const before = await level();
    // The inspector is the calling key, never a body field.
    const inspection = { lines: [{ lineNo: 1, restock: 1, writeOff: 1 }], note: 'one mug cracked through the glaze' };
    const inspected = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, inspection);
    expect(inspected.statusCode, inspected.body).toBe(200);
    const row = await journey.database.db.return.findUniqueOrThrow({ where: { id: returnId }, select: { inspectedBy: true } });
    expect(row.inspectedBy).toBe(KEYS.ops.name);
    // Defective goods are refunded whatever the inspection finds: 2 × 12.90. The note is kept with it (before: dropped).
    expect(inspected.json()).toMatchObject({
      status: 'completed',
      refundCents: 2580,
      lines: [{ restocked: 1, writtenOff: 1 }],
      inspectionNote: 'one mug cracked through the glaze',
    });
    // The same inspection again (a retried click) answers the same and moves nothing more.
    const again = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, inspection);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().refundCents).toBe(2580);

    expect((await level()).onHand).toBe(before.onHand + 1);
    expect(await movementsOf(orderId)).toEqual([
      { kind: 'return_receipt', onHandDelta: 2, warehouseCode: received.warehouseCode, skuCode: 'MUG-CER-350' },
      { kind: 'write_off', onHandDelta: -1, warehouseCode: received.warehouseCode, skuCode: 'MUG-CER-350' },
    ]);
    const unbalanced = await journey.database.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "InventoryLevel" l
      JOIN (SELECT "warehouseCode", "skuCode", SUM("onHandDelta")::int AS s FROM "InventoryMovement" GROUP BY 1, 2) m
        USING ("warehouseCode", "skuCode") WHERE l."onHand" <> m.s`;
    expect(unbalanced[0]?.n).toBe(0);

    await untilWebhook(orderId, 'refund.due');
    const events = receiver.received.filter((w) => w.orderId === orderId && w.type.startsWith('re'));
    expect(events.map((w) => w.type)).toEqual([
      'return.created',
      'return.label_created',
      'return.in_transit',
      'return.received',
      'return.inspected',
      'refund.due',
    ]);
    expect(events.every((w) => w.verified)).toBe(true);
    expect(events.at(-1)?.data).toMatchObject({ returnId, amountCents: 2580, currency: 'EUR', basis: 'inspected' });
    await recordForReplay(returnId, 'return-inspected');
  });

  it('a return label never used expires: the carrier voids it and the shop hears the return was cancelled', async () => {
    const { orderId, returnId } = await returnNeverDroppedOff('unused');
    const expired = await untilReturn(returnId, ['expired'], DAY_MS);
    expect(expired.labelVoidedAt).not.toBeNull();
    expect(simulator(journey).soldLabel(expired.trackingNumber ?? '')?.voidedAtMs).toBeDefined();
    // A voided label is printed no more, by the customer or the shop.
    expect((await as(KEYS.intake, 'GET', `/returns/${returnId}/label`)).statusCode).toBe(404);
    await untilWebhook(orderId, 'return.cancelled');
    expect(receiver.received.find((w) => w.orderId === orderId && w.type === 'return.cancelled')?.data).toMatchObject({
      returnId,
      status: 'expired',
    });
    expect(await movementsOf(orderId)).toEqual([]);
    // The unit is free to be returned again.
    const retry = await as(
      KEYS.intake,
      'POST',
      `/orders/${orderId}/returns`,
      { lines: [{ sku: 'MUG-CER-350', quantity: 2 }], reason: 'other' },
      {
        'idempotency-key': newKey('ret-again'),
      },
    );
    expect(retry.statusCode, retry.body).toBe(202);
    await recordForReplay(returnId, 'return-expired');
  });

  it('goods handed in at the warehouse without the return label ever scanned: inspected, refunded, and the unused label voided', async () => {
    const { orderId, returnId } = await returnNeverDroppedOff('handed-in');
    await untilReturn(returnId, ['label_created'], HOUR_MS);
    // The row says label_created as the activity writes it, a moment before the workflow hears so: an inspection in
    // between is refused 409 "has no label yet" (a real race, answered as one; the test waits it out).
    await until(
      journey,
      `return ${returnId}'s workflow at label_created`,
      () => journey.env.client.workflow.getHandle(`return-${returnId}`).query(returnStatusQuery),
      (view) => view.status === 'label_created',
    );
    const inspected = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 1290 });
    // Before, the label stayed bought: paid for a parcel the carrier never carried.
    const completed = await untilReturn(returnId, ['completed'], HOUR_MS);
    expect(completed.labelVoidedAt).not.toBeNull();
    expect(simulator(journey).soldLabel(completed.trackingNumber ?? '')?.voidedAtMs).toBeDefined();
    const view = await journey.env.client.workflow.getHandle(`return-${returnId}`).query(returnStatusQuery);
    expect(view.timeline.filter((e) => e.label === 'return label voided').map((e) => e.detail)).toEqual([
      'the goods came in without the carrier scanning it',
    ]);
    expect(await movementsOf(orderId)).toEqual([
      { kind: 'return_receipt', onHandDelta: 1, warehouseCode: expect.any(String), skuCode: 'MUG-CER-350' },
    ]);
  });

  it('a cancel requested in Temporal (Web UI, CLI) before the label is used voids it and closes the return cancelled, once', async () => {
    const { orderId, returnId } = await returnNeverDroppedOff('temporal-cancel');
    await untilReturn(returnId, ['label_created'], HOUR_MS);

    const handle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    await handle.cancel();
    expect(await handle.result()).toMatchObject({ returnId, status: 'cancelled', refundCents: 0 });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const cancelled = await untilReturn(returnId, ['cancelled'], HOUR_MS);
    expect(cancelled.labelVoidedAt).not.toBeNull();
    expect(simulator(journey).soldLabel(cancelled.trackingNumber ?? '')?.voidedAtMs).toBeDefined();
    await untilWebhook(orderId, 'return.cancelled');
    expect(receiver.received.filter((w) => w.orderId === orderId && w.type === 'return.cancelled').map((w) => w.data)).toEqual([
      expect.objectContaining({ returnId, status: 'cancelled' }),
    ]);
    expect(await movementsOf(orderId)).toEqual([]);
  });

  it('a cancel requested in Temporal once the return parcel is at the warehouse is refused, and the inspection is still taken', async () => {
    const orderId = await deliveredOrder(uniqueAddress('temporal-cancel-late'));
    const started = await as(
      KEYS.intake,
      'POST',
      `/orders/${orderId}/returns`,
      { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'defective' },
      { 'idempotency-key': newKey('ret-late-cancel') },
    );
    expect(started.statusCode, started.body).toBe(202);
    const returnId = started.json().returnId as string;
    await untilReturn(returnId, ['received']);
    const handle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    await handle.cancel();
    await until(
      journey,
      'the refusal noted',
      () => handle.query(returnStatusQuery),
      (v) => v.timeline.some((e) => e.label === 'cancellation in Temporal refused'),
    );
    // Before: the inspection's update failed with "Workflow cancelled" (a 409 naming nothing), for good: the goods
    // stood at the warehouse uncounted and the refund was never due.
    const inspected = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 1290 });
    expect(await handle.result()).toMatchObject({ returnId, status: 'completed' });
    expect(await movementsOf(orderId)).toEqual([
      { kind: 'return_receipt', onHandDelta: 1, warehouseCode: expect.any(String), skuCode: 'MUG-CER-350' },
    ]);
  });

  it('a return parcel that stops moving escalates; ops refund it without the goods and no stock moves', async () => {
    const orderId = await deliveredOrder(uniqueAddress('stall'));
    const { returnId, escalationId } = await stuckOpsReturn(orderId, 'ret-stall');
    // Ops find it as they find a stuck shipment (README, "Search attributes"): `Escalated = true`, `OrderId = '<order>'`.
    const handle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    const published = () => handle.describe().then((d) => d.typedSearchAttributes);
    const escalated = await until(
      journey,
      `return ${returnId} published Escalated`,
      published,
      (attributes) => attributes.get(searchAttributes.escalated) === true,
    );
    expect(escalated.get(searchAttributes.orderId)).toBe(orderId);
    // And by where it stands (`ReturnStatus = 'in_transit'`), as its row says.
    const row = await journey.database.db.return.findUniqueOrThrow({ where: { id: returnId } });
    expect(escalated.get(searchAttributes.returnStatus)).toBe(row.status);
    const answer = await refundWithoutGoods(escalationId, 'parcel lost on the way back');
    expect(answer.statusCode, answer.body).toBe(200);
    const completed = await untilReturn(returnId, ['completed'], HOUR_MS);
    expect((await published()).get(searchAttributes.escalated)).toBe(false);
    // Published in the workflow task after the row's write the view reads.
    await until(journey, `return ${returnId} published completed`, published, (a) => a.get(searchAttributes.returnStatus) === 'completed');
    expect(completed.refundCents).toBe(1290);
    expect(completed.closeReason).toBe('refunded_without_goods');
    expect(await movementsOf(orderId)).toEqual([]);
    await recordForReplay(returnId, 'return-refunded-without-goods');
  });
  it('a return parcel delivered while ops refund it without the goods is received again for inspection, not lost with its workflow', async () => {
    const orderId = await deliveredOrder(uniqueAddress('stall-then-found'));
    const { returnId, escalationId } = await stuckOpsReturn(orderId, 'ret-found');
    const stuck = await journey.database.db.return.findUniqueOrThrow({ where: { id: returnId } });
    const carrier = stuck.carrierCode as SimulatedCarrierCode;
    // The refund's settlement waits on the return's row, held here: the carrier's webhook then reads the row still open
    // and signals the delivery to the workflow taking its last step.
    await whileRowHeld(
      journey,
      { table: 'Return', id: returnId },
      async () => {
        const answer = await refundWithoutGoods(escalationId, 'lost on the way back');
        expect(answer.statusCode, answer.body).toBe(200);
      },
      async () => {
        const pushed = await carrierWebhook(app, carrier, [
          {
            carrierCode: carrier,
            eventId: `${returnId}-found`,
            trackingNumber: stuck.trackingNumber ?? '',
            statusCode: CARRIER_STATUS_CODES[carrier].delivered,
            detail: 'Delivered to the returns dock',
            occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
          },
        ]);
        expect(pushed.statusCode, pushed.body).toBe(200);
        expect(pushed.json()).toMatchObject({ accepted: 1 });
      },
    );
    const handle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    expect(await handle.result()).toMatchObject({ status: 'completed', refundCents: 1290 });
    // Before: the workflow closed with the scan unread, the row 'completed', the mug at the warehouse never counted.
    const row = await journey.database.db.return.findUniqueOrThrow({ where: { id: returnId } });
    expect(row).toMatchObject({
      status: 'received',
      closeReason: 'refunded_without_goods',
      customerSettledBy: 'refund',
      refundCents: 1290,
    });
    expect(row.closedAt).not.toBeNull();
    expect(row.receivedAt).not.toBeNull();
    expect((await handle.query(returnStatusQuery)).timeline.map((e) => e.label)).toContain('received again');
    expect(await movementsOf(orderId)).toEqual([]);
    // Ops inspect it as any late arrival (api/services/late-return-arrivals.ts): the mug counted back once, no new refund.
    const inspected = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);
    expect(inspected.json()).toMatchObject({ status: 'completed', refundCents: 1290 });
    expect(await movementsOf(orderId)).toEqual([expect.objectContaining({ kind: 'return_receipt', onHandDelta: 1 })]);
  });

  it('a return parcel that keeps moving but is not at the warehouse within its transit allowance escalates as late, once; its arrival closes that', async () => {
    const orderId = await deliveredOrder(uniqueAddress('slow-back'));
    // The carrier scans nothing by itself: the test scans the parcel every two days, inside the 72 h stall window.
    const returnId = await returnOfOneMug(KEYS.ops, orderId, 'ret-late', 'unused');
    const labelled = await untilReturn(returnId, ['label_created'], HOUR_MS);
    const carrier = labelled.carrierCode as SimulatedCarrierCode;
    const handle = journey.env.client.workflow.getHandle(`return-${returnId}`);
    const scan = async (n: number, status: 'in_transit' | 'delivered') =>
      handle.signal(returnScansSignal, {
        source: 'webhook',
        events: [
          {
            carrierCode: carrier,
            eventId: `${returnId}-scan-${n}`,
            trackingNumber: labelled.trackingNumber ?? '',
            statusCode: CARRIER_STATUS_CODES[carrier][status],
            detail: status === 'delivered' ? 'Delivered to the returns dock' : 'Departed sorting hub',
            occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
          },
        ],
      });
    const escalationsOf = () => journey.database.db.escalation.findMany({ where: { returnId }, orderBy: { openedAt: 'asc' } });
    for (let day = 0; day <= 6; day += 2) {
      await scan(day, 'in_transit');
      await skipBusinessTime(journey, 2 * DAY_MS);
    }
    // Eight days after the first scan: late (seven days), never stuck (two days between scans at most).
    const late = await until(
      journey,
      `return_late escalation of ${returnId}`,
      escalationsOf,
      (rows) => rows.some((e) => e.reason === 'return_late' && e.status === 'open'),
      { stepMs: HOUR_MS },
    );
    expect(late.map((e) => [e.reason, e.status])).toEqual([['return_late', 'open']]);
    await scan(8, 'in_transit');
    await skipBusinessTime(journey, DAY_MS);
    await scan(9, 'delivered');
    const received = await untilReturn(returnId, ['received'], HOUR_MS);
    expect(received.status).toBe('received');
    const after = await until(journey, `${returnId}'s escalation closed by the arrival`, escalationsOf, (rows) =>
      rows.every((e) => e.status === 'resolved'),
    );
    expect(after.map((e) => [e.reason, e.resolvedBy])).toEqual([['return_late', 'colis']]);
  });

  it('a returned watch restocked at inspection wakes the order backordered on it: it ships without a restock by the API', async () => {
    // WATCH-STEEL-40: 1 at PAR1 only. The first customer takes it; the second waits for one.
    const returnedFrom = await deliveredOrder(uniqueAddress('watch-back'), [{ sku: 'WATCH-STEEL-40', quantity: 1 }]);
    const waiting = await placedOrder(uniqueAddress('watch-wait'), {
      lines: [{ sku: 'WATCH-STEEL-40', quantity: 1 }],
      backorderPolicy: 'backorder',
      backorderWaitHours: 240,
    });
    const { orderId } = waiting;
    await until(
      journey,
      `order ${orderId} backordered`,
      () => journey.database.db.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } }),
      (o) => o.status === 'backordered',
      { stepMs: 60_000 },
    );
    const key = newKey('ret-watch');
    const started = await as(
      KEYS.intake,
      'POST',
      `/orders/${returnedFrom}/returns`,
      { lines: [{ sku: 'WATCH-STEEL-40', quantity: 1 }], reason: 'no_longer_needed' },
      { 'idempotency-key': key },
    );
    expect(started.statusCode, started.body).toBe(202);
    const returnId = started.json().returnId as string;
    await untilReturn(returnId, ['received']);
    const inspected = await as(KEYS.ops, 'POST', `/returns/${returnId}/inspection`, { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] });
    expect(inspected.statusCode, inspected.body).toBe(200);

    // Without moving business time (its backorder deadline is ten days away): only the return's news can wake it.
    const giveUpAt = Date.now() + 30_000;
    let held = 0;
    while (held === 0 && Date.now() < giveUpAt) {
      await new Promise((r) => setTimeout(r, 200));
      held = await journey.database.db.reservation.count({ where: { orderId, skuCode: 'WATCH-STEEL-40' } });
    }
    expect(held, 'the backordered order reserved the returned watch').toBe(1);
    const view = await journey.env.client.workflow.getHandle(`return-${returnId}`).query(returnStatusQuery);
    expect(view.timeline.map((t) => `${t.label}: ${t.detail ?? ''}`).join('\n')).toContain(`returned stock offered: to ${orderId}`);
    await untilOrderCompleted(waiting);
    const ledger = await journey.database.db.inventoryLevel.findUniqueOrThrow({
      where: { warehouseCode_skuCode: { warehouseCode: 'PAR1', skuCode: 'WATCH-STEEL-40' } },
    });
    expect(ledger).toMatchObject({ onHand: 0, reserved: 0 });
  });
});
