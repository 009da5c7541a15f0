import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import { deriveOrderId, placeOrder } from '../../api/services/intake';
import { OrderStarter, startRetryDelayMs } from '../../api/services/order-starter';
import { OrderRequestSchema, type OrderWorkflowInput, OrderWorkflowInputSchema } from '../../domain/order';
import { freePort } from '../../scripts/lib/ports';
import { MAX_LINES_PER_ORDER } from '../../domain/order';
import { searchAttributes } from '../../workflows/definitions';
import { decodedPayload } from '../support/temporal';
import { insertOrder, insertShipment, uniqueId } from './fixtures';
import { createHarness, expectErrorShape, KEYS, newKey, orderRequest, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** `key: null` sends no Idempotency-Key header. */
const place = (body: unknown, key: string | null = newKey(), apiKey: (typeof KEYS)[keyof typeof KEYS] = KEYS.intake) =>
  h.as(apiKey, {
    method: 'POST',
    url: '/orders',
    headers: key === null ? {} : { 'idempotency-key': key },
    payload: body as Record<string, unknown>,
  });

/**
 * Runs listed by the visibility store, which Temporal updates after the start, not with it: a workflow
 * started a moment ago may not be listed yet. Counts once it is (gives up after ~10 s, returning 0).
 */
async function workflowsWithId(workflowId: string): Promise<number> {
  for (let reads = 0; ; reads++) {
    let count = 0;
    for await (const _ of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count++;
    if (count > 0 || reads >= 100) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('intake', () => {
  it('answers 202 at once with the order id, workflow id, status URL and Web UI link, and starts the workflow', async () => {
    const key = newKey();
    const response = await place(orderRequest(), key);
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body.orderId).toBe(deriveOrderId(KEYS.intake.name, key));
    expect(body).toMatchObject({
      workflowId: `order-${body.orderId}`,
      outcome: 'created',
      statusUrl: `/orders/${body.orderId}`,
      webUiUrl: `http://localhost:8233/namespaces/default/workflows/order-${body.orderId}`,
    });
    expect(response.headers.location).toBe(`/orders/${body.orderId}`);

    const description = await h.client.workflow.getHandle(body.workflowId).describe();
    expect(description.type).toBe('orderWorkflowV3');
    expect(description.taskQueue).toBe('colis-orders');
    expect(description.status.name).toBe('RUNNING');
    expect(description.memo).toMatchObject({ submittedBy: KEYS.intake.name });
    expect(description.typedSearchAttributes.get(searchAttributes.customerId)).toBe('CUST-1');
    expect(description.typedSearchAttributes.get(searchAttributes.orderStatus)).toBe('received');
    expect(description.typedSearchAttributes.get(searchAttributes.promisedBy)).toBeInstanceOf(Date);
  });

  it('hands the workflow the validated request with defaults, the intake promise and the scoped key', async () => {
    const key = newKey();
    const { workflowId } = (await place(orderRequest({ serviceLevel: 'express' }), key)).json();
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = (await decodedPayload(payload)) as OrderWorkflowInput;
    expect(input.idempotencyKey).toBe(`${KEYS.intake.name}:${key}`);
    expect(input.request).toMatchObject({ backorderPolicy: 'backorder', backorderWaitHours: 72, source: 'api', serviceLevel: 'express' });
    // The journey's deadline is the promise intake answered with, made for an express service.
    const promise = input.promise;
    if (!promise) throw new Error('the workflow input carries no promise');
    expect(input.promisedBy).toBe(promise.deliverBy);
    expect(Date.parse(input.promisedBy)).toBeGreaterThan(Date.parse(input.receivedAt));
    expect(promise.confidence).toBeGreaterThanOrEqual(0.95);
    expect(promise.shipments.every((s) => s.serviceCode.endsWith('_express'))).toBe(true);
    expect(input.timeScale).toBe(1);
    expect(input.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps a caller-given promise the network can meet', async () => {
    const promisedBy = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const { orderId } = (await place(orderRequest({ promisedBy }))).json();
    const view = (await h.as(KEYS.ops, { method: 'GET', url: `/orders/${orderId}` })).json();
    expect(view.promisedBy).toBe(promisedBy);
  });

  it('answers a repeat with the same key and body with 200 and the same order, starting no second workflow', async () => {
    const key = newKey();
    const first = await place(orderRequest(), key);
    const again = await place(orderRequest(), key);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ orderId: first.json().orderId, outcome: 'existing' });
    expect(await workflowsWithId(first.json().workflowId)).toBe(1);
  });

  it('treats a body that spells out the defaults, or orders its keys differently, as the same request', async () => {
    const key = newKey();
    expect((await place(orderRequest(), key)).statusCode).toBe(202);
    const explicit = { backorderPolicy: 'backorder', backorderWaitHours: 72, source: 'api', ...orderRequest() };
    expect((await place(explicit, key)).statusCode).toBe(200);
  });

  it('refuses the same key with a different body with 409', async () => {
    const key = newKey();
    await place(orderRequest(), key);
    const changed = await place(orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 3 }] }), key);
    const error = expectErrorShape(changed, 409, 'idempotency_conflict');
    expect(error.message).toContain(key);
    // The header is what the client must change: named like any refused field (old: no details).
    expect(error.details).toEqual([
      { path: 'headers.idempotency-key', message: expect.stringMatching(/^was already used for a different order request/) },
    ]);
  });

  it('starts exactly one workflow for concurrent duplicate submits', async () => {
    const key = newKey('concurrent');
    const responses = await Promise.all(Array.from({ length: 8 }, () => place(orderRequest(), key)));
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(new Set(responses.map((r) => r.json().orderId)).size).toBe(1);
    expect(await workflowsWithId(responses[0]!.json().workflowId)).toBe(1);
  });

  it('answers a repeat after the journey ended from the intake record (200 same body, 409 different)', async () => {
    const key = newKey();
    const { workflowId } = (await place(orderRequest(), key)).json();
    await h.client.workflow.getHandle(workflowId).terminate('test: journey over');
    expect((await place(orderRequest(), key)).statusCode).toBe(200);
    expectErrorShape(await place(orderRequest({ serviceLevel: 'express' }), key), 409, 'idempotency_conflict');
    expect(await workflowsWithId(workflowId)).toBe(1);
  });

  it('scopes keys per caller: two shops using the same key place two orders', async () => {
    const key = newKey('shared');
    const a = await place(orderRequest(), key, KEYS.intake);
    const b = await place(orderRequest(), key, KEYS.intakeB);
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(a.json().orderId).not.toBe(b.json().orderId);
  });

  it('shows a just-placed order (no worker yet) from the intake record, to its own shop only', async () => {
    const { orderId } = (await place(orderRequest())).json();
    const own = await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}` });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ orderId, stage: 'received', source: 'intake', customerId: 'CUST-1' });
    expectErrorShape(await h.as(KEYS.intakeB, { method: 'GET', url: `/orders/${orderId}` }), 404, 'not_found');
    expect((await h.as(KEYS.ops, { method: 'GET', url: `/orders/${orderId}` })).statusCode).toBe(200);
    const timeline = await h.as(KEYS.intake, { method: 'GET', url: `/orders/${orderId}/timeline` });
    expect(timeline.json()).toMatchObject({ orderId, stage: 'received', entries: [{ kind: 'stage', label: 'received' }] });
  });

  it('answers 404 for an order nobody knows', async () => {
    expectErrorShape(await h.as(KEYS.ops, { method: 'GET', url: '/orders/ORD-NOPE' }), 404, 'not_found');
  });
});

describe('intake when the workflow cannot start at once', () => {
  const silent = pino({ level: 'silent' });

  // Here each test plays every API process itself. The harness API's own sweep would start any row
  // left unstarted for 5 s, and on a loaded machine a test takes that long: it would start orders a
  // test needs unstarted, at a moment no test chooses.
  beforeAll(async () => h.app.orderStarter.close());

  /**
   * Orders committed by a process that never starts them (an API killed right after its commit, or
   * one with a backlog): intake rows and no workflow. Returns them in order, with their start inputs.
   */
  async function acceptUnstarted(count: number, { apiKeyName = KEYS.intake.name as string, request = orderRequest() } = {}) {
    const parked = new OrderStarter({ db: h.db, client: h.client, log: silent, concurrency: 0 });
    const accepted = [];
    for (let i = 0; i < count; i++) {
      const body = OrderRequestSchema.parse(request);
      accepted.push(
        await placeOrder({
          db: h.db,
          starter: parked,
          promises: h.app.promises,
          request: body,
          apiKeyName,
          idempotencyKey: newKey('unstarted'),
          timeScale: 1,
          startWaitMs: 20,
        }),
      );
    }
    await parked.close();
    const rows = await h.db.orderIntake.findMany({
      where: { orderId: { in: accepted.map((a) => a.orderId) } },
      orderBy: { receivedAt: 'asc' },
    });
    const starts = rows.map((row) => ({ input: OrderWorkflowInputSchema.parse(row.input), submittedBy: row.submittedBy }));
    return { accepted, starts };
  }

  it('keeps an order committed by a process that died before starting it, and a sweep starts it exactly once', async () => {
    const {
      accepted: [accepted],
    } = await acceptUnstarted(1);
    if (!accepted) throw new Error('nothing accepted');
    expect(accepted).toMatchObject({ outcome: 'created', workflowStarted: false });
    await expect(h.client.workflow.getHandle(accepted.workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    // Its shop can already read it, from the intake record.
    const view = await h.as(KEYS.intake, { method: 'GET', url: `/orders/${accepted.orderId}` });
    expect(view.json()).toMatchObject({ orderId: accepted.orderId, stage: 'received', source: 'intake' });
    const survivor = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    expect(await survivor.sweep()).toBeGreaterThanOrEqual(1);
    await survivor.close();
    const description = await h.client.workflow.getHandle(accepted.workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    const row = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: accepted.orderId } });
    expect(row.startedAt).toBeInstanceOf(Date);

    // A second sweep (another API process) finds nothing to do, and a start of the same order is refused as a twin.
    const other = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    expect(await other.start(OrderWorkflowInputSchema.parse(row.input), KEYS.intake.name)).toEqual({ started: true });
    await other.close();
    expect(await workflowsWithId(accepted.workflowId)).toBe(1);
  });

  it('an ops action on an accepted order whose journey has not started starts it first, never answering 404', async () => {
    const {
      accepted: [accepted],
    } = await acceptUnstarted(1);
    if (!accepted) throw new Error('nothing accepted');
    // This block's API has its starter closed: an API process whose starter runs takes the action.
    const api = await h.rebuild({});
    // No worker runs here: the journey starts, the update waits for a worker and the answer is a 503 to retry.
    const cancel = await api.inject({
      method: 'POST',
      url: `/orders/${accepted.orderId}/cancel`,
      headers: { 'x-api-key': KEYS.ops.key },
      payload: { reason: 'customer asked' },
    });
    // Its own starter sweeps every few seconds: closed at once, so it starts no other test's rows.
    await api.close();
    expectErrorShape(cancel, 503, 'unavailable');
    expect((await h.client.workflow.getHandle(accepted.workflowId).describe()).status.name).toBe('RUNNING');
    expect(await workflowsWithId(accepted.workflowId)).toBe(1);
    const survivor = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    expect(await survivor.sweep()).toBe(0);
    await survivor.close();
    expect((await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: accepted.orderId } })).startedAt).toBeInstanceOf(Date);
  });

  it('lists an accepted order before its journey begins, as received, to its own shop, merged newest first with recorded ones', async () => {
    const customerId = uniqueId('CUST-LIST');
    const older = await insertOrder(h.db, { customerId, createdAt: new Date(Date.now() - 60_000), submittedBy: KEYS.intake.name });
    const request = orderRequest({ customer: { id: customerId, name: 'Léa Martin' } });
    const [first, second] = (await acceptUnstarted(2, { request })).accepted;
    const [otherShop] = (await acceptUnstarted(1, { request, apiKeyName: KEYS.intakeB.name })).accepted;
    if (!first || !second || !otherShop) throw new Error('nothing accepted');
    const ids = (items: { orderId: string }[]) => items.map((o) => o.orderId);

    const all = (await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}` })).json();
    expect(ids(all.items)).toEqual([otherShop.orderId, second.orderId, first.orderId, older]);
    expect(all.items[0]).toMatchObject({
      status: 'received',
      customerId,
      workflowId: otherShop.workflowId,
      shipmentCount: 0,
      openEscalations: 0,
    });

    // One page at a time, across both sources.
    const pageOne = (await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}&limit=3` })).json();
    const pageTwo = (
      await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}&limit=3&cursor=${pageOne.nextCursor}` })
    ).json();
    expect([...ids(pageOne.items), ...ids(pageTwo.items)]).toEqual(ids(all.items));
    expect(pageTwo.nextCursor).toBeUndefined();

    const own = (await h.as(KEYS.intake, { method: 'GET', url: `/orders?customerId=${customerId}` })).json();
    expect(ids(own.items)).toEqual([second.orderId, first.orderId, older]);
    const received = (await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}&status=received` })).json();
    expect(ids(received.items)).toEqual([otherShop.orderId, second.orderId, first.orderId]);
    expect((await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}&status=fulfilling` })).json().items).toEqual([
      expect.objectContaining({ orderId: older }),
    ]);
    expect((await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}&escalated=true` })).json().items).toEqual([]);

    // A recorded order's counts are its own: two shipments, one of its two escalations still open.
    const { shipmentId } = await insertShipment(h.db, older, { seq: 1 });
    await insertShipment(h.db, older, { seq: 2 });
    await h.db.escalation.createMany({
      data: ['open', 'resolved'].map((status, i) => ({
        id: `${shipmentId}:stuck:${i}`,
        orderId: older,
        shipmentId,
        reason: 'stuck' as const,
        severity: 'medium' as const,
        status: status as 'open' | 'resolved',
        detail: 'no scan',
        dedupeKey: `${shipmentId}:stuck:${i}`,
      })),
    });
    expect((await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}&escalated=true` })).json().items).toEqual([
      expect.objectContaining({ orderId: older, shipmentCount: 2, openEscalations: 1 }),
    ]);

    // Once started, each is listed once, from wherever it is by then.
    const survivor = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    await survivor.sweep();
    await survivor.close();
    const after = (await h.as(KEYS.ops, { method: 'GET', url: `/orders?customerId=${customerId}` })).json();
    expect(new Set(ids(after.items))).toEqual(new Set(ids(all.items)));
    expect(after.items).toHaveLength(4);
  });

  it('meters starts at maxStartsPerSecond: a backlog waits in the table and is started in order, each once', async () => {
    const { accepted, starts } = await acceptUnstarted(3);
    const metered = new OrderStarter({ db: h.db, client: h.client, log: silent, maxStartsPerSecond: 10 });
    const began = Date.now();
    const outcomes = await Promise.all(starts.map(({ input, submittedBy }) => metered.start(input, submittedBy)));
    // Three starts 100 ms apart take at least 200 ms (a lower bound: a slow machine only adds to it).
    expect(Date.now() - began).toBeGreaterThanOrEqual(195);
    expect(outcomes).toEqual([{ started: true }, { started: true }, { started: true }]);
    await metered.close();
    for (const { orderId, workflowId } of accepted) {
      expect(await workflowsWithId(workflowId)).toBe(1);
      expect((await h.db.orderIntake.findUniqueOrThrow({ where: { orderId } })).startedAt).toBeInstanceOf(Date);
    }
  });

  /** A process's view of the database whose `orderIntake.updateMany` takes 150 ms more, watched: writers at once, rows written. */
  function slowWatchedWrites() {
    const watched = { writing: 0, mostAtOnce: 0, rowsWritten: 0 };
    const intake = new Proxy(h.db.orderIntake, {
      get: (target, property) =>
        property === 'updateMany'
          ? async (args: Parameters<typeof target.updateMany>[0]) => {
              watched.writing += 1;
              watched.mostAtOnce = Math.max(watched.mostAtOnce, watched.writing);
              try {
                await new Promise((resolve) => setTimeout(resolve, 150));
                const written = await target.updateMany(args);
                watched.rowsWritten += written.count;
                return written;
              } finally {
                watched.writing -= 1;
              }
            }
          : Reflect.get(target, property, target),
    });
    const db = new Proxy(h.db, {
      get: (target, property) => (property === 'orderIntake' ? intake : Reflect.get(target, property, target)),
    });
    return { db, watched };
  }

  it('records every start of a burst once, with one writer at a time, though another process starts the same orders', async () => {
    const { accepted, starts } = await acceptUnstarted(60);
    // Every startedAt write takes 150 ms here, so starts keep finishing while one is in flight: two
    // writers at once on overlapping batches is what deadlocked PostgreSQL under a real burst.
    const here = slowWatchedWrites();
    const starter = new OrderStarter({ db: here.db, client: h.client, log: silent, concurrency: 4 });
    // Another API process starts the same orders meanwhile, as its sweep does once a row is older than
    // its sweepAfterMs (a burst on a loaded machine takes longer than that). Temporal rejects each
    // second start as a twin, and its starter reports that as started too: both processes record it.
    const elsewhere = slowWatchedWrites();
    const other = new OrderStarter({ db: elsewhere.db, client: h.client, log: silent, concurrency: 4 });
    const outcomes = await Promise.all(
      starts.flatMap(({ input, submittedBy }) => [starter.start(input, submittedBy), other.start(input, submittedBy)]),
    );
    expect(outcomes.every((o) => o.started)).toBe(true);
    await Promise.all([starter.close(), other.close()]);
    expect(here.watched.mostAtOnce).toBe(1);
    expect(elsewhere.watched.mostAtOnce).toBe(1);
    // Each row written once, by whichever process recorded it first: the twin's record changes nothing.
    expect(here.watched.rowsWritten + elsewhere.watched.rowsWritten).toBe(accepted.length);
    const recorded = await h.db.orderIntake.findMany({ where: { orderId: { in: accepted.map((a) => a.orderId) } } });
    expect(recorded.map((r) => [r.startedAt instanceof Date, r.startAttempts])).toEqual(recorded.map(() => [true, 1]));
  });

  it('skips its sweep while starts are already queued behind its limit, and leaves the rows to a later one', async () => {
    const { accepted, starts } = await acceptUnstarted(3);
    // One start every 100 s: the first goes at once, the other two wait in the queue.
    const slow = new OrderStarter({ db: h.db, client: h.client, log: silent, concurrency: 1, maxStartsPerSecond: 0.01, sweepAfterMs: 0 });
    const outcomes = starts.map(({ input, submittedBy }) => slow.start(input, submittedBy));
    expect(await slow.sweep()).toBe(0);
    await slow.close();
    expect((await Promise.all(outcomes)).map((o) => o.started)).toEqual([true, false, false]);

    // A later sweep (here, or the API's own) starts the two left behind, each once.
    const later = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    await later.sweep();
    await later.close();
    for (const { workflowId } of accepted) expect(await workflowsWithId(workflowId)).toBe(1);
  });

  it('answers 202 within its wait while Temporal is unreachable, and the order stays readable', async () => {
    // A Temporal address nothing listens on: every start fails until a sweep of a healthy process takes over.
    const unreachable = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const app = await buildApp({
      db: h.db,
      temporalClient: unreachable,
      config: loadApiConfig({}, { apiKeys: Object.values(KEYS), intakeStartWaitMs: 100, logLevel: 'silent' }),
    });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('outage') },
        payload: orderRequest(),
      });
      // Accepted although Temporal never answered: the order is committed, its workflow not started.
      expect(response.statusCode).toBe(202);
      const body = response.json();
      expect(body).toMatchObject({ outcome: 'created', workflowStarted: false });
      const row = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: body.orderId } });
      expect(row.startedAt).toBeNull();
      const view = await h.as(KEYS.intake, { method: 'GET', url: `/orders/${body.orderId}` });
      expect(view.json()).toMatchObject({ orderId: body.orderId, stage: 'received' });
      // The healthy API's own sweep would start it after a few seconds; one sweep now does the same.
      const healthy = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
      await healthy.sweep();
      await healthy.close();
      expect(await workflowsWithId(body.workflowId)).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('backs off an order whose start failed: sweeps leave it alone until its retry time, then start it once', async () => {
    const {
      accepted: [accepted],
    } = await acceptUnstarted(1);
    if (!accepted) throw new Error('nothing accepted');
    // Five failures already: the sixth puts the retry at least 24 s away (30 s cap, less up to a fifth).
    await h.db.orderIntake.update({ where: { orderId: accepted.orderId }, data: { startAttempts: 5 } });
    const row = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: accepted.orderId } });

    const unreachable = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const failing = new OrderStarter({ db: h.db, client: unreachable, log: silent, startTimeoutMs: 300 });
    const before = Date.now();
    expect(await failing.start(OrderWorkflowInputSchema.parse(row.input), row.submittedBy)).toMatchObject({ started: false });
    await failing.close();
    const failed = await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: accepted.orderId } });
    expect(failed).toMatchObject({ startAttempts: 6, startedAt: null, lastStartError: expect.any(String) });
    expect(failed.nextStartAt?.getTime()).toBeGreaterThanOrEqual(before + 24_000);

    // A healthy process sweeping now leaves it alone…
    const healthy = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    await healthy.sweep();
    await healthy.close();
    await expect(h.client.workflow.getHandle(accepted.workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // …and starts it once its retry time has come.
    await h.db.orderIntake.update({ where: { orderId: accepted.orderId }, data: { nextStartAt: new Date(Date.now() - 1) } });
    const later = new OrderStarter({ db: h.db, client: h.client, log: silent, sweepAfterMs: 0 });
    await later.sweep();
    await later.close();
    expect((await h.client.workflow.getHandle(accepted.workflowId).describe()).status.name).toBe('RUNNING');
    expect(await h.db.orderIntake.findUniqueOrThrow({ where: { orderId: accepted.orderId } })).toMatchObject({
      startAttempts: 7,
      nextStartAt: null,
      lastStartError: null,
    });
  });
});

