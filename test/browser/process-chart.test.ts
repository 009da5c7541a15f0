import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page as htmlPage } from '../../api/routes/pages/layout';
import { renderProcessSvg } from '../../api/services/process-svg';
import { BOTTLENECK_RULE, PROCESS_EDGES, PROCESS_NODES, type ProcessChart } from '../../domain/process';
import {
  HINDSIGHT_KNOWN,
  PROMISE_DIMENSIONS,
  type PromiseKeeping,
  SLACK_RULE,
  SLACK_STAGE_LABELS,
  SLACK_STAGES,
} from '../../domain/promise-keeping';
import { createHarness, KEYS, type Harness } from '../api/harness';
import { launchChromium, screenshotPath, type RunningBrowser } from '../support/chromium';

/**
 * The process chart drawn in Chromium with the largest figures a box can carry (six-digit counts,
 * durations of weeks, 100% rates, costs in the millions, the bottleneck tag): every text stays
 * inside its box and the drawing inside its canvas, at 1280 px and on a phone, inline in the ops
 * page and as /process.svg on its own.
 */

let browser: RunningBrowser;
let h: Harness;
beforeAll(async () => {
  browser = await launchChromium();
  h = await createHarness();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const WEEKS = 20 * 86_400_000 + 23 * 3_600_000;

/** The promise panel at its widest: long keys, six-digit counts, costs in the millions, every stage late. */
function crowdedPromise(): PromiseKeeping {
  const group = (i: number) => ({
    key: `very-long-carrier-name-${i} international_priority_express`,
    shipmentsDelivered: 1_234_567,
    onTime: 1_000_000,
    onTimeRate: i % 2 === 0 ? 0.999 : 0.123,
    tightnessP50Hours: -12_345.6,
    tightnessP90Hours: 123_456.7,
    averageCostCents: 987_654_321,
    hindsightOrders: 1_234_567,
    costVsHindsight: 123.456,
  });
  return {
    ordersDelivered: 1_234_567,
    onTime: 1_234_566,
    onTimeRate: 0.999,
    tightnessP50Hours: -123_456.7,
    tightnessP90Hours: 123_456.7,
    costPerOrderCents: 987_654_321,
    hindsight: {
      orders: 1_234_567,
      costPerOrderCents: 123_456_789,
      costVsHindsight: 123.456,
      tightnessP50Hours: -123_456.7,
      note: HINDSIGHT_KNOWN,
    },
    by: Object.fromEntries(PROMISE_DIMENSIONS.map((d) => [d, Array.from({ length: 9 }, (_, i) => group(i))])) as PromiseKeeping['by'],
    late: {
      orders: 1_234_567,
      slackConsumedBy: SLACK_STAGES.map((stage) => ({
        stage,
        label: SLACK_STAGE_LABELS[stage],
        orders: 123_456,
        medianOverrunHours: 1234.5,
      })),
      unattributed: 99_999,
      rule: SLACK_RULE,
    },
  };
}

function crowdedChart(): ProcessChart {
  const nodes = PROCESS_NODES.map((def, i) => ({
    id: def.id,
    label: def.label,
    kind: def.kind,
    lane: def.lane,
    column: def.column,
    ...(def.budgetHours !== undefined ? { budgetHours: def.budgetHours } : {}),
    inStageNow: 123_456,
    completedInWindow: 1_234_567,
    medianMs: WEEKS,
    p95Ms: WEEKS,
    failureRate: 1,
    escalationRate: 0.999,
    escalationsOpened: 99_999,
    overBudgetHours: 123_456.7 - i,
    ...(def.id === 'packing' ? { cost: { packagingCents: 123_456_789 } } : {}),
    ...(def.id === 'booking' ? { cost: { carrierSpendCents: 987_654_321, savingVsFastestCents: -123_456_789 } } : {}),
    bottleneck: def.id === 'booking',
  }));
  return {
    window: {
      from: '2031-06-01T00:00:00.000Z',
      to: '2031-06-08T00:00:00.000Z',
      label: '2031-06-01T00:00:00.000Z – 2031-06-08T00:00:00.000Z',
    },
    generatedAt: '2031-06-08T00:00:00.000Z',
    timeScale: 1440,
    currency: 'EUR',
    nodes,
    edges: PROCESS_EDGES.map(([from, to]) => ({ from, to, count: 1_234_567, main: true })),
    bottleneck: 'booking',
    bottleneckRule: BOTTLENECK_RULE,
    promise: crowdedPromise(),
  };
}

interface Overflow {
  stage: string;
  text: string;
  box: number[];
  inside: number[];
}

/**
 * Texts of a box that leave it, and any drawing outside the canvas, in screen pixels. Runs in the page
 * (plain JavaScript: the test's TypeScript knows no DOM).
 */
const MEASURE = `(() => {
  const svg = document.querySelector('svg');
  const canvas = svg.getBoundingClientRect();
  const r = (b) => [b.left, b.top, b.right, b.bottom].map((v) => Math.round(v * 10) / 10);
  const out = (b, f) => b.left < f.left - 0.5 || b.right > f.right + 0.5 || b.top < f.top - 0.5 || b.bottom > f.bottom + 0.5;
  const boxes = [];
  for (const group of svg.querySelectorAll('g.stage, g.panel')) {
    const frame = group.querySelector('rect').getBoundingClientRect();
    for (const text of group.querySelectorAll('text')) {
      // The bottleneck tag sits on the border on purpose.
      if (text.classList.contains('tag')) continue;
      const b = text.getBoundingClientRect();
      if (out(b, frame)) boxes.push({ stage: group.getAttribute('data-stage') ?? group.getAttribute('data-panel'), text: text.textContent, box: r(frame), inside: r(b) });
    }
  }
  const canvasOverflow = [];
  for (const element of svg.querySelectorAll('text, rect, path')) {
    // Arrowhead markers are templates, drawn only where an arrow ends.
    if (element.closest('defs')) continue;
    const b = element.getBoundingClientRect();
    if (out(b, canvas)) canvasOverflow.push(element.tagName + ' ' + (element.textContent || '') + ' ' + r(b).join(','));
  }
  const fig = svg.querySelector('text.fig');
  const scale = canvas.width / svg.viewBox.baseVal.width;
  return { boxes, canvas: canvasOverflow, panels: svg.querySelectorAll('g.panel').length, smallestFontPx: Number.parseFloat(getComputedStyle(fig).fontSize) * scale };
})()`;

function overflows(page: Page): Promise<{ boxes: Overflow[]; canvas: string[]; panels: number; smallestFontPx: number }> {
  return page.evaluate(MEASURE);
}

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('the process chart in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`keeps every text of the crowded chart inside its box in the ops page at ${viewport.width} px, readable`, async () => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      await page.setContent(
        htmlPage({ title: 'chart', nav: 'ops', body: `<div id="chart" class="chart">${renderProcessSvg(crowdedChart())}</div>` }),
      );
      const found = await overflows(page);
      expect(found.boxes).toEqual([]);
      expect(found.canvas).toEqual([]);
      // The promise panel: four headline tiles and the four breakdowns, measured like the stage boxes.
      expect(found.panels).toBe(8);
      // On a phone the chart scrolls sideways rather than shrinking its figures to specks.
      expect(found.smallestFontPx).toBeGreaterThanOrEqual(7.5);
      await page.screenshot({ path: screenshotPath(`process-crowded-${viewport.name}`), fullPage: true });
      await page.close();
    });
  }

  it('draws /process.svg whole on its own, at its natural size', async () => {
    const response = await h.as(KEYS.ops, { method: 'GET', url: '/process.svg?window=week' });
    expect(response.statusCode).toBe(200);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`data:image/svg+xml;base64,${Buffer.from(response.body).toString('base64')}`);
    const found = await overflows(page);
    expect(found.boxes).toEqual([]);
    expect(found.canvas).toEqual([]);
    await page.close();
  });
});
