import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { KEYS } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';

/**
 * The /ops process chart polls every 15 s while its tab is on screen, and not at all behind other tabs (each poll is the
 * chart's whole computation in PostgreSQL); shown again, it redraws at once. The page's clock is Playwright's, run
 * forward by hand; the tab's visibility is set as the browser would report it.
 */
const served = servedInChromium();

/** The page's document as the browser reports it when its tab is hidden or shown again. */
async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate(
    `Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
     document.dispatchEvent(new Event('visibilitychange'));`,
  );
}

describe('/ops chart polling', () => {
  it('polls while shown, stops behind other tabs, and redraws at once when shown again', async () => {
    const { page, base } = served;
    await page.clock.install();
    const polls: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/process.svg') polls.push(request.url());
    });
    await page.goto(`${base}/ops`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    await page.waitForSelector('#chart[data-loaded] svg');
    await expect.poll(() => polls.length).toBe(1);
    expect(await page.textContent('#status')).toMatch(/refreshes every 15 s while shown/);

    await page.clock.runFor(15_500);
    await expect.poll(() => polls.length).toBe(2);

    await setVisibility(page, 'hidden');
    await page.clock.runFor(60_000);
    // Four intervals passed behind another tab: no poll (a request would have been seen by now, it is on loopback).
    await page.waitForTimeout(500);
    expect(polls).toHaveLength(2);

    await setVisibility(page, 'visible');
    await expect.poll(() => polls.length).toBe(3);
    await page.clock.runFor(15_000);
    await expect.poll(() => polls.length).toBe(4);
  });
});
