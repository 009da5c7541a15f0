import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { HOUR_MS } from '../../domain/clock';
import { KEYS, journeyApi } from '../api/harness';
import { launchChromium, type RunningBrowser, screenshotPath } from '../support/chromium';
import { type Journey, startJourney } from '../support/journey';
import { mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import { type ShopReceiver, startSubscribedShopReceiver } from '../support/shop-receiver';
import { orderIdOf, until } from '../workflows/steps';

/**
 * The customer's return flow in a real headless Chromium against the real app and workers on the
 * time-skipping server: the tracking page of a delivered order offers the return form (plain HTML),
 * a bad submit says what is wrong and starts nothing, a good one starts the return and shows its
 * label; once the parcel is at the warehouse, ops inspect it with one click on /ops/returns and the
 * customer's page shows the refund, the shop's endpoint receives `refund.due` (signed, after the return's
 * other events) and the customer has had the return steps by mail, in their language.
 */
let journey: Journey;
let app: FastifyInstance;
let browser: RunningBrowser;
let page: Page;
let shop: ShopReceiver;
let base = '';

beforeAll(async () => {
  browser = await launchChromium();
  // With the notify queue and a shop's webhook endpoint: the return ends with the shop told the refund due.
  journey = await startJourney({ notify: true });
  shop = await startSubscribedShopReceiver(journey.database.db, 'whs-tracking-returns-test');
  app = await journeyApi(journey, { workflowCallTimeoutMs: 20_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await shop?.close();
  await journey?.teardown();
});

describe('returns from the tracking page, in Chromium', () => {
  it('a customer returns one mug from the tracking page; ops restock it with one click and the page shows the refund', async () => {
    const email = uniqueAddress('camille-returns');
    const handle = await journey.placeOrder({
      customer: { id: 'CUST-RETURNS', name: 'Camille Martin', email },
      lines: [{ sku: 'MUG-CER-350', quantity: 2 }],
    });
    expect((await handle.result()).stage).toBe('completed');
    const orderId = orderIdOf(handle);
    const tracking = `${base}${trackingPath(orderId, app.config.trackingSecret)}`;

    await page.goto(tracking);
    await page.waitForSelector('#return-form');
    expect(await page.getAttribute('input[name="qty.MUG-CER-350"]', 'max')).toBe('2');

    // Nothing chosen: the page says so, with a 400, and no return exists.
    const [empty] = await Promise.all([page.waitForNavigation(), page.click('#return-form button[type=submit]')]);
    expect(empty?.status()).toBe(400);
    // The order goes to France: its page is French, as its mails are (below).
    expect(await page.textContent('#return-message')).toMatch(/Indiquez combien de chaque article/);
    expect(await journey.database.db.return.count({ where: { orderId } })).toBe(0);

    await page.fill('input[name="qty.MUG-CER-350"]', '1');
    await page.selectOption('#reason', 'no_longer_needed');
    await Promise.all([page.waitForNavigation(), page.click('#return-form button[type=submit]')]);
    await page.waitForSelector('#return-list li[data-return]');
    const returnId = (await page.getAttribute('#return-list li[data-return]', 'data-return')) ?? '';
    expect(returnId).toMatch(/^RMA-/);
    // A reload shows one return and one mug left to return.
    await page.goto(tracking);
    expect(await page.$$('#return-list li')).toHaveLength(1);
    expect(await page.getAttribute('input[name="qty.MUG-CER-350"]', 'max')).toBe('1');
    await page.screenshot({ path: screenshotPath('customer-return-started'), fullPage: true });

    // The label the customer prints comes from Colis, a PDF under the page's token: the carrier's own link may be
    // no address at all (the simulator's is not), and the mail links the same file.
    await vi.waitFor(
      async () => expect((await journey.database.db.return.findUniqueOrThrow({ where: { id: returnId } })).status).toBe('label_created'),
      { timeout: 30_000, interval: 250 },
    );
    await page.goto(tracking);
    const labelHref = (await page.getAttribute(`#return-list li[data-return="${returnId}"] a[data-fact="return-label"]`, 'href')) ?? '';
    expect(labelHref).toMatch(new RegExp(`^/track/${orderId}/returns/${returnId}/label\\?t=`));
    const label = await page.request.get(`${base}${labelHref}`);
    expect(label.status()).toBe(200);
    expect(label.headers()['content-type']).toBe('application/pdf');
    expect((await label.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Another token (or none) gets nothing, as the page itself.
    expect((await page.request.get(`${base}${labelHref.replace(/t=[^&]+/, 't=not-the-token')}`)).status()).toBe(404);
    expect((await page.request.get(`${base}${labelHref.replace(/\?t=[^&]+/, '')}`)).status()).toBe(404);

    await until(
      journey,
      `${returnId} at the warehouse`,
      () => journey.database.db.return.findUnique({ where: { id: returnId }, select: { status: true } }),
      (row) => row?.status === 'received',
      { stepMs: 6 * HOUR_MS },
    );

    await page.goto(`${base}/ops/returns`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    const row = `#returns tr[data-return="${returnId}"]`;
    await page.waitForSelector(`#returns[data-loaded] tr[data-return="${returnId}"] button[data-inspect="restock"]`);
    await page.click(`${row} button[data-inspect="restock"]`);
    await page.waitForSelector(`${row}[data-inspected="restock"]`);
    expect(await page.textContent(row)).toContain('refund due 12.90 EUR');
    // The inspector is the calling key, recorded once as an ops action (the page sends an Idempotency-Key).
    const inspected = await journey.database.db.return.findUnique({ where: { id: returnId }, select: { inspectedBy: true } });
    expect(inspected?.inspectedBy).toBe(KEYS.ops.name);
    const actions = await journey.database.db.opsAction.findMany({ where: { targetId: returnId, action: 'inspect_return' } });
    expect(actions.map((a) => [a.actor, a.status, a.idempotencyKey?.startsWith('ops-page-')])).toEqual([[KEYS.ops.name, 200, true]]);
    await page.screenshot({ path: screenshotPath('ops-returns-inspected'), fullPage: true });

    await page.goto(tracking);
    const item = `#return-list li[data-return="${returnId}"]`;
    expect(await page.getAttribute(item, 'data-status')).toBe('completed');
    expect(await page.textContent(item)).toContain('remboursement 12,90\u00a0€');
    const movements = await journey.database.db.inventoryMovement.findMany({ where: { orderId, kind: 'return_receipt' } });
    expect(movements.map((m) => m.onHandDelta)).toEqual([1]);

    // The shop hears the refund due, signed, after every step of the return, in the order's sequence.
    const events = await until(
      journey,
      `refund.due for ${returnId} at the shop`,
      async () => shop.received.filter((r) => r.orderId === orderId),
      (got) => got.some((r) => r.type === 'refund.due'),
      { stepMs: 60_000 },
    );
    expect(events.every((e) => e.verified)).toBe(true);
    const returnEvents = events.filter((e) => e.type.startsWith('return.') || e.type === 'refund.due');
    expect(returnEvents.map((e) => e.type)).toEqual([
      'return.created',
      'return.label_created',
      'return.in_transit',
      'return.received',
      'return.inspected',
      'refund.due',
    ]);
    expect(returnEvents.map((e) => e.sequence)).toEqual([...returnEvents.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(returnEvents.at(-1)?.data).toMatchObject({ returnId, amountCents: 1290, currency: 'EUR' });
    // The customer, in Lyon, got the return steps once, in French.
    const steps = (await mailsTo(email)).filter((m) => milestoneOf(m) === 'return_started');
    expect(steps.map((m) => [m.headers['content-language'], m.subject.includes(returnId)])).toEqual([['fr', true]]);
  });

  it('"write off all" asks first: keeping it records nothing, confirming writes every unit off once', async () => {
    const db = journey.database.db;
    const handle = await journey.placeOrder({ lines: [{ sku: 'MUG-CER-350', quantity: 2 }] });
    expect((await handle.result()).stage).toBe('completed');
    const orderId = orderIdOf(handle);
    const started = await app.inject({
      method: 'POST',
      url: `/orders/${orderId}/returns`,
      headers: { 'x-api-key': KEYS.ops.key, 'idempotency-key': `write-off-${orderId}` },
      payload: { lines: [{ sku: 'MUG-CER-350', quantity: 2 }], reason: 'damaged' },
    });
    expect(started.statusCode).toBe(202);
    const returnId = started.json<{ returnId: string }>().returnId;
    await until(
      journey,
      `${returnId} at the warehouse`,
      () => db.return.findUnique({ where: { id: returnId }, select: { status: true } }),
      (row) => row?.status === 'received',
      { stepMs: 6 * HOUR_MS },
    );

    await page.goto(`${base}/ops/returns`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    const row = `#returns tr[data-return="${returnId}"]`;
    // The rows of the load the key started (the tab may have had the key already: its first load drew them too).
    await page.waitForSelector(`#returns[data-loaded] tr[data-return="${returnId}"] button[data-inspect="write_off"]`);
    await page.click(`${row} button[data-inspect="write_off"]`);
    await page.waitForSelector(`${row} [data-confirm="write_off"]`);
    expect(await page.textContent(`${row} [data-confirm="write_off"]`)).toMatch(/all 2 unit\(s\).*cannot be undone/);
    await page.screenshot({ path: screenshotPath('ops-returns-write-off-confirm'), fullPage: true });
    await page.click(`${row} button[data-confirm-no="write_off"]`);
    await page.waitForSelector(`${row} button[data-inspect="restock"]`);
    expect(await db.opsAction.count({ where: { targetId: returnId } })).toBe(0);
    expect((await db.return.findUniqueOrThrow({ where: { id: returnId } })).status).toBe('received');

    // A second ops tab, open on the same parcel before it is inspected.
    const other = await browser.context.newPage();
    await other.goto(`${base}/ops/returns`);
    await other.fill('#ops-key', KEYS.ops.key);
    await other.click('#key-panel button[type=submit]');
    await other.waitForSelector(`#returns[data-loaded] tr[data-return="${returnId}"] button[data-inspect="restock"]`);

    await page.click(`${row} button[data-inspect="write_off"]`);
    await page.click(`${row} button[data-confirm-yes="write_off"]`);
    await page.waitForSelector(`${row}[data-inspected="write_off"]`);

    // The stale tab's other finding is refused, naming what was recorded; the finding that was recorded then answers as
    // recorded (it read "Idempotency-Key … was already used for a different request": one key for the row's two choices).
    await other.click(`${row} button[data-inspect="restock"]`);
    await other.waitForSelector('#status.error');
    expect(await other.textContent('#status')).not.toMatch(/Idempotency-Key/);
    await other.click(`${row} button[data-inspect="write_off"]`);
    await other.click(`${row} button[data-confirm-yes="write_off"]`);
    await other.waitForSelector(`${row}[data-inspected="write_off"]`, { timeout: 10_000 });
    await other.close();
    const actions = await db.opsAction.findMany({ where: { targetId: returnId, action: 'inspect_return' }, orderBy: { createdAt: 'asc' } });
    expect(actions.map((a) => [a.actor, a.status])).toEqual([
      [KEYS.ops.name, 200],
      [KEYS.ops.name, 409],
      [KEYS.ops.name, 200],
    ]);
    const movements = await db.inventoryMovement.findMany({ where: { orderId, kind: { in: ['return_receipt', 'write_off'] } } });
    expect(movements.filter((m) => m.kind === 'write_off').reduce((n, m) => n - m.onHandDelta, 0)).toBe(
      movements.filter((m) => m.kind === 'return_receipt').reduce((n, m) => n + m.onHandDelta, 0),
    );
    expect((await db.return.findUniqueOrThrow({ where: { id: returnId } })).status).toBe('completed');
  });
});
