import { describe, expect, it } from 'vitest';
import { CARRIER_STATUS_CODES } from '../../domain/tracking-codes';
import { insertFinishedReturn } from '../api/fixtures';
import { KEYS, newKey, carrierWebhook } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';
import { screenshotPath } from '../support/chromium';

/**
 * A return refunded without its goods whose parcel the carrier delivered after all, on /ops/returns in a real headless
 * Chromium: the row says how the return had ended, and its one-click inspection says no refund is due (the customer was
 * refunded then). No worker runs: the return's workflow is gone, the API settles the inspection in the database.
 */
const served = servedInChromium();

describe('/ops/returns, a return parcel that arrived after its return was refunded without it', () => {
  it('shows the parcel as arrived after its close, and a click restocks it with no refund due', async () => {
    const { h, page, base } = served;
    const { orderId, returnId, trackingNumber } = await insertFinishedReturn(h.db, KEYS.intake.name, {
      status: 'completed',
      closeReason: 'refunded_without_goods',
      refundCents: 1290,
    });
    const pushed = await carrierWebhook(h.app, 'swiftpost', [
      {
        carrierCode: 'swiftpost',
        eventId: newKey('EVT-late-page'),
        trackingNumber,
        statusCode: CARRIER_STATUS_CODES.swiftpost.delivered,
        detail: 'Delivered to the warehouse',
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    expect(pushed.json()).toMatchObject({ accepted: 1 });

    await page.goto(`${base}/ops/returns`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    const row = `#returns tr[data-return="${returnId}"]`;
    await page.waitForSelector(`#returns[data-loaded] tr[data-return="${returnId}"] button[data-inspect="restock"]`);
    expect(await page.textContent(row)).toContain('arrived after it closed (refunded without goods)');
    await page.click(`${row} button[data-inspect="restock"]`);
    await page.waitForSelector(`${row}[data-inspected="restock"]`);
    // Before: "refund due 12.90 EUR" and "the shop was told the refund due", for a refund made when ops answered.
    expect(await page.textContent(row)).toContain('no refund due');
    expect(await page.textContent('#status')).toMatch(/the customer was settled when ops answered/);
    await page.screenshot({ path: screenshotPath('ops-returns-arrived-after-close'), fullPage: true });
    const movements = await h.db.inventoryMovement.findMany({ where: { orderId, kind: 'return_receipt' } });
    expect(movements.map((m) => m.onHandDelta)).toEqual([1]);
  });
});