describe('start retry delay', () => {
  it('doubles from 2 s to the cap, less at most a fifth of jitter', () => {
    for (let i = 0; i < 50; i++) {
      const first = startRetryDelayMs(1, 30_000);
      expect(first).toBeGreaterThanOrEqual(1_600);
      expect(first).toBeLessThanOrEqual(2_000);
      const third = startRetryDelayMs(3, 30_000);
      expect(third).toBeGreaterThanOrEqual(6_400);
      expect(third).toBeLessThanOrEqual(8_000);
      const late = startRetryDelayMs(500, 30_000);
      expect(late).toBeGreaterThanOrEqual(24_000);
      expect(late).toBeLessThanOrEqual(30_000);
    }
  });
});

describe('intake validation', () => {
  const detailsOf = async (body: unknown, status = 400, code = 'validation_failed') => {
    const response = await place(body);
    return expectErrorShape(response, status, code).details ?? [];
  };
  const paths = (details: { path: string }[]) => details.map((d) => d.path);

  it('requires an Idempotency-Key header', async () => {
    const error = expectErrorShape(await place(orderRequest(), null), 400, 'validation_failed');
    expect(paths(error.details ?? [])).toEqual(['headers.idempotency-key']);
    expectErrorShape(await place(orderRequest(), 'short'), 400, 'validation_failed');
    expectErrorShape(await place(orderRequest(), 'has spaces in it'), 400, 'validation_failed');
  });

  it('rejects wrong types and missing fields with each field path', async () => {
    const details = await detailsOf({ customer: { id: 42, name: '' }, lines: 'MUG' });
    expect(paths(details)).toEqual(expect.arrayContaining(['body.customer.id', 'body.customer.name', 'body.shipTo', 'body.lines']));
  });

  it('rejects zero, negative, fractional and huge quantities', async () => {
    const lines = [
      { sku: 'MUG-CER-350', quantity: 0 },
      { sku: 'TEA-GREEN-100G', quantity: -2 },
      { sku: 'BOOK-HB-NOVEL', quantity: 1.5 },
      { sku: 'BOOK-PB-POCKET', quantity: 1_000_000 },
      { sku: 'GIFT-CARD-50', quantity: '3' },
    ];
    expect(paths(await detailsOf(orderRequest({ lines } as never)))).toEqual([
      'body.lines.0.quantity',
      'body.lines.1.quantity',
      'body.lines.2.quantity',
      'body.lines.3.quantity',
      'body.lines.4.quantity',
    ]);
  });

  it('rejects unknown SKUs, listing each', async () => {
    const lines = [
      { sku: 'MUG-CER-350', quantity: 1 },
      { sku: 'NO-SUCH-SKU', quantity: 1 },
      { sku: 'ALSO-MISSING', quantity: 2 },
    ];
    const details = await detailsOf(orderRequest({ lines }), 400, 'unknown_sku');
    expect(details).toEqual([
      { path: 'body.lines.1.sku', message: 'SKU NO-SUCH-SKU does not exist' },
      { path: 'body.lines.2.sku', message: 'SKU ALSO-MISSING does not exist' },
    ]);
  });

  it('rejects malformed SKU codes and the same SKU on two lines', async () => {
    expect(paths(await detailsOf(orderRequest({ lines: [{ sku: 'mug cer', quantity: 1 }] })))).toEqual(['body.lines.0.sku']);
    const twice = [
      { sku: 'MUG-CER-350', quantity: 1 },
      { sku: 'MUG-CER-350', quantity: 1 },
    ];
    expect(paths(await detailsOf(orderRequest({ lines: twice })))).toEqual(['body.lines.1.sku']);
  });

  it('rejects an order with no lines or with more lines than allowed', async () => {
    expect(paths(await detailsOf(orderRequest({ lines: [] })))).toEqual(['body.lines']);
    const many = Array.from({ length: MAX_LINES_PER_ORDER + 1 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    expect(paths(await detailsOf(orderRequest({ lines: many })))).toEqual(['body.lines']);
  });

  it('rejects an address without a country or with a made-up one, and a bad email', async () => {
    const { countryCode: _dropped, ...noCountry } = orderRequest().shipTo as Record<string, unknown>;
    expect(paths(await detailsOf({ ...orderRequest(), shipTo: noCountry }))).toEqual(['body.shipTo.countryCode']);
    const lower = { ...(orderRequest().shipTo as object), countryCode: 'france' };
    expect(paths(await detailsOf({ ...orderRequest(), shipTo: lower }))).toEqual(['body.shipTo.countryCode']);
    const customer = { id: 'C1', name: 'X', email: 'not-an-email' };
    expect(paths(await detailsOf({ ...orderRequest(), customer }))).toEqual(['body.customer.email']);
  });

  it('rejects absurd promises, service levels and backorder waits', async () => {
    const details = await detailsOf({
      ...orderRequest(),
      promisedBy: 'tomorrow',
      serviceLevel: 'teleport',
      backorderWaitHours: 10_000_000,
    });
    expect(paths(details)).toEqual(expect.arrayContaining(['body.promisedBy', 'body.serviceLevel', 'body.backorderWaitHours']));
  });

  it('names a promise on a day the calendar lacks once, as malformed, not also as in the past or too far ahead', async () => {
    const nextYear = new Date().getUTCFullYear() + 1;
    // Date.parse reads the 30th of February as the 2nd of March: last year's is past, one a year and more ahead is too far.
    for (const promisedBy of [`${nextYear - 2}-02-30T10:00:00Z`, `${nextYear + 1}-02-30T10:00:00Z`, `${nextYear}-04-31T10:00:00+02:00`]) {
      const details = await detailsOf({ ...orderRequest(), promisedBy });
      expect(details, promisedBy).toEqual([
        { path: 'body.promisedBy', message: expect.stringMatching(/^expected an ISO 8601 date and time/) },
      ]);
    }
  });

  it('answers 400 invalid_json for a body that is not JSON, 415 for another media type, 413 for a huge body', async () => {
    const bad = await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey(), 'content-type': 'application/json' },
      payload: '{"customer": ',
    });
    expectErrorShape(bad, 400, 'invalid_json');
    const text = await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey(), 'content-type': 'text/plain' },
      payload: 'one mug please',
    });
    // Named like every other 4xx: the header at fault and what to send; the body and the limit it passed.
    expect(expectErrorShape(text, 415, 'unsupported_media_type').details).toEqual([
      { path: 'headers.content-type', message: "the body's Content-Type text/plain is not accepted: send application/json" },
    ]);
    const untyped = await h.as(KEYS.intake, { method: 'POST', url: '/orders', headers: { 'idempotency-key': newKey() }, payload: '{}' });
    expect(expectErrorShape(untyped, 415, 'unsupported_media_type').message).toBe(
      'the body has no Content-Type: send it as application/json',
    );
    const huge = await place({ ...orderRequest(), source: 'x'.repeat(h.config.bodyLimitBytes + 10) });
    expect(expectErrorShape(huge, 413, 'payload_too_large').details).toEqual([
      { path: 'body', message: `the body is larger than this endpoint reads (${h.config.bodyLimitBytes} bytes)` },
    ]);
  });

  it('never answers a 5xx or leaks a stack for malformed input', async () => {
    const junk: unknown[] = [
      null,
      [],
      'string',
      42,
      true,
      {},
      { customer: null, shipTo: null, lines: null },
      { ...orderRequest(), lines: [null] },
      { ...orderRequest(), lines: [{}] },
      { ...orderRequest(), lines: [{ sku: 'MUG-CER-350', quantity: Number.MAX_SAFE_INTEGER }] },
      { ...orderRequest(), customer: { id: 'x'.repeat(5000), name: 'y' } },
      { ...orderRequest(), shipTo: { ...(orderRequest().shipTo as object), name: '\u0000' } },
      { ...orderRequest(), promisedBy: '2026-13-45T99:99:99Z' },
      { ...orderRequest(), lines: Array.from({ length: 3 }, () => ({ sku: '🚚', quantity: 1 })) },
    ];
    const raw = ['', '{', '[1,2', '{"a":1}}', 'null', '"\\u0000"', '{"__proto__":{"x":1}}', '\u0000\u0001'];
    const responses = [
      ...(await Promise.all(junk.map((body) => place(body)))),
      ...(await Promise.all(
        raw.map((payload) =>
          h.as(KEYS.intake, {
            method: 'POST',
            url: '/orders',
            headers: { 'idempotency-key': newKey(), 'content-type': 'application/json' },
            payload,
          }),
        ),
      )),
    ];
    for (const response of responses) {
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, response.body).toBeLessThan(500);
      expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
      expectErrorShape(response, response.statusCode);
    }
  });

  it('ignores prototype-pollution attempts', async () => {
    const attempts = [
      '{"__proto__":{"polluted":true},"customer":{"id":"C1","name":"A"}}',
      JSON.stringify({ ...orderRequest(), constructor: { prototype: { polluted: true } } }),
    ];
    for (const payload of attempts) {
      const response = await h.as(KEYS.intake, {
        method: 'POST',
        url: '/orders',
        headers: { 'idempotency-key': newKey(), 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
