import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page as htmlPage } from '../../api/routes/pages/layout';
import { launchChromium, type RunningBrowser } from '../support/chromium';

/**
 * The ops pages' header on a phone, in a real headless Chromium. Before: the header was one row that never wrapped; at 390 px
 * its dark band ended at the screen's edge while "Returns", "Claims", "Stock" and the ops key's label ran on past it, white
 * text on the page's near-white background, unreadable, and the whole page scrolled sideways to reach "Use key".
 */
let browser: RunningBrowser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Every header item whose box is not inside the header's dark band, and how wide the page is against the screen. */
const MEASURE = `(() => {
  const header = document.querySelector('header').getBoundingClientRect();
  const outside = [...document.querySelectorAll('header a, header label, header input, header button, header .brand')]
    .filter((item) => {
      const box = item.getBoundingClientRect();
      return box.left < header.left - 0.5 || box.right > header.right + 0.5 || box.top < header.top - 0.5 || box.bottom > header.bottom + 0.5;
    })
    .map((item) => item.textContent || item.id || item.tagName);
  return { outside, pageWidth: document.documentElement.scrollWidth, screen: window.innerWidth };
})()`;

describe("the ops pages' header on a phone", () => {
  for (const width of [360, 390]) {
    it(`keeps every link and the key field on its dark band at ${width} px, without widening the page`, async () => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height: 800 });
      await page.setContent(htmlPage({ title: 'Claims', nav: 'claims', body: '<h1>Carrier claims</h1>' }));
      const found = (await page.evaluate(MEASURE)) as { outside: string[]; pageWidth: number; screen: number };
      expect(found.outside).toEqual([]);
      expect(found.pageWidth).toBeLessThanOrEqual(found.screen);
      await page.close();
    });
  }

  it('stays one row on a desktop screen', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.setContent(htmlPage({ title: 'Claims', nav: 'claims', body: '<h1>Carrier claims</h1>' }));
    const heights = await page.evaluate("[...document.querySelectorAll('header a')].map((a) => Math.round(a.getBoundingClientRect().top))");
    // One row: the current page's link sits a pixel or two off the others (its underline), never a row lower.
    expect(Math.max(...(heights as number[])) - Math.min(...(heights as number[]))).toBeLessThanOrEqual(4);
    await page.close();
  });
});
