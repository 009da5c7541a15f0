import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { insertOrder, insertShipment } from '../api/fixtures';
import { createHarness, type Harness, TRACKING_SECRET } from '../api/harness';
import { launchChromium, type RunningBrowser } from '../support/chromium';

/**
 * The tracking page's return form in a real headless Chromium. Refused: the page that says what to change shows the form as
 * the customer left it (quantities, reason, comment), the comment as text, never as markup. Before, every refusal drew an
 * empty form: a comment written at length was lost to "Choose how many of each item". On a phone: the page fits the screen.
 * No worker runs: nothing is started.
 */
const COMMENT = 'Le carton était ouvert\nsur le côté <b id="injected">abîmé</b> & mouillé 📦';

let h: Harness;
let browser: RunningBrowser;
let page: Page;
let base = '';
let tracking = '';

beforeAll(async () => {
  browser = await launchChromium();
  h = await createHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  page = await browser.context.newPage();
  const orderId = await insertOrder(h.db, { status: 'completed' });
  const { shipmentId } = await insertShipment(h.db, orderId);
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
  tracking = `${base}${trackingPath(orderId, TRACKING_SECRET)}`;
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const quantityField = 'input[name="qty.MUG-CER-350"]';

describe('a refused return form keeps what the customer chose', () => {
  it('nothing to return: the reason and the comment are still there, the comment as text', async () => {
    await page.goto(tracking);
    await page.selectOption('#reason', 'damaged');
    await page.fill('#comment', COMMENT);
    await page.click('#return-form button[type=submit]');
    await page.waitForSelector('#return-message');
    expect(await page.textContent('#return-message')).toMatch(/Choose how many of each item/);
    expect(await page.inputValue('#reason')).toBe('damaged');
    expect(await page.inputValue('#comment')).toBe(COMMENT);
    expect(await page.inputValue(quantityField)).toBe('0');
    expect(await page.$('#injected')).toBeNull();
    expect(await h.db.return.count()).toBe(0);
  });

  it('a character the rules refuse: the quantity typed, the reason and the comment come back for the customer to mend', async () => {
    await page.goto(tracking);
    await page.fill(quantityField, '1');
    await page.selectOption('#reason', 'wrong_item');
    const refused = `Pas le bon modèle \u202Egnorw`;
    await page.fill('#comment', refused);
    await page.click('#return-form button[type=submit]');
    await page.waitForSelector('#return-message');
    expect(await page.textContent('#return-message')).toMatch(/invisible ou de contrôle|invisible or control character/);
    expect(await page.textContent('#return-message')).not.toMatch(/U\+202E/);
    expect(await page.inputValue(quantityField)).toBe('1');
    expect(await page.inputValue('#reason')).toBe('wrong_item');
    expect(await page.inputValue('#comment')).toBe(refused);
    expect(await h.db.return.count()).toBe(0);
  });
});

describe('a cancelled order on its tracking page', () => {
  it('promises no date any more', async () => {
    // Before: "Cancelled" beside "Promised by Saturday, 5 January 2030 …" (and, with the intake promise, "99 % sure · ships from PAR1").
    const orderId = await insertOrder(h.db, { status: 'cancelled' });
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    expect(await page.textContent('[data-fact="status"]')).toContain('Cancelled');
    const promised = await page.textContent('[data-fact="promised"]');
    expect(promised).toContain('No delivery date: the order was cancelled');
    expect(promised).not.toMatch(/2030|sure/);
  });

  it('says when it was cancelled, beside its status and last in its timeline', async () => {
    // Before: "Cancelled" alone, over a timeline whose stages stopped with no word of the cancel.
    const orderId = await insertOrder(h.db, { status: 'cancelled' });
    await h.db.order.update({
      where: { id: orderId },
      data: { completedAt: new Date('2026-12-04T17:00:00Z'), endReason: 'ops: fraud check' },
    });
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    expect(await page.textContent('[data-fact="ended-at"]')).toBe('on Friday, 4 December 2026 at 18:00 CET');
    const entries = await page.locator('#timeline li').allTextContents();
    expect(entries.at(-1)).toBe('Friday, 4 December 2026 at 18:00 CETCancelled');
    expect(await page.textContent('body')).not.toContain('fraud');
  });
});

describe('the tracking page on a phone', () => {
  it('fits a 375 px screen with its return form', async () => {
    // Before: the comment's textarea (60 columns) made the page 537 px wide, the form running off its card.
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 375, height: 800 });
    await phone.goto(tracking);
    await phone.waitForSelector('#return-form');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    const box = await phone.locator('#comment').boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(375);
    await phone.close();
  });
});

describe('back after a return is started', () => {
  it('draws an empty form: sending it again starts no second return', async () => {
    // Before: Chromium restored the quantity, reason and comment into the page drawn again, under a fresh form key: one more
    // click on "Start the return" started a second return of the same mug.
    const orderId = await insertOrder(h.db, { status: 'completed' });
    await h.db.orderLine.update({ where: { id: `${orderId}-L1` }, data: { quantity: 2 } });
    const { shipmentId } = await insertShipment(h.db, orderId);
    await h.db.shipmentLine.updateMany({ where: { shipmentId }, data: { quantity: 2 } });
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    await page.fill(quantityField, '1');
    await page.selectOption('#reason', 'wrong_item');
    await page.fill('#comment', 'Pas la bonne couleur');
    await Promise.all([page.waitForNavigation(), page.click('#return-form button[type=submit]')]);
    await page.waitForSelector('#return-list li[data-return]');
    expect(await h.db.return.count({ where: { orderId } })).toBe(1);

    await page.goBack();
    await page.waitForSelector('#return-form');
    expect(await page.inputValue(quantityField)).toBe('0');
    expect(await page.inputValue('#comment')).toBe('');
    const [again] = await Promise.all([page.waitForNavigation(), page.click('#return-form button[type=submit]')]);
    expect(again?.status()).toBe(400);
    expect(await h.db.return.count({ where: { orderId } })).toBe(1);
  });
});
