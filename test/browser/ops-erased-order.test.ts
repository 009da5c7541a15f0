import { describe, expect, it } from 'vitest';
import { eraseCustomer } from '../../api/services/customer-erasure';
import { KEYS } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';
import { screenshotPath } from '../support/chromium';
import { insertOrderWithPersonalData, PERSONAL, returnIdOf } from '../support/personal-data';

/**
 * An order whose personal data was erased (on request or by retention), on the ops pages in a real headless Chromium.
 * Before, the ops order page showed no sign of it: "[erased]" in the corrections and scans without their words, and
 * nothing to tell ops that the data had gone on purpose, or when. No worker runs: the rows are a journey's, then erased.
 */
const served = servedInChromium();
const shopId = 'shop-erased-page';

/** Text a page must never show for a field an erasure left empty. */
const BROKEN = /\b(undefined|null|NaN|Invalid Date)\b|\[object Object\]/;

async function signIn(path: string, loaded: string): Promise<string[]> {
  const { page, base } = served;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}${path}`);
  await page.fill('#ops-key', KEYS.ops.key);
  await page.click('#key-panel button[type=submit]');
  await page.waitForSelector(loaded, { state: 'attached' });
  return errors;
}

describe('an order whose personal data was erased, on the ops pages', () => {
  it('says so on its order page, with the date, and shows nothing broken where the erased fields were', async () => {
    const { h, page } = served;
    const erased = { orderId: 'ERASEDPAGE-1', customerId: 'CUST-ERASEDPAGE-1' };
    await insertOrderWithPersonalData(h.db, { ...erased, shopId, overDaysAgo: 40 });
    const result = await eraseCustomer(h.db, { id: shopId, customerId: erased.customerId }, 'ops-test');
    expect(result.ordersErased).toBe(1);

    const errors = await signIn(`/ops/orders/${erased.orderId}`, '#timeline[data-loaded]');
    await page.waitForSelector('#order-returns[data-loaded]', { state: 'attached' });
    const badge = page.locator('#erased');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toBe(
      `Personal data erased on ${result.erasedAt.slice(0, 16).replace('T', ' ')} UTC: names, addresses, e-mail and free ` +
        'texts are gone; lines, costs, dates and statuses remain',
    );
    await page.screenshot({ path: screenshotPath('ops-order-erased'), fullPage: true });
    const text = (await page.textContent('main')) ?? '';
    expect(text).not.toMatch(BROKEN);
    expect(text).not.toContain(PERSONAL.street);
    expect(text).not.toContain(PERSONAL.scanDetail);
    expect(errors).toEqual([]);
    expect(await page.getAttribute('#status', 'class')).not.toContain('error');

    // Its returns on /ops/returns: the comment gone, the inspection note erased, the row whole.
    const returnsErrors = await signIn(
      `/ops/returns?order=${erased.orderId}`,
      `#returns[data-loaded] tr[data-return="${returnIdOf(erased.orderId)}"]`,
    );
    const row = (await page.textContent(`#returns tr[data-return="${returnIdOf(erased.orderId)}"]`)) ?? '';
    expect(row).not.toMatch(BROKEN);
    expect(row).not.toContain(PERSONAL.comment);
    expect(returnsErrors).toEqual([]);
  });

  it('shows no such line for an order that keeps its personal data', async () => {
    const { h, page } = served;
    const kept = { orderId: 'ERASEDPAGE-2', customerId: 'CUST-ERASEDPAGE-2' };
    await insertOrderWithPersonalData(h.db, { ...kept, shopId, overDaysAgo: 40 });
    await signIn(`/ops/orders/${kept.orderId}`, '#timeline[data-loaded]');
    expect(await page.locator('#erased').isVisible()).toBe(false);
    expect(await page.textContent('#timeline')).toContain(PERSONAL.scanDetail);
  });
});
