import { describe, expect, it } from 'vitest';
import { KEYS, newKey, orderRequest } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';
import { screenshotPath } from '../support/chromium';
import { createFixtureSku } from '../support/skus';

/**
 * /ops/stock in a real headless Chromium: the levels with what is promised and not yet reserved, and the expected
 * restocks ops announce, re-date and call off from the page. No worker runs: the orders placed here never reserve, so
 * their promises hold the stock they count on.
 */
const served = servedInChromium();

describe('/ops/stock', () => {
  it('shows what promises hold, and announces, re-dates and calls off a restock', async () => {
    const { h, page, base } = served;
    const sku = await createFixtureSku(h.db, `PAGE-${newKey('s').slice(-6).toUpperCase()}`);
    await h.db.inventoryLevel.create({ data: { warehouseCode: 'PAR1', skuCode: sku, onHand: 3, reserved: 0 } });
    const placed = await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey('page') },
      payload: orderRequest({ lines: [{ sku, quantity: 2 }] }),
    });
    expect(placed.statusCode, placed.body).toBe(202);

    await page.goto(`${base}/ops/stock`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    await page.fill('#sku-filter', sku.toLowerCase());
    await page.dispatchEvent('#sku-filter', 'change');
    const level = `#levels tr[data-level="PAR1:${sku}"]`;
    await page.waitForSelector(level);
    expect(await page.textContent(`${level} [data-fact="promised"]`)).toBe('2');
    expect(await page.textContent(`${level} [data-fact="free"]`)).toBe('1');

    // Announce a restock from the form; it lists, then is re-dated by the same reference, then called off.
    const reference = 'PO 77/3';
    const announce = async (days: number) => {
      const at = new Date(Date.now() + days * 86_400_000);
      const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      await page.fill('#restock-reference', reference);
      await page.fill('#restock-warehouse', 'par1');
      await page.fill('#restock-sku', sku);
      await page.fill('#restock-quantity', '12');
      await page.fill('#restock-expected', local);
      await page.click('#announce button[type=submit]');
    };
    await announce(4);
    const row = `#restocks tr[data-restock="${reference}"]`;
    await page.waitForSelector(row);
    expect(await page.textContent('#status')).toMatch(/PO 77\/3 expected .* 0 waiting order\(s\) told/);
    const first = await h.db.inboundStock.findUniqueOrThrow({ where: { reference } });
    expect(first).toMatchObject({ warehouseCode: 'PAR1', skuCode: sku, quantity: 12 });
    await announce(6);
    await page.waitForSelector(`${row}:not([data-expected-at="${first.expectedAt.toISOString()}"])`);
    const moved = await h.db.inboundStock.findUniqueOrThrow({ where: { reference } });
    expect(moved.expectedAt.getTime()).toBeGreaterThan(first.expectedAt.getTime() + 86_400_000);
    await page.screenshot({ path: screenshotPath('ops-stock'), fullPage: true });

    await page.click(`${row} button[data-call-off]`);
    await page.waitForSelector(row, { state: 'detached' });
    expect((await h.db.inboundStock.findUniqueOrThrow({ where: { reference } })).cancelledAt).not.toBeNull();

    // A refusal names the field on the page, and nothing is stored.
    await page.fill('#restock-reference', 'PO 78/1');
    await page.fill('#restock-sku', 'NO-SUCH-SKU');
    await page.click('#announce button[type=submit]');
    await page.waitForSelector('#status.error');
    expect(await page.textContent('#status')).toContain('body.skuCode');
    expect(await h.db.inboundStock.count({ where: { reference: 'PO 78/1' } })).toBe(0);
  });
});
