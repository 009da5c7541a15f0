import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { insertOrder, insertShipment } from '../api/fixtures';
import { createHarness, type Harness, TRACKING_SECRET } from '../api/harness';
import { launchChromium, type RunningBrowser } from '../support/chromium';

/**
 * What a person's browser shows when a page cannot be given (api/error-pages.ts): a small page in the pages' own frame, with
 * the status and what to do, never the API's JSON. Before, a return form posted with a token changed on its way (a mail tool,
 * a hand-edited link) showed `{"error":{"code":"not_found",…}}`, and a rate-limited page the JSON 429.
 * No worker runs: nothing is started.
 */

let h: Harness;
let browser: RunningBrowser;
let page: Page;
let base = '';
let orderId = '';

async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  browser = await launchChromium();
  h = await createHarness();
  base = await listening(h.app);
  page = await browser.context.newPage();
  orderId = await insertOrder(h.db, { status: 'completed' });
  const { shipmentId } = await insertShipment(h.db, orderId);
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** The page's visible text is not a JSON document. */
async function expectHtmlPage(response: Response | null, status: number): Promise<string> {
  expect(response?.status()).toBe(status);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  expect(response?.headers()['cache-control']).toBe('no-store');
  const text = (await page.textContent('main')) ?? '';
  expect(text.trim().startsWith('{')).toBe(false);
  expect(await page.$('header .brand')).not.toBeNull();
  return text;
}

describe('the return form posted with a token that is not the order’s', () => {
  it('answers a 404 page saying what to do, not JSON, and starts nothing', async () => {
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    await page.fill('input[name="qty.MUG-CER-350"]', '1');
    await page.selectOption('#reason', 'damaged');
    // The link's token changed on its way (one character of it, as a mail tool's rewriting does).
    const action = new URL((await page.getAttribute('#return-form', 'action')) ?? '', base);
    const t = action.searchParams.get('t') ?? '';
    action.searchParams.set('t', `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`);
    await page.evaluate(
      `document.querySelector('#return-form').setAttribute('action', ${JSON.stringify(action.pathname + action.search)})`,
    );
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#return-form button[type=submit]'),
    ]);
    await page.waitForLoadState();
    const text = await expectHtmlPage(response, 404);
    expect(await page.textContent('h1')).toBe('We cannot find this order');
    expect(text).toMatch(/Open it again from your order confirmation mail/);
    expect(text).not.toContain('not_found');
    expect(await h.db.return.count({ where: { orderId } })).toBe(0);
  });
});

describe('a rate-limited page', () => {
  it('answers a 429 page with Retry-After saying how long to wait', async () => {
    const limited = await listening(await h.rebuild({ authFailuresPerMinute: 2 }));
    for (let i = 0; i < 2; i += 1) await page.goto(`${limited}/track/${orderId}?t=${'A'.repeat(32)}`);
    const response = await page.goto(`${limited}${trackingPath(orderId, TRACKING_SECRET)}`);
    const text = await expectHtmlPage(response, 429);
    const retryAfter = Number(response?.headers()['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(await page.textContent('h1')).toMatch(/Too many/);
    expect(text).toContain(`${retryAfter} seconds`);
    expect(text).not.toContain('rate_limited');
  });

  it('an ops page too', async () => {
    // The page's scripts and icon count too: the allowance is spent within a few page views.
    const limited = await listening(await h.rebuild({ rateLimitPerMinute: 4 }));
    expect((await page.goto(`${limited}/ops/escalations`))?.status()).toBe(200);
    let response = await page.goto(`${limited}/ops/escalations`);
    for (let i = 0; i < 5 && response?.status() !== 429; i += 1) response = await page.goto(`${limited}/ops/escalations`);
    await expectHtmlPage(response, 429);
    expect(Number(response?.headers()['retry-after'])).toBeGreaterThan(0);
    expect(await page.$('a[href="/ops"]')).not.toBeNull();
  });
});

describe('a return form refused for one field', () => {
  it('is the page again naming the field, the field marked for the browser', async () => {
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    await page.fill('input[name="qty.MUG-CER-350"]', '1');
    await page.selectOption('#reason', 'wrong_item');
    await page.fill('#comment', 'Pas le bon modèle \u202Egnorw <b id="injected">x</b>');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#return-form button[type=submit]'),
    ]);
    await page.waitForSelector('#return-message');
    expect(response.status()).toBe(400);
    expect(response.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await page.textContent('#return-message')).toMatch(/comment/i);
    expect(await page.getAttribute('#comment', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#comment', 'aria-describedby')).toBe('return-message');
    expect(await page.getAttribute('#reason', 'aria-invalid')).toBeNull();
    expect(await page.$('#injected')).toBeNull();
    expect(await h.db.return.count({ where: { orderId } })).toBe(0);
  });

  it('nothing to return: the quantities are the fields marked', async () => {
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    await page.selectOption('#reason', 'damaged');
    await page.click('#return-form button[type=submit]');
    await page.waitForSelector('#return-message');
    expect(await page.textContent('#return-message')).toMatch(/Choose how many of each item/);
    expect(await page.getAttribute('input[name="qty.MUG-CER-350"]', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#comment', 'aria-invalid')).toBeNull();
  });
});
