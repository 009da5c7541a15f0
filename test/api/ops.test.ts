import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../api/app';
import type { ConfiguredApiKey } from '../../config';
import { describeWorkflow } from '../../api/services/workflows';
import { capturedLogs, createHarness, expectErrorShape, KEYS, newKey, orderRequest, type Harness } from './harness';
import { insertOrder, insertScan, insertShipment, signalsReceived, startIdleWorkflow, uniqueId } from './fixtures';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const ops = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
  h.as(KEYS.ops, { method, url, ...(payload ? { payload } : {}) });

/**
 * The API whose first describe of `workflowId` is answered as Temporal answered it a moment before the workflow started:
 * the start (and what it wrote to the database) then lands between that describe and the API's database read.
 */
function appWhoseDescribeMissesTheStart(workflowId: string) {
  let missed = false;
  const temporalClient = new Client({
    connection: h.client.connection,
    namespace: h.client.options.namespace,
    dataConverter: h.client.options.dataConverter,
    interceptors: {
      workflow: [
        {
          async describe(input, next) {
            if (missed || input.workflowExecution.workflowId !== workflowId) return next(input);
            missed = true;
            throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
          },
        },
      ],
    },
  });
  return buildApp({ db: h.db, temporalClient, config: h.config, logStream: capturedLogs().stream });
}

async function startedOrder(): Promise<{ orderId: string; workflowId: string }> {
  const placed = await h.as(KEYS.ops, {
    method: 'POST',
    url: '/orders',
    headers: { 'idempotency-key': newKey() },
    payload: orderRequest(),
  });
  const { orderId, workflowId } = placed.json();
  await vi.waitFor(async () => expect((await h.db.orderIntake.findUniqueOrThrow({ where: { orderId } })).startedAt).not.toBeNull(), {
    timeout: 30_000,
    interval: 100,
  });
  return { orderId, workflowId };
}

async function insertEscalation(
  orderId: string,
  options: {
    shipmentId?: string;
    reason?: 'stuck' | 'backorder_deadline';
    severity?: 'low' | 'high';
    resolved?: boolean;
    openedAt?: Date;
  } = {},
) {
  const id = uniqueId('ESC');
  await h.db.escalation.create({
    data: {
      id,
      orderId,
      shipmentId: options.shipmentId ?? null,
      reason: options.reason ?? 'stuck',
      severity: options.severity ?? 'low',
      detail: 'no scan for 48 h',
      dedupeKey: id,
      ...(options.openedAt ? { openedAt: options.openedAt } : {}),
      ...(options.resolved ? { status: 'resolved', resolvedAt: new Date(), decision: 'wait', resolvedBy: 'ops' } : {}),
    },
  });
  return id;
}

