import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfiguredApiKey } from '../../api/config';
import { trackingToken } from '../../api/routes/pages/tracking-token';
import { DAY_MS } from '../../domain/clock';
import { insertOrder, insertShipment } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, orderRequest, TRACKING_SECRET } from './harness';

/**
 * Starting a return as a hostile client would: every refusal is a 4xx naming what is wrong and
 * stores nothing; the same Idempotency-Key never starts a second return; another shop's order does
 * not exist; two returns never take the same unit back. No worker runs: the checks are the API's.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** An order of shop-a: one mug, delivered `daysAgo` days ago from PAR1. */
async function deliveredOrder(daysAgo = 2, shop = KEYS.intake.name): Promise<string> {
  const orderId = await insertOrder(h.db, { submittedBy: shop });
  const { shipmentId } = await insertShipment(h.db, orderId);
  await h.db.order.update({ where: { id: orderId }, data: { shopId: shop, status: 'completed' } });
  await h.db.shipment.update({
    where: { id: shipmentId },
    data: { status: 'delivered', deliveredAt: new Date(Date.now() - daysAgo * DAY_MS) },
  });
  return orderId;
}

const startReturn = (
  key: ConfiguredApiKey,
  orderId: string,
  body: Record<string, unknown>,
  idempotencyKey: string | null = newKey('rma'),
) =>
  h.as(key, {
    method: 'POST',
    url: `/orders/${orderId}/returns`,
    payload: body,
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });

const MUG = { lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'defective' };
const returnsOf = (orderId: string) => h.db.return.count({ where: { orderId } });

