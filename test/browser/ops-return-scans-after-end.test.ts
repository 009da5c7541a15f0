import { describe, expect, it } from 'vitest';
import { CARRIER_STATUS_CODES } from '../../domain/tracking-codes';
import { insertFinishedReturn } from '../api/fixtures';
import { KEYS, newKey, carrierWebhook } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';
import { screenshotPath } from '../support/chromium';

/**
 * A return that expired unused, whose label the carrier scans after all, in a real headless Chromium. No workflow is
 * left to hear the scan: before, it was dropped with a log line and no page said the carrier had the parcel. Now it is
 * stored (api/services/scans-after-end.ts), said in the return's row on /ops/returns and listed on /ops/escalations.
 */
const served = servedInChromium();

describe("a return parcel's scan after its return ended, on the ops pages", () => {
  it('the return row says what the carrier said, and the escalations page lists it linking the return', async () => {
    const { h, page, base } = served;
    const { orderId, returnId, trackingNumber } = await insertFinishedReturn(h.db, KEYS.intake.name, {
      status: 'expired',
      closeReason: 'expired',
    });
    const pushed = await carrierWebhook(h.app, 'swiftpost', [
      {
        carrierCode: 'swiftpost',
        eventId: newKey('EVT-rma-page'),
        trackingNumber,
        statusCode: CARRIER_STATUS_CODES.swiftpost.in_transit,
        detail: 'Handed over at the post office',
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    expect(pushed.json()).toMatchObject({ accepted: 1 });

    await page.goto(`${base}/ops/returns?order=${encodeURIComponent(orderId)}`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    const row = `#returns[data-loaded] tr[data-return="${returnId}"]`;
    await page.waitForSelector(row);
    const state = await page.textContent(`${row} [data-fact="state"]`);
    expect(state).toContain('ended without goods: the label expired unused');
    expect(state).toContain('after it ended, the carrier said: in transit');
    await page.screenshot({ path: screenshotPath('ops-return-scan-after-end'), fullPage: true });

    await page.goto(`${base}/ops/escalations`);
    const listed = `#after-end tr[data-after-end^="swiftpost:${trackingNumber}:"]`;
    await page.waitForSelector(listed);
    expect(await page.isVisible('#after-end-section')).toBe(true);
    const cells = await page.$$eval(`${listed} td`, (tds) => tds.map((td) => td.textContent ?? ''));
    expect(cells.slice(0, 4)).toEqual(['swiftpost', trackingNumber, 'in transit', 'return expired']);
    expect(cells[5]).toContain(`return ${returnId} — Handed over at the post office`);
    const links = await page.$$eval(`${listed} a`, (anchors) => anchors.map((a) => a.getAttribute('href')));
    expect(links).toEqual([`/ops/orders/${orderId}`, `/ops/returns?order=${orderId}#return-${returnId}`]);
  });
});
