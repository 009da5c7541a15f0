import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import type { OrderView } from '../../domain/journey';
import { HOUR_MS } from '../../domain/clock';
import { resolveEscalationUpdate } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import { labelDestination, until, untilEscalation, untilShipmentStage, untilWorkflowKnowsEscalation } from '../workflows/steps';
import { capturedLogs, expectErrorShape, KEYS, logLeaks, newKey, orderRequest } from './harness';

/**
 * The API over the whole journey: every worker on Temporal's time-skipping server with the carrier
 * simulator, driven by HTTP alone — place, watch, cancel.
 */
let journey: Journey;
let app: FastifyInstance;
const logs = capturedLogs();

beforeAll(async () => {
  journey = await startJourney();
  app = await buildApp({
    db: journey.database.db,
    temporalClient: journey.env.client,
    // Intake waits for the workflow start (the default answers after 25 ms, start or not), so the
    // order can be read live and cancelled right after the 202.
    config: loadApiConfig(
      {},
      { apiKeys: Object.values(KEYS), logLevel: 'trace', workflowCallTimeoutMs: 10_000, intakeStartWaitMs: 30_000 },
    ),
    logStream: logs.stream,
  });
});
afterAll(async () => {
  await app?.close();
  await journey?.teardown();
  expect(logLeaks(logs.lines)).toEqual([]);
});

const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method, url, headers: { 'x-api-key': KEYS.ops.key, ...headers }, ...(payload ? { payload } : {}) });

