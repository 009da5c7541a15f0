import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { HOUR_MS } from '../../domain/clock';
import { capturedLogs, KEYS, logLeaks, newKey, orderRequest, journeyApi } from '../api/harness';
import { launchChromium, screenshotPath, type RunningBrowser } from '../support/chromium';
import { startJourney, type Journey } from '../support/journey';
import {
  firstShipmentId,
  orderIdOf,
  recipient,
  simulator,
  stopLeftAloneShipmentAfterTest,
  untilEscalation,
  untilShipmentStage,
  untilWorkflowKnowsEscalation,
  type OrderHandle,
} from '../workflows/steps';

/**
 * The pages in a real headless Chromium against the real app, over the whole journey on the
 * time-skipping server: the chart loads, a click on a decision resolves an escalation and the
 * order moves on, the order page and the customer's tracking page show the journey.
 * Screenshots land in test-results/screenshots/.
 */
let journey: Journey;
let app: FastifyInstance;
let browser: RunningBrowser;
let page: Page;
let base = '';
let delivered: OrderHandle;
let stalled: OrderHandle;
let escalationId = '';
let abandoned: OrderHandle;
let abandonedEscalationId = '';

beforeAll(async () => {
  browser = await launchChromium();
  journey = await startJourney();
  app = await journeyApi(journey, { workflowCallTimeoutMs: 10_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  page = await browser.context.newPage();

  delivered = await journey.placeOrder({ shipTo: recipient('Camille Martin') });
  expect((await delivered.result()).stage).toBe('completed');
  // In English: the customer page's English words are read below (a French order's page is French: tracking-language.test.ts).
  stalled = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:stall]'), locale: 'en' });
  abandoned = await journey.placeOrder({ shipTo: recipient('Grace Hopper [scenario:stall]') });
  const opened = await untilEscalation(journey, { orderId: orderIdOf(stalled), reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
  const other = await untilEscalation(journey, { orderId: orderIdOf(abandoned), reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
  // The row lands before the shipment knows the escalation: the page's decision buttons must find it answerable.
  await untilWorkflowKnowsEscalation(journey, opened);
  await untilWorkflowKnowsEscalation(journey, other);
  escalationId = opened.id;
  abandonedEscalationId = other.id;
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await journey?.teardown();
});

async function enterOpsKey() {
  await page.fill('#ops-key', KEYS.ops.key);
  await page.click('#key-panel button[type=submit]');
}

describe('ops pages in Chromium', () => {
  it('the process page asks for the key, then draws the chart with a box per stage', async () => {
    await page.goto(`${base}/ops`);
    await page.waitForSelector('#status.error');
    expect(await page.textContent('#status')).toMatch(/ops key/i);
    expect(await page.content()).not.toContain(KEYS.ops.key);
    await enterOpsKey();
    await page.waitForSelector('#chart[data-loaded] svg g.stage');
    const stages = await page.$$eval('#chart g.stage', (nodes) => nodes.map((n) => n.getAttribute('data-stage')));
    expect(stages).toEqual(
      expect.arrayContaining([
        'intake',
        'reserving',
        'picking',
        'packing',
        'rating',
        'booking',
        'label_created',
        'in_transit',
        'delivered',
      ]),
    );
    // The stalled parcel is in the carrier's hands now.
    const inCarrierNow = await page.$$eval('#chart g.stage', (nodes) =>
      nodes
        .filter((n) => ['label_created', 'in_transit', 'out_for_delivery'].includes(n.getAttribute('data-stage') ?? ''))
        .reduce((sum, n) => sum + Number(n.querySelector('text:nth-of-type(2)')?.textContent ?? 0), 0),
    );
    expect(inCarrierNow).toBeGreaterThanOrEqual(1);
    // Under the lanes, promise keeping: the four headline tiles and the four breakdowns.
    const panels = await page.$$eval('#chart g.panel', (nodes) => nodes.map((n) => n.getAttribute('data-panel')));
    expect(panels).toEqual(['on-time', 'tightness', 'cost', 'late', 'by-carrier', 'by-service', 'by-warehouse', 'by-lane']);
    expect(await page.textContent('#chart g.panel[data-panel="cost"]')).toMatch(/hindsight: not known/);
    await page.selectOption('#window', 'week');
    await page.waitForSelector('#chart[data-loaded] svg');
    await page.screenshot({ path: screenshotPath('ops-process'), fullPage: true });
  });

  it('a key pasted with an invisible or a non-ASCII character is refused by the page, naming it, and not kept', async () => {
    const fresh = await browser.context.newPage();
    await fresh.goto(`${base}/ops/escalations`);
    for (const [typed, named] of [
      [`${KEYS.ops.key}\u200B`, 'U+200B'],
      [`${KEYS.ops.key.slice(0, 4)}\u00A0${KEYS.ops.key.slice(4)}`, 'U+00A0'],
    ] as const) {
      await fresh.fill('#ops-key', typed);
      await fresh.click('#key-panel button[type=submit]');
      await fresh.waitForSelector(`#status.error:has-text("${named}")`, { timeout: 5_000 });
      expect(await fresh.textContent('#status')).toMatch(/not an ops key: keys are printable ASCII without spaces/);
      // Evaluated in the page (this file compiles without the DOM's types).
      expect(await fresh.evaluate("sessionStorage.getItem('colis-ops-key')")).toBeNull();
    }
    await fresh.fill('#ops-key', KEYS.ops.key);
    await fresh.click('#key-panel button[type=submit]');
    await fresh.waitForSelector('#escalations[data-loaded]');
    await fresh.close();
  });

  it('a click on a decision resolves the escalation, and the order moves on to completion', async () => {
    await page.goto(`${base}/ops/escalations`);
    await page.waitForSelector('#escalations[data-loaded]');
    const row = `tr[data-escalation="${escalationId}"]`;
    await page.waitForSelector(row);
    const decisions = await page.$$eval(`${row} button.decision`, (buttons) => buttons.map((b) => b.getAttribute('data-decision')));
    expect(decisions).toEqual(expect.arrayContaining(['wait', 'reship']));
    await page.screenshot({ path: screenshotPath('ops-escalations-open'), fullPage: true });

    // A destructive decision asks first; keeping it sends nothing.
    await page.click(`${row} button[data-decision="cancel"]`);
    await page.waitForSelector(`${row} [data-confirm="cancel"]`);
    expect(await page.textContent(`${row} [data-confirm="cancel"]`)).toMatch(/cannot be undone/);
    await page.click(`${row} button[data-confirm-no="cancel"]`);
    await page.waitForSelector(`${row} button[data-decision="reship"]`);
    expect(await journey.database.db.opsAction.count({ where: { targetId: escalationId } })).toBe(0);
    expect((await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).status).toBe('open');

    // A second ops tab, open on the same escalation before it is answered.
    const other = await browser.context.newPage();
    await other.goto(`${base}/ops/escalations`);
    await other.fill('#ops-key', KEYS.ops.key);
    await other.click('#key-panel button[type=submit]');
    await other.waitForSelector(`${row} button[data-decision="wait"]`);

    // The carrier behaves for the replacement parcel: reship should deliver.
    simulator(journey).scriptShipment(`${orderIdOf(stalled)}-S2`, 'normal');
    await page.click(`${row} button[data-decision="reship"]`);
    await page.waitForSelector(`${row}[data-resolved="reship"]`);

    // The stale tab's decision is refused; its row then says who answered and how, and offers nothing more to send
    // (it offered the decisions again, and a second one under the row's Idempotency-Key read "was already used for a different request").
    await other.click(`${row} button[data-decision="wait"]`);
    await other.waitForSelector(`${row}[data-resolved="reship"]`, { timeout: 10_000 });
    expect(await other.textContent('#status')).toMatch(/already resolved: reship by ops-desk/);
    expect(await other.textContent(row)).toMatch(/already resolved: reship by ops-desk/);
    expect(await other.$$(`${row} button`)).toHaveLength(0);
    await other.close();
    await page.screenshot({ path: screenshotPath('ops-escalations-resolved'), fullPage: true });

    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({
      status: 'resolved',
      decision: 'reship',
      resolvedBy: KEYS.ops.name,
    });
    const outcome = await stalled.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['lost', 'delivered']);
  });

  it('a confirmed cancel is sent once, recorded against the ops key, and ends the shipment', async () => {
    await page.goto(`${base}/ops/escalations`);
    const row = `tr[data-escalation="${abandonedEscalationId}"]`;
    await page.waitForSelector(row);
    await page.click(`${row} button[data-decision="cancel"]`);
    await page.screenshot({ path: screenshotPath('ops-escalations-confirm'), fullPage: true });
    await page.click(`${row} button[data-confirm-yes="cancel"]`);
    await page.waitForSelector(`${row}[data-resolved="cancel"]`);
    expect(await journey.database.db.escalation.findUniqueOrThrow({ where: { id: abandonedEscalationId } })).toMatchObject({
      status: 'resolved',
      decision: 'cancel',
      resolvedBy: KEYS.ops.name,
    });
    const actions = await journey.database.db.opsAction.findMany({ where: { targetId: abandonedEscalationId } });
    expect(actions.map((a) => [a.actor, a.status, a.idempotencyKey?.startsWith('ops-page-')])).toEqual([[KEYS.ops.name, 200, true]]);
    expect((await abandoned.result()).shipments[0]?.stage).toBe('cancelled');
  });

  it('the escalations page lists every open escalation, the oldest included, when more than a page of them are open', async () => {
    const db = journey.database.db;
    const orderId = orderIdOf(delivered);
    const opened = Date.now() - 3_600_000;
    const rows = Array.from({ length: 130 }, (_, i) => ({
      id: `ESC-BULK-${String(i).padStart(3, '0')}`,
      orderId,
      reason: 'late' as const,
      severity: 'medium' as const,
      detail: `bulk ${i}`,
      dedupeKey: `bulk-${i}`,
      openedAt: new Date(opened + i * 1_000),
    }));
    await db.escalation.createMany({ data: rows });
    try {
      const open = await db.escalation.count({ where: { status: 'open' } });
      await page.goto(`${base}/ops/escalations`);
      await page.waitForSelector('#escalations[data-loaded]');
      // The oldest was past the first page of 100, newest first.
      await page.waitForSelector('tr[data-escalation="ESC-BULK-000"]', { timeout: 5_000 });
      expect(await page.$$('#escalations tr[data-escalation]')).toHaveLength(open);
      expect(await page.textContent('#status')).toContain(`${open} open escalation(s)`);
    } finally {
      await db.escalation.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
    }
  });

  it('the escalations page lists the carrier status codes Colis stored but cannot read, linking an example order', async () => {
    const db = journey.database.db;
    const shipmentId = firstShipmentId(delivered);
    const shipment = await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    await db.unmappedTrackingEvent.create({
      data: {
        id: `${shipment.carrierCode}:unmapped-page-1`,
        shipmentId,
        carrierCode: shipment.carrierCode ?? '',
        carrierEventId: 'unmapped-page-1',
        trackingNumber: shipment.trackingNumber ?? '',
        carrierStatusCode: 'PARKED_AT_NEIGHBOUR',
        detail: 'Left with a neighbour',
        occurredAt: new Date(),
        source: 'webhook',
      },
    });
    await page.goto(`${base}/ops/escalations`);
    const row = `#unmapped tr[data-unmapped="${shipment.carrierCode}:PARKED_AT_NEIGHBOUR"]`;
    await page.waitForSelector(row);
    expect(await page.isVisible('#unmapped-section')).toBe(true);
    expect(await page.textContent(row)).toContain('Left with a neighbour');
    expect(await page.getAttribute(`${row} a`, 'href')).toBe(`/ops/orders/${orderIdOf(delivered)}`);
    await page.screenshot({ path: screenshotPath('ops-unmapped-statuses'), fullPage: true });
  });

  it("the order page shows the order's facts, its timeline and a link to the workflow in the Temporal Web UI", async () => {
    const orderId = orderIdOf(stalled);
    await page.goto(`${base}/ops/orders/${orderId}`);
    await page.waitForSelector('#timeline[data-loaded] li');
    expect(await page.textContent('[data-fact="Status"]')).toContain('completed');
    const labels = await page.$$eval('#timeline li strong', (nodes) => nodes.map((n) => n.textContent ?? ''));
    expect(labels).toEqual(expect.arrayContaining(['reserving', 'picking', 'delivered']));
    expect(labels.some((label) => /escalation opened: stuck/.test(label))).toBe(true);
    expect(await page.getAttribute('#web-ui', 'href')).toContain(encodeURIComponent(`order-${orderId}`));
    // The re-shipped parcel and its replacement name each other.
    expect(await page.textContent('[data-fact="Shipments"]')).toContain(`${orderId}-S1: lost`);
    expect(await page.textContent('[data-fact="Shipments"]')).toContain(`re-shipped as ${orderId}-S2`);
    expect(await page.textContent('[data-fact="Shipments"]')).toContain(`replaces ${orderId}-S1`);
    await page.screenshot({ path: screenshotPath('ops-order'), fullPage: true });
  });

  it('the order page of an order terminated in Temporal says its workflow ended and how to resume it; a completed one does not', async () => {
    const handle = await journey.placeOrder();
    const orderId = orderIdOf(handle);
    const shipmentId = firstShipmentId(handle);
    // Its parcel goes on alone once the order is terminated: stopped once the test is over.
    stopLeftAloneShipmentAfterTest(journey, shipmentId);
    await untilShipmentStage(journey, shipmentId, ['in_transit'], { stepMs: 2 * HOUR_MS });
    await handle.terminate('test: ops pressed Terminate');
    await page.goto(`${base}/ops/orders/${orderId}`);
    await page.waitForSelector('#timeline[data-loaded]');
    const ended = await page.textContent('[data-fact="Workflow ended"]');
    expect(ended).toContain('terminated');
    expect(ended).toContain(`temporal workflow reset -w order-${orderId} --type LastWorkflowTask`);

    await page.goto(`${base}/ops/orders/${orderIdOf(delivered)}`);
    await page.waitForSelector('#timeline[data-loaded]');
    expect(await page.textContent('[data-fact="Status"]')).toContain('completed');
    expect(await page.$('[data-fact="Workflow ended"]')).toBeNull();
  });

  it('the order page shows what the intake promise rested on and a date the shop asked for that was refused, with why', async () => {
    const promisedBy = new Date(Date.now() + 2 * HOUR_MS).toISOString();
    const placed = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('refused-date-page') },
      payload: orderRequest({ promisedBy, serviceLevel: 'economy', locale: 'en' }),
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, promise } = placed.json() as { orderId: string; promise: { deliverBy: string; confidence: number } };
    await page.goto(`${base}/ops/orders/${orderId}`);
    await page.waitForSelector('#timeline[data-loaded]');
    const intake = await page.textContent('[data-fact="Promise at intake"]');
    expect(intake).toContain(`${promise.deliverBy.slice(0, 16).replace('T', ' ')} UTC`);
    expect(intake).toContain(`${Math.round(promise.confidence * 100)} % sure · from stock`);
    const asked = await page.textContent('[data-fact="Date asked for"]');
    expect(asked).toContain(`${promisedBy.slice(0, 16).replace('T', ' ')} UTC · refused: `);
    expect(asked).toMatch(/refused: .*(confidence|passed)/);
    // The customer reads the same facts under the date, on a line of their own: never "… at 18:00 CET98 % sure".
    await page.goto(`${base}${trackingPath(orderId, app.config.trackingSecret)}`);
    // biome-ignore lint/performance/useDomNodeTextContent: the text as laid out (line breaks of block elements) is what is tested
    const promised = (await page.innerText('[data-fact="promised"]')).split('\n').map((line) => line.trim());
    expect(promised[1], promised.join(' | ')).toMatch(/at \d{2}:\d{2} [A-Z]{2,5}$/);
    expect(promised[2], promised.join(' | ')).toMatch(/^\d+ % sure · .*the date first asked for could not be met/);
    // The stalled order was placed without a date of its own: nothing was asked, nothing refused.
    await page.goto(`${base}/ops/orders/${orderIdOf(stalled)}`);
    await page.waitForSelector('#timeline[data-loaded]');
    expect(await page.textContent('[data-fact="Date asked for"]')).toContain('–');
  });

  it('the customer page shows status, promised date and timeline to the holder of the tracking link, and nothing internal', async () => {
    const orderId = orderIdOf(stalled);
    const response = await page.goto(`${base}${trackingPath(orderId, app.config.trackingSecret)}`);
    expect(response?.status()).toBe(200);
    expect(await page.textContent('[data-fact="status"]')).toContain('Delivered');
    // In the customer's own day and clock (the parcel goes to France), not a UTC timestamp.
    expect(await page.textContent('[data-fact="promised"]')).toMatch(/^Promised by\w+day, \d{1,2} \w+ \d{4} at \d{2}:\d{2} CES?T/);
    expect(await page.textContent('#timeline time')).toMatch(/\d{4} at \d{2}:\d{2} CES?T$/);
    const body = (await page.textContent('body')) ?? '';
    expect(body).toContain('On its way');
    for (const internal of ['escalat', 'stall', 'reship', 'EUR', 'cost', 'Ada Lovelace', 'République'])
      expect(body).not.toContain(internal);
    await page.screenshot({ path: screenshotPath('customer-tracking'), fullPage: true });

    const forged = await page.goto(`${base}/track/${orderId}?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    expect(forged?.status()).toBe(404);
    const other = await page.goto(
      `${base}/track/${orderIdOf(delivered)}?t=${trackingPath(orderId, app.config.trackingSecret).split('t=')[1]}`,
    );
    expect(other?.status()).toBe(404);
  });
});

describe('the carrier claims page in Chromium', () => {
  it('lists the claim of the re-shipped parcel; each move asks first, is sent once and recorded against the ops key', async () => {
    const db = journey.database.db;
    const lostId = firstShipmentId(stalled);
    const claim = await db.carrierClaim.findUniqueOrThrow({ where: { shipmentId: lostId } });
    await page.goto(`${base}/ops/claims`);
    await page.waitForSelector('#claims[data-loaded]');
    const row = `tr[data-claim="${claim.id}"]`;
    expect(await page.getAttribute(row, 'data-status')).toBe('open');
    const text = (await page.textContent(row)) ?? '';
    for (const fact of [orderIdOf(stalled), lostId, claim.trackingNumber, 'lost', (claim.amountCents / 100).toFixed(2), 'colis'])
      expect(text).toContain(fact);
    expect(await page.$$eval(`${row} button[data-move]`, (b) => b.map((x) => x.getAttribute('data-move')))).toEqual([
      'submitted',
      'withdrawn',
    ]);

    // Asked first; keeping it sends nothing.
    await page.click(`${row} button[data-move="submitted"]`);
    await page.waitForSelector(`${row} [data-confirm="submitted"]`);
    expect(await page.textContent(`${row} [data-confirm="submitted"]`)).toMatch(/cannot be undone/);
    await page.click(`${row} button[data-confirm-no="submitted"]`);
    await page.waitForSelector(`${row} button[data-move="submitted"]`);
    expect(await db.opsAction.count({ where: { targetId: claim.id } })).toBe(0);
    expect((await db.carrierClaim.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe('open');

    // A note longer than the API takes (the field's maxlength removed in devtools): the page says which field and why,
    // the row is back as it was, nothing is recorded.
    await page.click(`${row} button[data-move="submitted"]`);
    await page.$eval(`${row} input[data-note="submitted"]`, (input) => input.removeAttribute('maxlength'));
    await page.fill(`${row} input[data-note="submitted"]`, 'x'.repeat(501));
    await page.click(`${row} button[data-confirm-yes="submitted"]`);
    await page.waitForSelector('#status.error');
    expect(await page.textContent('#status')).toMatch(/body\.note .*500/);
    await page.waitForSelector(`${row} button[data-move="submitted"]`);
    expect(await db.opsAction.count({ where: { targetId: claim.id } })).toBe(0);
    expect((await db.carrierClaim.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe('open');

    // A second ops tab, open on the claim before it moves.
    const other = await browser.context.newPage();
    await other.goto(`${base}/ops/claims`);
    await other.fill('#ops-key', KEYS.ops.key);
    await other.click('#key-panel button[type=submit]');
    await other.waitForSelector(`#claims[data-loaded] ${row}[data-status="open"] button[data-move="withdrawn"]`);

    // Filed with the carrier, with a note; then settled: the carrier paid.
    await page.click(`${row} button[data-move="submitted"]`);
    await page.fill(`${row} input[data-note="submitted"]`, 'filed on the carrier portal, ref SP-4411');
    await page.screenshot({ path: screenshotPath('ops-claims-confirm'), fullPage: true });
    await page.click(`${row} button[data-confirm-yes="submitted"]`);
    await page.waitForSelector(`${row}[data-status="submitted"]`);
    expect(await page.$$eval(`${row} button[data-move]`, (b) => b.map((x) => x.getAttribute('data-move')))).toEqual([
      'paid',
      'refused',
      'withdrawn',
    ]);
    expect(await db.carrierClaim.findUniqueOrThrow({ where: { id: claim.id } })).toMatchObject({
      status: 'submitted',
      updatedBy: KEYS.ops.name,
      note: 'filed on the carrier portal, ref SP-4411',
    });
    await page.click(`${row} button[data-move="paid"]`);
    await page.click(`${row} button[data-confirm-yes="paid"]`);
    await page.waitForSelector(`${row}[data-status="paid"]`);
    expect(await page.textContent(row)).toContain('final');
    expect(await page.textContent(row)).toContain(KEYS.ops.name);
    const actions = await db.opsAction.findMany({ where: { targetId: claim.id }, orderBy: { createdAt: 'asc' } });
    expect(actions.map((a) => [a.action, a.actor, a.status, a.idempotencyKey?.startsWith('ops-page-')])).toEqual([
      ['move_claim', KEYS.ops.name, 200, true],
      ['move_claim', KEYS.ops.name, 200, true],
    ]);
    expect((await db.carrierClaim.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe('paid');
    await page.screenshot({ path: screenshotPath('ops-claims-paid'), fullPage: true });

    // The stale tab's move is refused; its row then shows the claim as it is (it offered the moves from 'open' again).
    await other.click(`${row} button[data-move="withdrawn"]`);
    await other.click(`${row} button[data-confirm-yes="withdrawn"]`);
    await other.waitForSelector('#status.error');
    expect(await other.textContent('#status')).toMatch(/is paid: it can move to nothing/);
    await other.waitForSelector(`${row}[data-status="paid"]`, { timeout: 10_000 });
    expect(await other.$$(`${row} button[data-move]`)).toHaveLength(0);
    expect(await other.textContent(row)).toContain('final');
    await other.close();
    expect((await db.carrierClaim.findUniqueOrThrow({ where: { id: claim.id } })).status).toBe('paid');

    // The filter asks the API for one status: no claim is still open.
    await page.selectOption('#claim-status', 'open');
    await page.waitForSelector('#claims tr[data-claim]', { state: 'detached' });
    expect(await page.textContent('#claims')).toContain('No carrier claim here.');
  });
});

describe('the parked webhooks page in Chromium', () => {
  it('lists deliveries parked after three days of failures, and one click sends one again', async () => {
    const db = journey.database.db;
    const orderId = orderIdOf(delivered);
    await db.webhookSubscription.create({
      data: { id: 'whsub_browser', shopId: 'shop-a', url: 'http://127.0.0.1:9/gone', secret: 'whsec_dGVzdA==' },
    });
    await db.webhookEvent.create({
      data: { id: 'msg_browser1', orderId, shopId: 'shop-a', seq: 1, type: 'order.accepted', payload: {}, dedupeKey: `${orderId}:browser` },
    });
    const id = 'msg_browser1.whsub_browser';
    await db.webhookDelivery.create({
      data: {
        id,
        eventId: 'msg_browser1',
        subscriptionId: 'whsub_browser',
        orderId,
        seq: 1,
        status: 'failed',
        attempts: 13,
        lastError: 'HTTP 503',
        failedAt: new Date(),
      },
    });
    await page.goto(`${base}/ops/webhooks`);
    await page.waitForSelector('#deliveries[data-loaded]');
    const row = `tr[data-delivery="${id}"]`;
    expect(await page.textContent(row)).toContain('HTTP 503');
    await page.screenshot({ path: screenshotPath('ops-webhooks-parked'), fullPage: true });
    await page.click(`${row} button[data-replay]`);
    await page.waitForSelector(`${row}[data-replayed]`);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'pending',
      replayedAt: expect.any(Date),
    });
  });
});

describe('address corrections on the order page', () => {
  it("the order page shows the carrier's correction field by field (given, ships to), and no log line carries the address", async () => {
    // Its own app, logging at info into a buffer: the intake's address check and the page's reads are what is logged.
    const logs = capturedLogs();
    const logged = await buildApp({
      db: journey.database.db,
      temporalClient: journey.env.client,
      config: loadApiConfig(
        {},
        { apiKeys: Object.values(KEYS), logLevel: 'info', workflowCallTimeoutMs: 10_000, intakeStartWaitMs: 30_000 },
      ),
      logStream: logs.stream,
    });
    try {
      await logged.listen({ host: '127.0.0.1', port: 0 });
      const loggedBase = `http://127.0.0.1:${(logged.server.address() as AddressInfo).port}`;
      const shipTo = { name: 'Camille Durand', line1: '12 rue des Lilas', city: 'LYON 3E', postalCode: '69003', countryCode: 'FR' };
      const placed = await logged.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'x-api-key': KEYS.intake.key, 'idempotency-key': newKey('corrected-page') },
        payload: orderRequest({ shipTo }),
      });
      expect(placed.statusCode, placed.body).toBe(202);
      const { orderId } = placed.json() as { orderId: string };
      expect(placed.json().addressCorrection.fields).toEqual(['city']);

      await page.goto(`${loggedBase}/ops/orders/${orderId}`);
      await enterOpsKey();
      await page.waitForSelector('#corrections[data-loaded]');
      expect(await page.isVisible('#corrections-card')).toBe(true);
      expect(await page.textContent('#corrections-card')).toMatch(/when the order was placed · corrected by simulator: City/);
      expect(await page.$$eval('#corrections tr[data-field]', (rows) => rows.map((r) => r.getAttribute('data-field')))).toEqual(['city']);
      expect(await page.textContent('#corrections tr[data-field="city"] td.given')).toBe('LYON 3E');
      expect(await page.textContent('#corrections tr[data-field="city"] td.corrected')).toBe('Lyon');
      // Only the corrected fields are repeated: the street and the name stay in the order, not on this card.
      expect(await page.textContent('#corrections-card')).not.toContain('12 rue des Lilas');
      await page.screenshot({ path: screenshotPath('ops-order-address-correction'), fullPage: true });

      // An order nobody corrected shows no such card.
      await page.goto(`${loggedBase}/ops/orders/${orderIdOf(delivered)}`);
      await page.waitForSelector('#corrections[data-loaded]', { state: 'attached' });
      expect(await page.isHidden('#corrections-card')).toBe(true);

      // Neither address reaches Temporal in clear: the order's history holds ciphertext only.
      const history = await journey.env.client.workflow.getHandle(`order-${orderId}`).fetchHistory();
      const raw = JSON.stringify(history, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
      );
      expect(raw.length).toBeGreaterThan(1000);
      for (const clear of ['LYON 3E', 'Lyon', '12 rue des Lilas', 'Camille Durand']) expect(raw).not.toContain(clear);

      expect(logs.lines.length).toBeGreaterThan(0);
      expect(logLeaks(logs.lines)).toEqual([]);
      expect(logs.lines.filter((line) => line.includes('LYON 3E'))).toEqual([]);
    } finally {
      await logged.close();
    }
  });
});