describe('order reads from the database', () => {
  it('shows a completed order, its shipments and its timeline from the database', async () => {
    const orderId = await insertOrder(h.db, { status: 'completed' });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    await insertScan(h.db, { shipmentId, trackingNumber }, { status: 'delivered', occurredAt: '2030-01-03T10:00:00Z', location: 'Paris' });
    await h.db.stageTiming.create({
      data: {
        id: uniqueId('ST'),
        orderId,
        stage: 'reserving',
        startedAt: new Date('2030-01-01T10:00:00Z'),
        endedAt: new Date('2030-01-01T10:00:01Z'),
        outcome: 'ok',
        dedupeKey: uniqueId('D'),
      },
    });
    const view = await ops('GET', `/orders/${orderId}`);
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({
      orderId,
      stage: 'completed',
      source: 'database',
      shipTo: { countryCode: 'FR' },
      shipments: [{ shipmentId, trackingNumber, trackingStatus: 'delivered', labelAttempt: 1 }],
    });
    const timeline = (await ops('GET', `/orders/${orderId}/timeline`)).json();
    expect(timeline.entries.map((e: { label: string }) => e.label)).toEqual(['reserving', 'delivered']);
    expect(timeline.entries[1]).toMatchObject({ kind: 'tracking', shipmentId, location: 'Paris' });
    expect(timeline.trackingNumbers).toEqual([{ shipmentId, carrierCode: 'swiftpost', trackingNumber, status: 'delivered' }]);
    const shipment = await ops('GET', `/shipments/${shipmentId}`);
    expect(shipment.json()).toMatchObject({ shipmentId, orderId, source: 'database', stage: 'in_transit' });
    expectErrorShape(await ops('GET', `/shipments/${orderId}-S9`), 404, 'not_found');
    expectErrorShape(await ops('GET', '/shipments/bogus'), 404, 'not_found');
  });

  it("reads a parcel's status as its journey folds the scans: a carrier's scan after the delivery, or an old label's, changes nothing", async () => {
    const orderId = await insertOrder(h.db, { status: 'completed' });
    const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
    const scan = (status: 'delivered' | 'in_transit' | 'lost', at: string, number = trackingNumber) =>
      h.db.trackingEvent.create({
        data: {
          id: uniqueId('TE'),
          shipmentId,
          carrierCode: 'swiftpost',
          carrierEventId: uniqueId('E'),
          trackingNumber: number,
          carrierStatusCode: status.toUpperCase(),
          status,
          occurredAt: new Date(at),
          source: 'webhook',
        },
      });
    await scan('in_transit', '2030-01-02T10:00:00Z');
    await scan('delivered', '2030-01-03T10:00:00Z');
    // Sent by the carrier after the delivery (a mis-scan, a reconciliation run), and a voided earlier label's late scan.
    await scan('lost', '2030-01-04T10:00:00Z');
    await scan('in_transit', '2030-01-05T10:00:00Z', 'SP-VOIDED-1');
    const view = (await ops('GET', `/orders/${orderId}`)).json();
    expect(view.shipments[0]).toMatchObject({ shipmentId, trackingStatus: 'delivered' });
    const timeline = (await ops('GET', `/orders/${orderId}/timeline`)).json();
    expect(timeline.trackingNumbers).toEqual([{ shipmentId, carrierCode: 'swiftpost', trackingNumber, status: 'delivered' }]);
    // Every scan is still shown where it happened.
    expect(timeline.entries.filter((e: { kind: string }) => e.kind === 'tracking').map((e: { label: string }) => e.label)).toEqual([
      'in transit',
      'delivered',
      'lost',
      'in transit',
    ]);
  });

  it("hides another shop's stored order from an intake key", async () => {
    const orderId = await insertOrder(h.db, { submittedBy: 'shop-b' });
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}` }), 404, 'not_found');
    expect((await h.as(KEYS.intakeB, { method: 'GET', url: `/orders/${orderId}` })).statusCode).toBe(200);
  });

  it('lists orders newest first with filters and cursor pagination; intake keys see their own', async () => {
    const customerId = uniqueId('CUST');
    const base = Date.parse('2031-03-01T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await insertOrder(h.db, {
          customerId,
          createdAt: new Date(base + i * 60_000),
          status: i === 4 ? 'backordered' : 'fulfilling',
          submittedBy: i % 2 ? 'shop-b' : 'shop-a',
        }),
      );
    }
    await insertEscalation(ids[1]!);
    await insertEscalation(ids[2]!, { resolved: true });

    const pageOne = (await ops('GET', `/orders?customerId=${customerId}&limit=2`)).json();
    expect(pageOne.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[4], ids[3]]);
    const pageTwo = (await ops('GET', `/orders?customerId=${customerId}&limit=2&cursor=${pageOne.nextCursor}`)).json();
    const pageThree = (await ops('GET', `/orders?customerId=${customerId}&limit=2&cursor=${pageTwo.nextCursor}`)).json();
    expect([...pageTwo.items, ...pageThree.items].map((o: { orderId: string }) => o.orderId)).toEqual([ids[2], ids[1], ids[0]]);
    expect(pageThree.nextCursor).toBeUndefined();
    // A page size may change between pages; the listing and its filters may not: another's cursor was read as a position.
    expect((await ops('GET', `/orders?customerId=${customerId}&limit=5&cursor=${pageOne.nextCursor}`)).statusCode).toBe(200);
    for (const elsewhere of [`/orders?customerId=${customerId}&status=backordered`, '/orders', '/escalations', '/claims', '/returns']) {
      const refused = expectErrorShape(
        await ops('GET', `${elsewhere}${elsewhere.includes('?') ? '&' : '?'}cursor=${pageOne.nextCursor}`),
        400,
        'validation_failed',
      );
      expect(refused.message, elsewhere).toBe('the cursor is from another listing or other filters: ask for the first page again');
      expect(refused.details?.map((d) => d.path)).toEqual(['query.cursor']);
    }

    const list = async (query: string) =>
      (await ops('GET', `/orders?customerId=${customerId}&${query}`)).json().items.map((o: { orderId: string }) => o.orderId);
    expect(await list('status=backordered')).toEqual([ids[4]]);
    expect(await list('escalated=true')).toEqual([ids[1]]);
    expect(await list('escalated=false')).toHaveLength(4);
    expect(await list('createdFrom=2031-03-01T00:01:00Z&createdTo=2031-03-01T00:03:00Z')).toEqual([ids[2], ids[1]]);
    const own = (await h.as(KEYS.intakeB, { method: 'GET', url: `/orders?customerId=${customerId}` })).json();
    expect(own.items.map((o: { orderId: string }) => o.orderId)).toEqual([ids[3], ids[1]]);
  });

  it('an intake key whose name holds "_" lists its own orders only, not those of a shop named alike', async () => {
    // Key names may hold "_" (config/api-keys.ts), a LIKE wildcard: "shop_a" listed the orders of "shop-a" and "shop.a".
    const shopUnderscore = { name: 'shop_a', role: 'intake', key: 'shop-underscore-secret-0006' } as const;
    const app = await h.rebuild({ apiKeys: [...Object.values(KEYS), shopUnderscore] });
    const customerId = uniqueId('CUST');
    const theirs = await insertOrder(h.db, { customerId, submittedBy: 'shop-a' });
    const own = await insertOrder(h.db, { customerId, submittedBy: 'shop_a' });
    const listed = await app.inject({
      method: 'GET',
      url: `/orders?customerId=${customerId}`,
      headers: { 'x-api-key': shopUnderscore.key },
    });
    expect(listed.json().items.map((o: { orderId: string }) => o.orderId)).toEqual([own]);
    const listedByShopA = (await h.as(KEYS.intake, { method: 'GET', url: `/orders?customerId=${customerId}` })).json();
    expect(listedByShopA.items.map((o: { orderId: string }) => o.orderId)).toEqual([theirs]);
  });

  it('validates list queries', async () => {
    for (const query of [
      'limit=0',
      'limit=1000',
      'limit=abc',
      'status=lost',
      'escalated=maybe',
      'createdFrom=yesterday',
      'cursor=!!!',
      'cursor=bm9wZQ',
    ]) {
      const error = expectErrorShape(await ops('GET', `/orders?${query}`), 400, 'validation_failed');
      expect(error.details?.[0]?.path).toMatch(/^query\./);
    }
  });

  it('refuses a forged cursor the database cannot read (a NUL byte, a year it cannot store) with a 400 naming it, never a 5xx', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    for (const cursor of [
      forged(['2031-03-01T00:00:00.000Z', 'ORD-\u0000']),
      forged(['-010000-01-01T00:00:00.000Z', 'ORD-1']),
      forged(['+275760-09-13T00:00:00.000Z', 'ORD-1']),
      forged(['2031-03-01T00:00:00.000Z', 'ORD 1']),
    ]) {
      for (const path of ['/orders', '/escalations', '/claims', '/returns', '/webhooks/deliveries']) {
        const error = expectErrorShape(await ops('GET', `${path}?cursor=${cursor}`), 400, 'validation_failed');
        expect(error.details?.map((d) => d.path)).toEqual(['query.cursor']);
      }
    }
  });

  it('refuses a reversed or empty creation window with a 400 naming createdFrom', async () => {
    for (const query of [
      'createdFrom=2031-03-02T00:00:00Z&createdTo=2031-03-01T00:00:00Z',
      'createdFrom=2031-03-01T00:00:00Z&createdTo=2031-03-01T00:00:00Z',
    ]) {
      const error = expectErrorShape(await ops('GET', `/orders?${query}`), 400, 'validation_failed');
      expect(error.details?.map((d) => d.path)).toEqual(['query.createdFrom']);
    }
  });
});

describe('ops actions', () => {
  it('cancel and address change: 404 unknown order, 409 when the journey has ended, 400 on a bad body', async () => {
    expectErrorShape(await ops('POST', '/orders/ORD-UNKNOWN/cancel', { reason: 'customer asked' }), 404, 'not_found');
    const { orderId, workflowId } = (
      await h.as(KEYS.ops, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: orderRequest() })
    ).json();
    expectErrorShape(await ops('POST', `/orders/${orderId}/cancel`, { reason: '' }), 400, 'validation_failed');
    const noCountry = await ops('POST', `/orders/${orderId}/address`, { shipTo: { name: 'A', line1: 'B', city: 'C', postalCode: '1' } });
    expect(expectErrorShape(noCountry, 400, 'validation_failed').details?.map((d) => d.path)).toEqual(['body.shipTo.countryCode']);
    await h.client.workflow.getHandle(workflowId).terminate('test');
    const ended = await ops('POST', `/orders/${orderId}/cancel`, { reason: 'customer asked' });
    expect(expectErrorShape(ended, 409, 'order_state_conflict').message).toMatch(/ended/);
  });

  it('cancel and address change of an order whose ended journey Temporal no longer holds: 409, and the journey is not run again', async () => {
    const { orderId, workflowId } = (
      await h.as(KEYS.ops, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: orderRequest() })
    ).json();
    await vi.waitFor(async () => expect((await h.db.orderIntake.findUniqueOrThrow({ where: { orderId } })).startedAt).not.toBeNull(), {
      timeout: 30_000,
      interval: 100,
    });
    await h.client.workflow.getHandle(workflowId).terminate('test');
    // What the namespace's retention leaves of a closed workflow: its intake row, started, and nothing in Temporal. The
    // dev server takes ~30 s to carry out a DeleteWorkflowExecution, so the row is copied under an id Temporal never had.
    const intake = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId } });
    const purged = `${orderId}P`;
    await h.db.orderIntake.create({
      data: {
        ...intake,
        orderId: purged,
        workflowId: `order-${purged}`,
        idempotencyKey: `${intake.idempotencyKey}-purged`,
        input: { ...(intake.input as Record<string, unknown>), orderId: purged },
      },
    });
    const gone = () => describeWorkflow(h.client, `order-${purged}`);
    expect(await gone()).toBeUndefined();
    const cancel = await ops('POST', `/orders/${purged}/cancel`, { reason: 'customer asked' });
    expect(expectErrorShape(cancel, 409, 'order_state_conflict').message).toMatch(/ended .*retention/);
    const address = await ops('POST', `/orders/${purged}/address`, { shipTo: orderRequest().shipTo });
    expect(expectErrorShape(address, 409, 'order_state_conflict').message).toMatch(/ended .*retention/);
    expect(await gone()).toBeUndefined();
  });

  it('a cancel whose describe came just before the start is sent to the running journey, not refused as ended', async () => {
    // Sent right after the 202: the describe found nothing, the start then landed and was recorded before the intake row was
    // read, and the cancel was refused "the order's journey has ended (closed; its history is past retention)" (a 409 kept
    // under its Idempotency-Key, so the retry was refused too) while the order ran on.
    const { orderId, workflowId } = await startedOrder();
    const app = await appWhoseDescribeMissesTheStart(workflowId);
    const key = newKey('cancel-after-start');
    const cancel = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/cancel`,
      headers: { 'x-api-key': KEYS.ops.key, 'idempotency-key': key },
      payload: { reason: 'customer asked' },
    });
    await app.close();
    // No worker runs here: the update reaches the running workflow and waits for one until the call's deadline.
    expect(expectErrorShape(cancel, 503, 'unavailable').message).not.toMatch(/ended|retention/);
    expect(await h.db.opsAction.count({ where: { idempotencyKey: key } })).toBe(0);
    await h.client.workflow.getHandle(workflowId).terminate('test');
  });

  it('an order whose describe came just before its journey wrote its rows is not called deleted', async () => {
    const { orderId, workflowId } = await startedOrder();
    // What the journey's first step writes (no worker runs here): the order's rows, its stage not final.
    await insertOrder(h.db, { orderId, status: 'reserving', submittedBy: KEYS.ops.name });
    const app = await appWhoseDescribeMissesTheStart(workflowId);
    const read = await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers: { 'x-api-key': KEYS.ops.key } });
    await app.close();
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().workflowEnded).toBeUndefined();
    await h.client.workflow.getHandle(workflowId).terminate('test');
  });

  it('records every ops action against the calling key, and replays it for the same Idempotency-Key', async () => {
    const { orderId, workflowId } = (
      await h.as(KEYS.ops, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: orderRequest() })
    ).json();
    await h.client.workflow.getHandle(workflowId).terminate('test');
    const key = newKey('cancel');
    const cancel = (payload: Record<string, unknown>, who: ConfiguredApiKey = KEYS.ops, idempotencyKey = key) =>
      h.as(who, { method: 'POST', url: `/orders/${orderId}/cancel`, headers: { 'idempotency-key': idempotencyKey }, payload });
    const first = await cancel({ reason: 'customer asked' });
    expectErrorShape(first, 409, 'order_state_conflict');
    // The same request again: the stored answer, not a second attempt.
    const again = await cancel({ reason: 'customer asked' });
    expect(expectErrorShape(again, 409, 'order_state_conflict').message).toBe(first.json().error.message);
    // The same key for another request: refused as such.
    // The header is what the client must change: named like any refused field (old: no details).
    expect(expectErrorShape(await cancel({ reason: 'something else' }), 409, 'idempotency_conflict').details).toEqual([
      { path: 'headers.idempotency-key', message: expect.stringMatching(/^was already used for a different request \(cancel /) },
    ]);
    // Keys are per caller: another ops key may use the same string for its own request.
    expectErrorShape(await cancel({ reason: 'something else' }, KEYS.opsNight), 409, 'order_state_conflict');
    const recorded = await h.db.opsAction.findMany({ where: { targetId: orderId }, orderBy: { createdAt: 'asc' } });
    expect(recorded.map((r) => [r.actor, r.action, r.status])).toEqual([
      ['ops-desk', 'cancel', 409],
      ['ops-night', 'cancel', 409],
    ]);
  });

  it('refuses a body that names who resolved an escalation: the actor is the key', async () => {
    const orderId = await insertOrder(h.db);
    const escalationId = await insertEscalation(orderId);
    const response = await ops('POST', `/escalations/${escalationId}/resolve`, { decision: 'wait', resolvedBy: 'somebody-else' });
    expect(expectErrorShape(response, 400, 'validation_failed').details?.map((d) => d.path)).toEqual(['body.resolvedBy']);
    expect(response.json().error.details[0].message).toMatch(/is not a field of this request/);
  });

  it('answers 503 with Retry-After when no worker answers the update in time', async () => {
    const { orderId } = (
      await h.as(KEYS.ops, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: orderRequest() })
    ).json();
    const response = await ops('POST', `/orders/${orderId}/cancel`, { reason: 'customer asked' });
    expectErrorShape(response, 503, 'unavailable');
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('lists escalations with filters and the decisions each allows', async () => {
    const orderId = await insertOrder(h.db);
    const open = await insertEscalation(orderId, { severity: 'high' });
    const backorder = await insertEscalation(orderId, { reason: 'backorder_deadline' });
    await insertEscalation(orderId, { resolved: true });
    const list = async (query: string) => (await ops('GET', `/escalations?orderId=${orderId}&${query}`)).json().items;
    expect((await list('')).length).toBe(3);
    expect((await list('open=true')).map((e: { escalationId: string }) => e.escalationId).sort()).toEqual([open, backorder].sort());
    expect((await list('severity=high')).map((e: { escalationId: string }) => e.escalationId)).toEqual([open]);
    const [item] = await list('reason=backorder_deadline');
    expect(item.allowedDecisions).toEqual(['wait', 'ship_available', 'cancel']);
    expectErrorShape(await ops('GET', '/escalations?severity=apocalyptic'), 400, 'validation_failed');
  });

  it('resolve: 404 unknown, 409 already resolved, 400 for a decision the reason does not allow, 409 when the workflow is gone', async () => {
    const orderId = await insertOrder(h.db);
    expectErrorShape(await ops('POST', '/escalations/ESC-NONE/resolve', { decision: 'wait' }), 404, 'not_found');
    const resolved = await insertEscalation(orderId, { resolved: true });
    const again = await ops('POST', `/escalations/${resolved}/resolve`, { decision: 'cancel' });
    // The answer names the decision that won.
    expect(expectErrorShape(again, 409, 'escalation_resolved').details).toEqual(
      expect.arrayContaining([
        { path: 'escalation.decision', message: 'wait' },
        { path: 'escalation.resolvedBy', message: 'ops' },
      ]),
    );
    const backorder = await insertEscalation(orderId, { reason: 'backorder_deadline' });
    const wrong = await ops('POST', `/escalations/${backorder}/resolve`, { decision: 'reship' });
    expect(expectErrorShape(wrong, 400, 'validation_failed').details).toEqual([
      { path: 'body.decision', message: 'allowed: wait, ship_available, cancel' },
    ]);
    expectErrorShape(await ops('POST', `/escalations/${backorder}/resolve`, { decision: 'teleport' }), 400, 'validation_failed');
    expectErrorShape(await ops('POST', `/escalations/${backorder}/resolve`, { decision: 'wait' }), 409, 'order_state_conflict');
  });

  it("resolve goes to the shipment's workflow for a shipment escalation", async () => {
    const orderId = await insertOrder(h.db);
    const { shipmentId } = await insertShipment(h.db, orderId);
    await startIdleWorkflow(h.client, `shipment-${shipmentId}`);
    const escalationId = await insertEscalation(orderId, { shipmentId });
    // No worker runs the idle workflow: the update is delivered to it and times out unanswered.
    expectErrorShape(
      await ops('POST', `/escalations/${escalationId}/resolve`, { decision: 'reship', note: 'send again' }),
      503,
      'unavailable',
    );
  });
});