describe('the journey through the API', () => {
  it('an order placed over HTTP is promised, shown live by the workflow, delivered by the promise and read back from the database', async () => {
    const placed = await call('POST', '/orders', orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }), {
      'idempotency-key': newKey('e2e'),
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, workflowId, promise } = placed.json();
    expect(promise.confidence).toBeGreaterThanOrEqual(0.95);

    const live = await call('GET', `/orders/${orderId}`);
    expect(live.statusCode, live.body).toBe(200);
    expect(live.json()).toMatchObject({ orderId, source: 'workflow', customerId: 'CUST-1' });

    const outcome = (await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView;
    expect(outcome.stage).toBe('completed');

    const done = (await call('GET', `/orders/${orderId}`)).json();
    expect(done).toMatchObject({ orderId, stage: 'completed', source: 'database' });
    expect(done.shipments[0]).toMatchObject({ stage: 'delivered', trackingStatus: 'delivered' });
    // The plain journey keeps the promise it was given at intake, which the order still shows as given.
    const shipment = await journey.database.db.shipment.findFirstOrThrow({ where: { orderId } });
    expect(shipment.deliveredAt?.getTime()).toBeLessThanOrEqual(Date.parse(promise.deliverBy));
    expect(done.promise).toEqual(promise);
    expect(done.promisedBy).toBe(promise.deliverBy);

    const timeline = (await call('GET', `/orders/${orderId}/timeline`)).json();
    expect(timeline.entries.some((e: { kind: string; label: string }) => e.kind === 'tracking' && e.label === 'delivered')).toBe(true);
    expect(timeline.trackingNumbers).toHaveLength(1);

    const listed = (await call('GET', '/orders?status=completed')).json();
    expect(listed.items.map((o: { orderId: string }) => o.orderId)).toContain(orderId);
    const shipmentView = await call('GET', `/shipments/${done.shipments[0].shipmentId}`);
    expect(shipmentView.json()).toMatchObject({ orderId, stage: 'delivered' });

    // The label as the warehouse prints it, kept at purchase: PDF by default, ZPL for thermal printers.
    const shipmentId = done.shipments[0].shipmentId as string;
    const { trackingNumber } = (await journey.database.db.label.findFirstOrThrow({ where: { shipmentId } })) as { trackingNumber: string };
    const pdf = await call('GET', `/shipments/${shipmentId}/label`);
    expect(pdf.statusCode, pdf.body).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.headers['content-disposition']).toBe(`inline; filename="${trackingNumber}.pdf"`);
    const zpl = await call('GET', `/shipments/${shipmentId}/label?format=zpl`);
    expect(zpl.statusCode, zpl.body).toBe(200);
    expect(zpl.headers['content-type']).toBe('application/zpl');
    expect(zpl.body).toMatch(/^\^XA[\s\S]*\^XZ\s*$/);
    expect(zpl.body).toContain(trackingNumber);
    const png = await call('GET', `/shipments/${shipmentId}/label?format=png`);
    expect(png.statusCode).toBe(400);
    expect(png.json().error.details?.[0]?.path).toMatch(/format/);
    const none = await call('GET', `/shipments/${orderId}-S9/label`);
    expect(none.statusCode).toBe(404);
  });

  it('an order cancelled over HTTP while it runs ends cancelled, and a second cancel is a 409', async () => {
    const placed = await call('POST', '/orders', orderRequest(), { 'idempotency-key': newKey('e2e-cancel') });
    const { orderId, workflowId } = placed.json();
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, { reason: 'customer changed their mind' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ orderId, source: 'workflow' });
    const outcome = (await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView;
    expect(outcome.stage).toBe('cancelled');
    const again = await call('POST', `/orders/${orderId}/cancel`, { reason: 'twice' });
    expect(again.statusCode).toBe(409);
    // Once its workflow has closed the order is read from the database, which keeps why it ended (it said nothing).
    const read = await call('GET', `/orders/${orderId}`);
    expect(read.json()).toMatchObject({ source: 'database', stage: 'cancelled', cancelReason: 'customer changed their mind' });
  });

  it("a shop's own key cancels its order with the same compensation as ops (stock released), and never another shop's", async () => {
    const shop = (key: { key: string }, url: string, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url, headers: { 'x-api-key': key.key }, payload });
    const placed = await shop(KEYS.intake, '/orders', orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 3 }] }));
    expect(placed.statusCode, placed.body).toBe(400); // no Idempotency-Key
    const accepted = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('shop-cancel') },
      payload: orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 3 }] }),
    });
    const { orderId, workflowId } = accepted.json();
    const otherShop = await shop(KEYS.intakeB, `/orders/${orderId}/cancel`, { reason: 'not mine' });
    expect(otherShop.statusCode, otherShop.body).toBe(404);
    const otherAddress = await shop(KEYS.intakeB, `/orders/${orderId}/address`, {
      shipTo: { name: 'X', line1: '1 rue X', city: 'Paris', postalCode: '75001', countryCode: 'FR' },
    });
    expect(otherAddress.statusCode).toBe(404);
    const cancelled = await shop(KEYS.intake, `/orders/${orderId}/cancel`, { reason: 'the customer changed their mind' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('cancelled');
    const held = await journey.database.db.reservation.count({ where: { orderId, status: 'held' } });
    expect(held).toBe(0);
  });

  it("a shop's own key changes its order's address: the parcel is booked to the new one", async () => {
    const accepted = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('shop-address') },
      payload: orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }),
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { orderId, workflowId } = accepted.json();
    const moved = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/address`,
      headers: { 'x-api-key': KEYS.intake.key },
      payload: { shipTo: { name: 'Camille Durand', line1: '3 place Bellecour', city: 'Lyon', postalCode: '69002', countryCode: 'FR' } },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const outcome = (await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView;
    expect(outcome.stage).toBe('completed');
    const shipment = await journey.database.db.shipment.findFirstOrThrow({ where: { orderId } });
    expect(labelDestination(journey, shipment.trackingNumber ?? '')).toMatchObject({ line1: '3 place Bellecour', postalCode: '69002' });
    const labels = await journey.database.db.label.findMany({ where: { shipmentId: shipment.id } });
    // Changed before or after the first label: one label in use, any earlier one voided.
    expect(labels.filter((l) => l.status === 'purchased')).toHaveLength(1);
  });

  it("an address change to a country with no service at the order's level is a 400 naming the country; the order ships as it was", async () => {
    // Only standard and express services go to the US: an economy order moved there was booked on another level.
    const accepted = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('unserved-move') },
      payload: orderRequest({ serviceLevel: 'economy', lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }),
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { orderId, workflowId } = accepted.json();
    const toBoston = { name: 'Ada Park', line1: '1 Beacon St', city: 'Boston', region: 'MA', postalCode: '02108', countryCode: 'US' };
    const refused = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/address`,
      headers: { 'x-api-key': KEYS.intake.key },
      payload: { shipTo: toBoston },
    });
    expect(expectErrorShape(refused, 400, 'validation_failed').details).toEqual([
      { path: 'body.shipTo.countryCode', message: 'no economy service delivers to US: standard, express do' },
    ]);
    const outcome = (await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView;
    expect(outcome.stage).toBe('completed');
    const shipment = await journey.database.db.shipment.findFirstOrThrow({ where: { orderId } });
    expect(labelDestination(journey, shipment.trackingNumber ?? '')).toMatchObject({ countryCode: 'FR' });
  });

  it('an address change to the address the parcel is already labelled for voids nothing and buys no second label', async () => {
    const shipTo = { name: 'Camille Durand', line1: '12 rue des Lilas', city: 'Lyon', postalCode: '69003', countryCode: 'FR' };
    const accepted = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('same-address') },
      payload: orderRequest({ shipTo, lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }),
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { orderId, workflowId } = accepted.json();
    const shipmentId = `${orderId}-S1`;
    await untilShipmentStage(journey, shipmentId, ['label_created'], { stepMs: HOUR_MS });
    // The shop's form saved twice, the same address each time (spelt with other spaces once): nothing changes.
    for (const sent of [shipTo, { ...shipTo, line1: ' 12 rue des Lilas ' }]) {
      const same = await app.inject({
        method: 'POST',
        url: `/orders/${orderId}/address`,
        headers: { 'x-api-key': KEYS.intake.key },
        payload: { shipTo: sent },
      });
      expect(same.statusCode, same.body).toBe(200);
      expect(same.json()).toMatchObject({ orderId, shipTo });
    }
    const outcome = (await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView;
    expect(outcome.stage).toBe('completed');
    const labels = await journey.database.db.label.findMany({ where: { shipmentId } });
    expect(labels.map((l) => l.status)).toEqual(['purchased']);
  });

  it('the same new address sent twice at once under two keys (a form saved twice): both 200, one label bought again, not a 409', async () => {
    const accepted = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('twin-address') },
      payload: orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }),
    });
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { orderId, workflowId } = accepted.json();
    const shipmentId = `${orderId}-S1`;
    await untilShipmentStage(journey, shipmentId, ['label_created'], { stepMs: HOUR_MS });
    const moveTo = { name: 'Camille Durand', line1: '3 place Bellecour', city: 'Lyon', postalCode: '69002', countryCode: 'FR' };
    const move = () =>
      app.inject({
        method: 'POST',
        url: `/orders/${orderId}/address`,
        headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('twin-move') },
        payload: { shipTo: moveTo },
      });
    // Before: the twin taken while the first was changing was a 409 "is already changing: try again".
    const answers = await Promise.all([move(), move()]);
    for (const answer of answers) {
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json()).toMatchObject({ orderId, shipTo: { line1: moveTo.line1, postalCode: moveTo.postalCode } });
    }
    const outcome = (await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView;
    expect(outcome.stage).toBe('completed');
    const labels = await journey.database.db.label.findMany({ where: { shipmentId }, orderBy: { attempt: 'asc' } });
    expect(labels.map((l) => l.status)).toEqual(['voided', 'purchased']);
    expect(labelDestination(journey, labels[1]?.trackingNumber ?? '')).toMatchObject({ line1: moveTo.line1 });
  });

  it('an escalation whose row is open but its workflow does not hold it yet answers 503 with a short Retry-After, changing nothing', async () => {
    const placed = await call(
      'POST',
      '/orders',
      orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1_000 }], backorderPolicy: 'backorder' }),
      {
        'idempotency-key': newKey('e2e-escalation'),
      },
    );
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, workflowId } = placed.json();
    await until(
      journey,
      `${orderId} backordered`,
      async () => (await call('GET', `/orders/${orderId}`)).json(),
      (o) => o.stage === 'backordered',
      {
        stepMs: 60_000,
      },
    );
    // The row a workflow writes just before it learns the escalation's id, caught in that instant.
    const escalationId = `ESC-${orderId}-early`;
    await journey.database.db.escalation.create({
      data: {
        id: escalationId,
        orderId,
        reason: 'backorder_deadline',
        severity: 'medium',
        detail: 'deadline passed',
        dedupeKey: escalationId,
      },
    });
    const early = await call('POST', `/escalations/${escalationId}/resolve`, { decision: 'cancel', note: 'give up' });
    expect(early.statusCode, early.body).toBe(503);
    expect(early.headers['retry-after']).toBe('1');
    expect(early.json().error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('is not open on its workflow yet') });
    // The claim is released: the next answer is free to be the one applied.
    expect(await journey.database.db.escalationClaim.findUnique({ where: { escalationId } })).toBeNull();
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({ status: 'open' });
    expect((await call('GET', `/orders/${orderId}`)).json()).toMatchObject({ stage: 'backordered', escalations: [] });

    await call('POST', `/orders/${orderId}/cancel`, { reason: 'test over' });
    expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('cancelled');
  });

  it('an answer its workflow refuses as already resolved (answered in the Web UI, or closed by its journey) is the 409 escalation_resolved naming the decision', async () => {
    const placed = await call(
      'POST',
      '/orders',
      orderRequest({ lines: [{ sku: 'WATCH-STEEL-40', quantity: 3 }], backorderPolicy: 'backorder', backorderWaitHours: 24 }),
      { 'idempotency-key': newKey('e2e-settled') },
    );
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, workflowId } = placed.json();
    const escalation = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 6 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, escalation);
    // Answered on the workflow itself, as the Web UI's update does (no claim of the API's).
    await journey.env.client.workflow.getHandle(workflowId).executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, decision: 'wait', resolvedBy: 'web-ui-user' }],
      updateId: `web-ui-${escalation.id}`,
    });
    // The instant before the workflow's write of the row, which the API read as open (a refund decided on a parcel closes its
    // other escalations as `wait` the same way): the workflow refuses the answer as already resolved.
    const { db } = journey.database;
    await db.escalation.update({
      where: { id: escalation.id },
      data: { status: 'open', decision: null, resolvedBy: null, resolvedAt: null },
    });
    const late = await call('POST', `/escalations/${escalation.id}/resolve`, { decision: 'cancel' });
    expect(late.statusCode, late.body).toBe(409);
    expect(late.json().error).toMatchObject({
      code: 'escalation_resolved',
      message: expect.stringContaining('was already resolved: wait'),
      details: [{ path: 'escalation.decision', message: 'wait' }],
    });
    expect(await db.escalationClaim.findUnique({ where: { escalationId: escalation.id } })).toBeNull();

    await call('POST', `/orders/${orderId}/cancel`, { reason: 'test over' });
    await journey.env.client.workflow.getHandle(workflowId).result();
  });

  it('concurrent answers to one escalation: exactly one is applied, attributed to its key; the others get 409 naming it', async () => {
    const placed = await call(
      'POST',
      '/orders',
      orderRequest({ lines: [{ sku: 'WATCH-STEEL-40', quantity: 3 }], backorderPolicy: 'backorder', backorderWaitHours: 24 }),
      { 'idempotency-key': newKey('e2e-race') },
    );
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, workflowId } = placed.json();
    const escalation = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 6 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, escalation);

    const answer = (key: { key: string }, decision: string, idempotencyKey: string) =>
      app.inject({
        method: 'POST',
        url: `/escalations/${escalation.id}/resolve`,
        headers: { 'x-api-key': key.key, 'idempotency-key': idempotencyKey },
        payload: { decision, note: `${decision} please` },
      });
    const keys = [newKey('a'), newKey('b'), newKey('c'), newKey('d')];
    const answers = await Promise.all([
      answer(KEYS.ops, 'cancel', keys[0] ?? ''),
      answer(KEYS.opsNight, 'cancel', keys[1] ?? ''),
      answer(KEYS.ops, 'wait', keys[2] ?? ''),
      answer(KEYS.opsNight, 'ship_available', keys[3] ?? ''),
    ]);
    const won = answers.filter((a) => a.statusCode === 200);
    expect(won, answers.map((a) => `${a.statusCode} ${a.body}`).join('\n')).toHaveLength(1);
    const winner = won[0]?.json() as { decision: string };
    for (const lost of answers.filter((a) => a.statusCode !== 200)) {
      expect(lost.statusCode, lost.body).toBe(409);
      expect(lost.json().error).toMatchObject({
        code: 'escalation_resolved',
        details: expect.arrayContaining([{ path: 'escalation.decision', message: winner.decision }]),
      });
    }
    const winnerIndex = answers.findIndex((a) => a.statusCode === 200);
    const winnerKey = [KEYS.ops, KEYS.opsNight, KEYS.ops, KEYS.opsNight][winnerIndex] ?? KEYS.ops;
    const stored = await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalation.id } });
    expect(stored).toMatchObject({ status: 'resolved', decision: winner.decision, resolvedBy: winnerKey.name });

    // The winner's retry with its key replays its answer; the key for another decision is a conflict.
    const winnerDecision = ['cancel', 'cancel', 'wait', 'ship_available'][winnerIndex] ?? 'cancel';
    const replay = await answer(winnerKey, winnerDecision, keys[winnerIndex] ?? '');
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(won[0]?.json());
    expect((await answer(winnerKey, winnerDecision === 'wait' ? 'cancel' : 'wait', keys[winnerIndex] ?? '')).json().error.code).toBe(
      'idempotency_conflict',
    );
    const actions = await journey.database.db.opsAction.findMany({ where: { targetId: escalation.id } });
    expect(actions.map((a) => a.actor).sort()).toEqual(['ops-desk', 'ops-desk', 'ops-night', 'ops-night']);

    if (winnerDecision !== 'cancel') await call('POST', `/orders/${orderId}/cancel`, { reason: 'test over' });
    await journey.env.client.workflow.getHandle(workflowId).result();
  });
});
