import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertShipment, uniqueId } from '../api/fixtures';
import { createHarness, type Harness, KEYS } from '../api/harness';
import { launchChromium, type RunningBrowser, screenshotPath } from '../support/chromium';

/**
 * Text people paste without spaces (a carrier portal's claim URL in a claim's note, a long escalation detail sent with the
 * Temporal CLI, a shop endpoint's error) on the ops pages in a real headless Chromium at 1400 px: the page keeps its width
 * and its buttons stay on screen. Before, one 430-character URL in a claim's note made /ops/claims 5,049 px wide with its
 * settle / reject / withdraw buttons 3,600 px to the right, and a 1,000-character escalation detail made the order's page
 * 14,904 px wide. No worker runs: the rows are written as the activities would.
 */
const VIEWPORT_WIDTH = 1400;
const PASTED_URL = `https://claims.carrier.example/claim/${'Q'.repeat(400)}`;
const LONG_DETAIL = `carrier said ${'W'.repeat(1000)}`;

let h: Harness;
let browser: RunningBrowser;
let page: Page;
let base = '';
let orderId = '';
let escalationId = '';

beforeAll(async () => {
  browser = await launchChromium();
  h = await createHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  page = await browser.context.newPage();
  await page.setViewportSize({ width: VIEWPORT_WIDTH, height: 900 });

  orderId = await insertOrder(h.db);
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  escalationId = uniqueId('ESC');
  await h.db.escalation.create({
    data: { id: escalationId, orderId, shipmentId, reason: 'stuck', severity: 'medium', detail: LONG_DETAIL, dedupeKey: escalationId },
  });
  await h.db.carrierClaim.create({
    data: {
      id: `claim-${shipmentId}`,
      shipmentId,
      orderId,
      carrierCode: 'swiftpost',
      trackingNumber,
      reason: 'lost',
      amountCents: 1290,
      currency: 'EUR',
      status: 'submitted',
      updatedBy: KEYS.ops.name,
      note: PASTED_URL,
    },
  });
  await page.goto(`${base}/ops`);
  await page.fill('#ops-key', KEYS.ops.key);
  await page.click('#key-panel button[type=submit]');
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const pageWidth = () => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
/** The right edge of the element a selector finds, in page pixels. */
const rightEdge = async (selector: string) => {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not shown`);
  return box.x + box.width;
};

describe('ops pages with long unbroken text', () => {
  it('/ops/claims: a pasted URL in a note wraps, and the claim’s buttons stay on screen', async () => {
    await page.goto(`${base}/ops/claims`);
    await page.waitForSelector('#claims tr[data-claim] button[data-move="paid"]');
    expect(await page.textContent('#claims tr[data-claim]')).toContain(PASTED_URL);
    await page.screenshot({ path: screenshotPath('ops-claims-long-note'), fullPage: true });
    expect(await pageWidth()).toBeLessThanOrEqual(VIEWPORT_WIDTH);
    expect(await rightEdge('#claims button[data-move="paid"]')).toBeLessThanOrEqual(VIEWPORT_WIDTH);
  });

  it('/ops/escalations: a long detail wraps, and the decisions stay on screen', async () => {
    await page.goto(`${base}/ops/escalations`);
    await page.waitForSelector(`#escalations tr[data-escalation="${escalationId}"] button[data-decision="wait"]`);
    expect(await pageWidth()).toBeLessThanOrEqual(VIEWPORT_WIDTH);
    expect(await rightEdge(`tr[data-escalation="${escalationId}"] button[data-decision="wait"]`)).toBeLessThanOrEqual(VIEWPORT_WIDTH);
  });

  it("/ops/orders/<id>: the timeline's long entry wraps within the page", async () => {
    await page.goto(`${base}/ops/orders/${orderId}`);
    await page.waitForSelector('#timeline[data-loaded] li.escalation');
    expect(await page.textContent('#timeline')).toContain(LONG_DETAIL);
    await page.screenshot({ path: screenshotPath('ops-order-long-detail'), fullPage: true });
    expect(await pageWidth()).toBeLessThanOrEqual(VIEWPORT_WIDTH);
  });
});