describe('inventory', () => {
  it('lists levels per warehouse and SKU', async () => {
    const response = await ops('GET', '/inventory?warehouseCode=PAR1');
    expect(response.statusCode).toBe(200);
    const items = response.json().items as { warehouseCode: string; onHand: number; reserved: number; available: number }[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item.warehouseCode).toBe('PAR1');
      expect(item.available).toBe(item.onHand - item.reserved);
    }
  });

  it('restocks once per reference and signals backordered orders waiting for the SKU', async () => {
    const skuCode = 'BOOK-COOK-XL';
    const waiting = await insertOrder(h.db, { status: 'backordered', skuCode });
    await startIdleWorkflow(h.client, `order-${waiting}`);
    const reference = uniqueId('ASN');
    const before = (await ops('GET', `/inventory?warehouseCode=PAR1&skuCode=${skuCode}`)).json().items[0]?.onHand ?? 0;
    const first = await ops('POST', '/inventory/restock', { warehouseCode: 'PAR1', skuCode, quantity: 5, reference });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ applied: true, onHand: before + 5, signalledOrders: [waiting] });
    const replay = await ops('POST', '/inventory/restock', { warehouseCode: 'PAR1', skuCode, quantity: 5, reference });
    expect(replay.json()).toMatchObject({ applied: false, onHand: before + 5 });
    expect(await signalsReceived(h.client, `order-${waiting}`, 'restocked')).toContainEqual({ warehouseCode: 'PAR1', skuCode });
  });

  it('refuses a restock that would take a stock level past what it can count, naming the quantity; nothing is received', async () => {
    const where = { warehouseCode_skuCode: { warehouseCode: 'MAD1', skuCode: 'MUG-CER-350' } };
    const full = { warehouseCode: 'MAD1', skuCode: 'MUG-CER-350', onHand: 2_147_000_000, reserved: 0 };
    await h.db.inventoryLevel.upsert({ where, create: full, update: { onHand: full.onHand } });
    const reference = newKey('PO');
    const refused = await ops('POST', '/inventory/restock', {
      warehouseCode: 'MAD1',
      skuCode: 'MUG-CER-350',
      quantity: 1_000_000,
      reference,
    });
    const { details } = expectErrorShape(refused, 400, 'validation_failed');
    expect(details?.map((d) => d.path)).toEqual(['body.quantity']);
    expect(details?.[0]?.message).toMatch(/2147483647/);
    expect((await h.db.inventoryLevel.findUniqueOrThrow({ where })).onHand).toBe(2_147_000_000);
    expect(await h.db.inventoryMovement.count({ where: { idempotencyKey: `restock:${reference}` } })).toBe(0);
    await h.db.inventoryLevel.delete({ where });
  });

  it('takes a reference once per receipt: its repeat changes nothing, the same reference for other goods is a 409 naming it', async () => {
    const reference = newKey('PO');
    const level = async (warehouseCode: string, skuCode: string) =>
      (await h.db.inventoryLevel.findUnique({ where: { warehouseCode_skuCode: { warehouseCode, skuCode } } }))?.onHand ?? 0;
    const first = await ops('POST', '/inventory/restock', { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity: 4, reference });
    expect(first.json()).toMatchObject({ applied: true });
    const before = {
      mugs: await level('PAR1', 'MUG-CER-350'),
      kettles: await level('PAR1', 'KETTLE-17L'),
      lyon: await level('LYS1', 'MUG-CER-350'),
    };
    const repeat = await ops('POST', '/inventory/restock', { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity: 4, reference });
    expect(repeat.json()).toMatchObject({ applied: false });
    for (const other of [
      { warehouseCode: 'PAR1', skuCode: 'KETTLE-17L', quantity: 4 },
      { warehouseCode: 'LYS1', skuCode: 'MUG-CER-350', quantity: 4 },
      { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity: 6 },
    ]) {
      const refused = await ops('POST', '/inventory/restock', { ...other, reference });
      expect(expectErrorShape(refused, 409, 'idempotency_conflict').details).toEqual([
        { path: 'body.reference', message: 'already received for PAR1 / MUG-CER-350 × 4' },
      ]);
    }
    expect({
      mugs: await level('PAR1', 'MUG-CER-350'),
      kettles: await level('PAR1', 'KETTLE-17L'),
      lyon: await level('LYS1', 'MUG-CER-350'),
    }).toEqual(before);
  });

  it('rejects unknown warehouses and SKUs and absurd quantities', async () => {
    const unknown = await ops('POST', '/inventory/restock', { warehouseCode: 'NOWHERE', skuCode: 'NO-SKU', quantity: 1, reference: 'r1' });
    expect(expectErrorShape(unknown, 400, 'unknown_sku').details?.map((d) => d.path)).toEqual(['body.warehouseCode', 'body.skuCode']);
    for (const quantity of [0, -1, 2.5, 10_000_000]) {
      expectErrorShape(
        await ops('POST', '/inventory/restock', { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity, reference: 'r2' }),
        400,
        'validation_failed',
      );
    }
  });
});