describe('POST /orders/{id}/returns', () => {
  it('answers an order accepted whose journey has not begun (no worker yet) as an order that delivered nothing, not as no order', async () => {
    const placed = await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey('unstarted') },
      payload: orderRequest(),
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId } = placed.json() as { orderId: string };
    expect((await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}` })).json()).toMatchObject({ stage: 'received' });
    const refused = expectErrorShape(await startReturn(KEYS.intake, orderId, MUG), 409, 'order_state_conflict');
    expect(refused.details).toEqual([{ path: 'body.lines.0.sku', message: 'not delivered yet' }]);
    expect((await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}/returns` })).json()).toEqual({ items: [] });
    // Still another shop's order looks like no order at all.
    expectErrorShape(await startReturn(KEYS.intakeB, orderId, MUG), 404, 'not_found');
    expectErrorShape(await h.as(KEYS.intakeB, { method: 'GET', url: `/orders/${orderId}/returns` }), 404, 'not_found');
    expect(await returnsOf(orderId)).toBe(0);
  });

  it('a shop starts a return of its delivered order; the same key answers the same return, another body with it is a conflict', async () => {
    const orderId = await deliveredOrder();
    const key = newKey('rma-same');
    const first = await startReturn(KEYS.intake, orderId, MUG, key);
    expect(first.statusCode, first.body).toBe(202);
    const view = first.json();
    expect(view).toMatchObject({
      orderId,
      channel: 'shop',
      reason: 'defective',
      warehouseCode: 'PAR1',
      lines: [{ sku: 'MUG-CER-350', quantity: 1, unitPriceCents: 1290 }],
    });
    expect(view.returnId).toMatch(/^RMA-/);
    const again = await startReturn(KEYS.intake, orderId, MUG, key);
    expect(again.statusCode).toBe(200);
    expect(again.json().returnId).toBe(view.returnId);
    expectErrorShape(await startReturn(KEYS.intake, orderId, { ...MUG, reason: 'other' }, key), 409, 'idempotency_conflict');
    expect(await returnsOf(orderId)).toBe(1);
    // The journey began: its workflow exists under the return's id.
    const described = await h.client.workflow.getHandle(`return-${view.returnId}`).describe();
    expect(described.type).toBe('returnWorkflow');
    expect((await h.as(KEYS.intake, { method: 'GET', url: `/returns/${view.returnId}` })).statusCode).toBe(200);
    expect((await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}/returns` })).json().items).toHaveLength(1);
    // Another shop's key finds neither the return nor a way to inspect it.
    expectErrorShape(await h.as(KEYS.intakeB, { method: 'GET', url: `/returns/${view.returnId}` }), 404, 'not_found');
    expectErrorShape(
      await h.as(KEYS.intakeB, {
        method: 'POST',
        url: `/returns/${view.returnId}/inspection`,
        payload: { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] },
      }),
      403,
      'forbidden',
    );
  });

  it("after the shop's return window a return is refused with 409 return_window_closed naming the date; a shop with a longer window accepts it", async () => {
    const orderId = await deliveredOrder(31);
    const refused = expectErrorShape(await startReturn(KEYS.intake, orderId, MUG), 409, 'return_window_closed');
    expect(refused.message).toMatch(/closed on \d{4}-\d{2}-\d{2} \(30 days after delivery\)/);
    expect(await returnsOf(orderId)).toBe(0);
    await h.db.shop.upsert({
      where: { id: KEYS.intake.name },
      create: { id: KEYS.intake.name, displayName: 'Shop A', returnWindowDays: 60 },
      update: { returnWindowDays: 60 },
    });
    try {
      expect((await startReturn(KEYS.intake, orderId, MUG)).statusCode).toBe(202);
    } finally {
      await h.db.shop.update({ where: { id: KEYS.intake.name }, data: { returnWindowDays: 30 } });
    }
  });

  it('bad input answers 400 naming the field and stores nothing', async () => {
    const orderId = await deliveredOrder();
    const cases: [Record<string, unknown>, string][] = [
      [{ lines: [{ sku: 'TEA-GREEN-100G', quantity: 1 }], reason: 'defective' }, 'body.lines.0.sku'],
      [{ lines: [{ sku: 'MUG-CER-350', quantity: 2 }], reason: 'defective' }, 'body.lines.0.quantity'],
      [{ lines: [{ sku: 'MUG-CER-350', quantity: 0 }], reason: 'defective' }, 'body.lines.0.quantity'],
      [{ lines: [{ sku: 'MUG-CER-350', quantity: 1.5 }], reason: 'defective' }, 'body.lines.0.quantity'],
      [{ lines: [{ sku: 'MUG-CER-350', quantity: 1 }], reason: 'bored' }, 'body.reason'],
      [{ lines: [], reason: 'defective' }, 'body.lines'],
      [
        {
          lines: [
            { sku: 'MUG-CER-350', quantity: 1 },
            { sku: 'MUG-CER-350', quantity: 1 },
          ],
          reason: 'other',
        },
        'body.lines.1.sku',
      ],
    ];
    for (const [body, path] of cases) {
      const error = expectErrorShape(await startReturn(KEYS.intake, orderId, body), 400, 'validation_failed');
      expect(
        error.details?.map((d) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    const noKey = expectErrorShape(await startReturn(KEYS.intake, orderId, MUG, null), 400, 'validation_failed');
    expect(noKey.details?.map((d) => d.path)).toContain('headers.idempotency-key');
    expect(await returnsOf(orderId)).toBe(0);
  });

  it("another shop's order is not found, an order not delivered yet is a 409, an unknown order a 404", async () => {
    const orderId = await deliveredOrder();
    expectErrorShape(await startReturn(KEYS.intakeB, orderId, MUG), 404, 'not_found');
    expectErrorShape(await h.as(KEYS.intakeB, { method: 'GET', url: `/orders/${orderId}/returns` }), 404, 'not_found');
    const inTransit = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
    await insertShipment(h.db, inTransit);
    await h.db.order.update({ where: { id: inTransit }, data: { shopId: KEYS.intake.name } });
    expectErrorShape(await startReturn(KEYS.intake, inTransit, MUG), 409, 'order_state_conflict');
    expectErrorShape(await startReturn(KEYS.ops, 'ORD-NOPE', MUG), 404, 'not_found');
    expect(await returnsOf(orderId)).toBe(0);
  });

  it('a cancelled order, an undelivered line and a closed window are 409s naming the line, and store nothing', async () => {
    const cancelled = await insertOrder(h.db, { submittedBy: KEYS.intake.name, status: 'cancelled' });
    await h.db.order.update({ where: { id: cancelled }, data: { shopId: KEYS.intake.name } });
    const refused = expectErrorShape(await startReturn(KEYS.intake, cancelled, MUG), 409, 'order_state_conflict');
    expect(refused.message).toMatch(/cancelled/);
    expect(refused.details?.map((d) => d.path)).toEqual(['body.lines.0.sku']);
    const inTransit = await insertOrder(h.db, { submittedBy: KEYS.intake.name });
    await insertShipment(h.db, inTransit);
    await h.db.order.update({ where: { id: inTransit }, data: { shopId: KEYS.intake.name } });
    const undelivered = expectErrorShape(await startReturn(KEYS.intake, inTransit, MUG), 409, 'order_state_conflict');
    expect(undelivered.details).toEqual([{ path: 'body.lines.0.sku', message: 'not delivered yet' }]);
    const old = await deliveredOrder(400);
    const closed = expectErrorShape(await startReturn(KEYS.intake, old, MUG), 409, 'return_window_closed');
    expect(closed.details?.map((d) => d.path)).toEqual(['body.lines.0.sku']);
    expect((await returnsOf(cancelled)) + (await returnsOf(inTransit)) + (await returnsOf(old))).toBe(0);
  });

  it('two returns at once for the last unit: exactly one is started, the other is told how many are left', async () => {
    const orderId = await deliveredOrder();
    const answers = await Promise.all([startReturn(KEYS.intake, orderId, MUG), startReturn(KEYS.ops, orderId, MUG)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 400]);
    const refused = answers.find((a) => a.statusCode === 400);
    if (!refused) throw new Error('unreachable');
    expect(expectErrorShape(refused, 400, 'validation_failed').details?.[0]).toMatchObject({ path: 'body.lines.0.quantity' });
    expect(await returnsOf(orderId)).toBe(1);
  });
});

describe('the same return sent twice at once (a double click, a retry racing its own timeout)', () => {
  it('with one Idempotency-Key: one return, every twin answered with it, none told the goods are gone', async () => {
    const orderId = await deliveredOrder();
    const key = newKey('twin');
    const answers = await Promise.all([1, 2, 3].map(() => startReturn(KEYS.intake, orderId, MUG, key)));
    expect(answers.map((a) => a.statusCode).sort(), answers.map((a) => a.body).join('\n')).toEqual([200, 200, 202]);
    expect(new Set(answers.map((a) => (a.json() as { returnId: string }).returnId)).size).toBe(1);
    expect(await returnsOf(orderId)).toBe(1);
  });

  it("the tracking page's form posted twice at once: both see the return started", async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const key = newKey('click').replace(/[^A-Za-z0-9_-]/g, '');
    const post = () =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${t}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `qty.MUG-CER-350=1&reason=defective&key=${key}`,
      });
    const answers = await Promise.all([post(), post()]);
    expect(
      answers.map((a) => a.statusCode),
      answers.map((a) => a.body.slice(0, 200)).join('\n'),
    ).toEqual([303, 303]);
    expect(await returnsOf(orderId)).toBe(1);
  });
});

describe('POST /returns/{id}/inspection', () => {
  it('refuses an inspection that does not match the return (400 naming the line) and one before the label exists (409)', async () => {
    const orderId = await deliveredOrder();
    const started = await startReturn(KEYS.ops, orderId, MUG);
    const returnId = started.json().returnId as string;
    const inspect = (lines: unknown[]) => h.as(KEYS.ops, { method: 'POST', url: `/returns/${returnId}/inspection`, payload: { lines } });
    const mismatch = expectErrorShape(await inspect([{ lineNo: 1, restock: 1, writeOff: 1 }]), 400, 'validation_failed');
    expect(mismatch.details?.[0]?.path).toBe('body.lines.0');
    expect(
      expectErrorShape(await inspect([{ lineNo: 2, restock: 1, writeOff: 0 }]), 400)
        .details?.map((d) => d.message)
        .join(' '),
    ).toMatch(/no line 2/);
    expectErrorShape(await inspect([{ lineNo: 1, restock: -1, writeOff: 2 }]), 400, 'validation_failed');
    // No worker runs here: the return has no label yet, so nothing can have arrived.
    expectErrorShape(await inspect([{ lineNo: 1, restock: 1, writeOff: 0 }]), 409, 'order_state_conflict');
    expectErrorShape(await h.as(KEYS.intake, { method: 'POST', url: `/returns/${returnId}/inspection`, payload: { lines: [] } }), 403);
    expectErrorShape(
      await h.as(KEYS.ops, {
        method: 'POST',
        url: '/returns/RMA-NOPE/inspection',
        payload: { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] },
      }),
      404,
    );
    expect(await h.db.inventoryMovement.count({ where: { orderId, kind: { in: ['return_receipt', 'write_off'] } } })).toBe(0);
  });
});

describe('an inspection of a return whose workflow was terminated in Temporal', () => {
  it('is a 409 order_state_conflict saying the journey ended and what to do, not a 404 for a return that exists; nothing moves', async () => {
    const orderId = await deliveredOrder();
    const returnId = (await startReturn(KEYS.ops, orderId, MUG)).json().returnId as string;
    await h.db.return.update({ where: { id: returnId }, data: { status: 'received', receivedAt: new Date() } });
    await h.client.workflow.getHandle(`return-${returnId}`).terminate('ops, from the Web UI');
    const inspect = () =>
      h.as(KEYS.ops, {
        method: 'POST',
        url: `/returns/${returnId}/inspection`,
        payload: { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] },
      });
    // Before: 404 'the workflow of this the inspection of return … was not found', for a return GET /returns/{id} shows.
    const refused = expectErrorShape(await inspect(), 409, 'order_state_conflict');
    expect(refused.message).toMatch(
      new RegExp(`return ${returnId}: its workflow return-${returnId} has ended in Temporal \\(terminated\\)`),
    );
    expect(refused.message).toMatch(/temporal workflow reset/);
    // Its view says nothing moves it any more, and how to resume it (as GET /orders/{id} does for an order).
    const view = (await h.as(KEYS.ops, { method: 'GET', url: `/returns/${returnId}` })).json();
    expect(view).toMatchObject({ status: 'received', workflowEnded: { status: 'terminated' } });
    expect(view.workflowEnded.at).toEqual(expect.any(String));
    expect(view.workflowEnded.hint).toContain(`temporal workflow reset -w return-${returnId} --type LastWorkflowTask`);
    expect(await h.db.inventoryMovement.count({ where: { orderId, kind: { in: ['return_receipt', 'write_off'] } } })).toBe(0);
  });
});

describe('an inspection of a return already inspected', () => {
  it('answers the same inspection with the settled return, and another one with a 409 saying what was recorded, changing nothing', async () => {
    const orderId = await deliveredOrder();
    const returnId = (await startReturn(KEYS.ops, orderId, MUG)).json().returnId as string;
    // As the return's workflow leaves it once the warehouse restocked the mug.
    await h.db.return.update({
      where: { id: returnId },
      data: {
        status: 'completed',
        inspectedAt: new Date(),
        inspectionNote: 'box dented, mug intact',
        refundCents: 1290,
        lines: { updateMany: { where: {}, data: { restocked: 1, writtenOff: 0 } } },
      },
    });
    const inspect = (restock: number, note?: string) =>
      h.as(KEYS.ops, {
        method: 'POST',
        url: `/returns/${returnId}/inspection`,
        payload: { lines: [{ lineNo: 1, restock, writeOff: 1 - restock }], ...(note === undefined ? {} : { note }) },
      });
    const same = await inspect(1);
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json().lines[0]).toMatchObject({ restocked: 1, writtenOff: 0 });
    expect(same.json().inspectionNote).toBe('box dented, mug intact');
    expect((await inspect(1, 'box dented, mug intact')).statusCode).toBe(200);
    const other = expectErrorShape(await inspect(0), 409, 'order_state_conflict');
    expect(other.message).toMatch(/already inspected/);
    expect(other.details?.map((d) => d.path)).toEqual(['body.lines.0']);
    // The same figures with other words: before, 200 and the note silently not kept.
    const reworded = expectErrorShape(await inspect(1, 'mug chipped'), 409, 'order_state_conflict');
    expect(reworded.details?.map((d) => d.path)).toEqual(['body.note']);
    expect((await h.db.return.findUniqueOrThrow({ where: { id: returnId } })).inspectionNote).toBe('box dented, mug intact');
    expect((await h.db.returnLine.findMany({ where: { returnId } })).map((l) => [l.restocked, l.writtenOff])).toEqual([[1, 0]]);
  });
});

describe('the inspection as an ops action', () => {
  it('is made by the calling key: an inspectedBy in the body is refused (400 naming it), and nothing is recorded', async () => {
    const orderId = await deliveredOrder();
    const returnId = (await startReturn(KEYS.ops, orderId, MUG)).json().returnId as string;
    const refused = expectErrorShape(
      await h.as(KEYS.ops, {
        method: 'POST',
        url: `/returns/${returnId}/inspection`,
        payload: { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }], inspectedBy: 'someone-else' },
      }),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(refused.details)).toContain('inspectedBy');
    expect(await h.db.opsAction.count({ where: { targetId: returnId } })).toBe(0);
  });

  it('an Idempotency-Key replays the first answer under the same body and refuses another body (409 idempotency_conflict)', async () => {
    const orderId = await deliveredOrder();
    const returnId = (await startReturn(KEYS.ops, orderId, MUG)).json().returnId as string;
    const key = newKey('inspect');
    const inspect = (restock: number) =>
      h.as(KEYS.ops, {
        method: 'POST',
        url: `/returns/${returnId}/inspection`,
        headers: { 'idempotency-key': key },
        payload: { lines: [{ lineNo: 1, restock, writeOff: 1 - restock }] },
      });
    // No worker: the return has no label yet, a 409 — stored as this key's answer.
    const first = await inspect(1);
    expectErrorShape(first, 409, 'order_state_conflict');
    // The stored answer, not a second attempt: still one recorded action below.
    expectErrorShape(await inspect(1), 409, 'order_state_conflict');
    expectErrorShape(await inspect(0), 409, 'idempotency_conflict');
    const actions = await h.db.opsAction.findMany({ where: { targetId: returnId } });
    expect(actions.map((a) => [a.actor, a.action, a.status])).toEqual([[KEYS.ops.name, 'inspect_return', 409]]);
  });
});

describe('the tracking page return form', () => {
  it('refuses a field given twice (two quantities for one item) with a 400 page naming it, and starts nothing', async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const key = newKey('form').replace(/[^A-Za-z0-9_-]/g, '');
    const refused = await h.app.inject({
      method: 'POST',
      url: `/track/${orderId}/returns?t=${t}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `qty.MUG-CER-350=0&qty.MUG-CER-350=1&reason=defective&key=${key}`,
    });
    expect(refused.statusCode, refused.body.slice(0, 300)).toBe(400);
    expect(refused.body).toContain('Your browser sent the quantity of MUG-CER-350 twice');
    expect(await returnsOf(orderId)).toBe(0);
  });

  it('answers a form over 16 KiB with a 413 page saying so (without a valid token: the 413 page, or the JSON 413 to a JSON client), and starts nothing', async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const post = (token: string, accept?: string) =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) },
        payload: `qty.MUG-CER-350=1&reason=defective&comment=${'a'.repeat(20_000)}&key=${newKey('form').replace(/[^A-Za-z0-9_-]/g, '')}`,
      });
    const refused = await post(t);
    // Before: the API's JSON 413 in the customer's browser.
    expect(refused.statusCode, refused.body.slice(0, 300)).toBe(413);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.body).toContain('The form is too long: shorten your comment');
    const tampered = await post('0'.repeat(64));
    expect([tampered.statusCode, tampered.headers['content-type']]).toEqual([413, 'text/html; charset=utf-8']);
    expect(tampered.body).toContain('What you sent is too large');
    expectErrorShape(await post('0'.repeat(64), 'application/json'), 413, 'payload_too_large');
    expect(await returnsOf(orderId)).toBe(0);
  });

  it('refuses a form whose bytes are not UTF-8 (a Latin-1 comment, raw or percent-encoded) with a 400 page, and starts nothing', async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const post = (comment: string | Buffer, contentType = 'application/x-www-form-urlencoded') =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${t}`,
        headers: { 'content-type': contentType },
        payload: Buffer.concat([
          Buffer.from('qty.MUG-CER-350=1&reason=defective&comment='),
          Buffer.isBuffer(comment) ? comment : Buffer.from(comment),
          Buffer.from(`&key=${newKey('form').replace(/[^A-Za-z0-9_-]/g, '')}`),
        ]),
      });
    for (const comment of ['R%E9sum%E9', Buffer.from('R\u00e9sum\u00e9', 'latin1'), '%C3']) {
      const refused = await post(comment);
      expect(refused.statusCode, refused.body.slice(0, 300)).toBe(400);
      expect(refused.body).toContain('We could not read the form your browser sent');
    }
    const declared = await post('R%C3%A9sum%C3%A9', 'application/x-www-form-urlencoded; charset=iso-8859-1');
    expect(declared.statusCode, declared.body.slice(0, 300)).toBe(400);
    expect(declared.body).toContain('We could not read the form your browser sent');
    expect(declared.body).not.toContain('iso-8859-1 is not accepted');
    expect(await returnsOf(orderId)).toBe(0);
    expect((await post('R%C3%A9sum%C3%A9+%F0%9F%93%A6 \u{1F4E6}')).statusCode).toBe(303);
    const stored = await h.db.return.findFirst({ where: { orderId }, select: { comment: true } });
    expect(stored?.comment).toBe('R\u00e9sum\u00e9 \u{1F4E6} \u{1F4E6}');
  });

  it('takes a form as a browser posts it: a JSON body is a 415 page, a quantity not in digits (0x1, 1e0) a 400 page; nothing starts', async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const url = `/track/${orderId}/returns?t=${t}`;
    const key = () => newKey('form').replace(/[^A-Za-z0-9_-]/g, '');
    for (const quantity of [true, 1, '1']) {
      const json = await h.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ key: key(), reason: 'defective', 'qty.MUG-CER-350': quantity }),
      });
      expect(json.statusCode, json.body.slice(0, 300)).toBe(415);
      expect(json.headers['content-type']).toMatch(/^text\/html/);
      expect(json.body).toContain('We could not read the form as it was sent');
    }
    // A page whose form says enctype="multipart/form-data": the same page, not the API's JSON telling it to send JSON.
    const multipart = await h.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: `--x\r\nContent-Disposition: form-data; name="reason"\r\n\r\ndefective\r\n--x--\r\n`,
    });
    expect([multipart.statusCode, multipart.headers['content-type']]).toEqual([415, 'text/html; charset=utf-8']);
    expect(multipart.body).toContain('send it from this page, with its button');
    const form = (quantity: string) =>
      h.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `qty.MUG-CER-350=${quantity}&reason=defective&key=${key()}`,
      });
    for (const quantity of ['0x1', '1e0', '1.0', 'Infinity', '%2B1']) {
      const refused = await form(quantity);
      expect(refused.statusCode, `${quantity}: ${refused.body.slice(0, 300)}`).toBe(400);
      expect(refused.body).toContain('Choose how many of each item to send back: enter a whole number (0 to keep an item)');
      expect(refused.body).not.toContain('NaN');
    }
    // Each problem is told at its own field, in the customer's words: a comment's is not announced as "Choose a reason".
    const told = async (payload: string) =>
      (await h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })).body;
    expect(await told(`qty.MUG-CER-350=1&reason=defective&comment=a%E2%80%AEb&key=${key()}`)).toContain(
      'We cannot accept your comment: it contains an invisible or control character',
    );
    expect(await told(`qty.MUG-CER-350=1&reason=evil&key=${key()}`)).toContain('Choose a reason from the list');
    expect(await told('qty.MUG-CER-350=1&reason=defective')).toContain('This form had expired: check your choices below');
    expect(await returnsOf(orderId)).toBe(0);
    expect((await form('+1+')).statusCode).toBe(303);
    expect(await returnsOf(orderId)).toBe(1);
  });

  it('tells a customer who sends a form again with other choices (back, edit, send) in their words, and starts nothing more', async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const key = newKey('form').replace(/[^A-Za-z0-9_-]/g, '');
    const post = (reason: string) =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${t}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `qty.MUG-CER-350=1&reason=${reason}&key=${key}`,
      });
    expect((await post('defective')).statusCode).toBe(303);
    expect((await post('defective')).statusCode).toBe(303);
    const again = await post('damaged');
    expect(again.statusCode, again.body.slice(0, 300)).toBe(409);
    expect(again.body).toContain('This form was already sent with other choices');
    expect(again.body).not.toContain('Idempotency-Key');
    expect(await returnsOf(orderId)).toBe(1);
  });

  it('refuses text no field can hold (a NUL byte in the comment) with a 400 page, and starts nothing', async () => {
    const orderId = await deliveredOrder();
    const t = trackingToken(orderId, TRACKING_SECRET);
    const post = (comment: string) =>
      h.app.inject({
        method: 'POST',
        url: `/track/${orderId}/returns?t=${t}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `qty.MUG-CER-350=1&reason=defective&comment=${comment}&key=${newKey('form').replace(/[^A-Za-z0-9_-]/g, '')}`,
      });
    for (const comment of ['a%00b', '%1B%5B31m']) {
      const refused = await post(comment);
      expect(refused.statusCode, refused.body.slice(0, 300)).toBe(400);
      expect(refused.body).toContain('We cannot accept your comment');
    }
    expect(await returnsOf(orderId)).toBe(0);
    expect((await post('too%20small')).statusCode).toBe(303);
    expect(await returnsOf(orderId)).toBe(1);
  });
});
