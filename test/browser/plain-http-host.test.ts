import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { insertOrder, insertShipment } from '../api/fixtures';
import { createHarness, type Harness, KEYS, TRACKING_SECRET } from '../api/harness';
import { launchChromium, type RunningBrowser } from '../support/chromium';

/**
 * The pages opened over plain HTTP under a host name that is not localhost (an API on a LAN address, COLIS_API_HOST), in a
 * real headless Chromium: `colis.test` is mapped to 127.0.0.1, so the browser treats the origin as any http:// site (not as
 * the potentially trustworthy localhost). Before, the CSP's upgrade-insecure-requests made it load /ops/assets/ops.js and
 * post the return form over https: the ops pages never went past their empty frame, and the return form failed to send.
 */
const HOST = 'colis.test';

let h: Harness;
let browser: RunningBrowser;
let page: Page;
let base = '';
const failed: string[] = [];

beforeAll(async () => {
  browser = await launchChromium({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
  h = await createHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://${HOST}:${(h.app.server.address() as AddressInfo).port}`;
  page = await browser.context.newPage();
  page.on('requestfailed', (request) => failed.push(`${request.url()} ${request.failure()?.errorText ?? ''}`));
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('pages over plain HTTP under a host name', () => {
  it('an ops page loads its script from the same http origin and fills its table once the key is entered', async () => {
    await page.goto(`${base}/ops/escalations`);
    // The script's first act on a tab without a key: it asks for one.
    await page.waitForSelector('#status.error', { timeout: 10_000 });
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    await page.waitForSelector('#escalations[data-loaded]', { timeout: 10_000 });
    expect(failed).toEqual([]);
  });

  it("the tracking page's return form is posted to the same http origin and answered with its page", async () => {
    const orderId = await insertOrder(h.db, { status: 'completed' });
    const { shipmentId } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date() } });
    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    await page.waitForSelector('#return-form');
    // Nothing chosen: the form's own refusal, drawn by the server that received the post.
    await page.click('#return-form button[type=submit]');
    await page.waitForSelector('#return-message', { timeout: 10_000 });
    expect(page.url()).toMatch(new RegExp(`^http://${HOST.replace('.', '\\.')}:\\d+/track/${orderId}/returns\\?t=`));
    expect(await page.textContent('#return-message')).toMatch(/Choose how many of each item/);
    expect(failed).toEqual([]);
  });
});
