import { formatMoney, formatPercent } from '../../domain/process';
import { PROMISE_DIMENSIONS, type PromiseDimension, type PromiseGroup, type PromiseKeeping } from '../../domain/promise-keeping';

/**
 * The process chart's promise panel, drawn under the lanes: on-time against the intake promise, how tight
 * the promises were, cost against hindsight, which stage ate the slack of the late orders, and the same
 * figures by carrier, service, warehouse and lane. Each tile and table is a `g.panel` whose first rect is
 * its frame: every text is squeezed to the width it is given (see `fitted` in process-svg.ts).
 */

export interface PanelFrame {
  x: number;
  y: number;
  width: number;
}

export type Squeeze = (text: string, fontSize: number, weight: 'regular' | 'bold', maxWidth: number) => string;
export type Escape = (text: string) => string;

const GAP = 16;
const TILE_H = 104;
const ROWS = 6;
const ROW_H = 18;
const TABLE_H = 40 + (ROWS + 1) * ROW_H;

const DIMENSION_TITLES: Record<PromiseDimension, string> = {
  carrier: 'By carrier',
  service: 'By service',
  warehouse: 'By warehouse',
  lane: 'By lane (warehouse → customer country)',
};

const hoursText = (h: number | null) => (h === null ? '–' : `${h} h`);
const ratioText = (r: number | null) => (r === null ? '–' : `×${r.toFixed(2)}`);

export const PROMISE_PANEL_HEIGHT = 40 + TILE_H + GAP + TABLE_H + GAP;

export function renderPromisePanel(promise: PromiseKeeping, currency: string, frame: PanelFrame, squeeze: Squeeze, esc: Escape): string {
  const columnW = (frame.width - 3 * GAP) / 4;
  const text = (x: number, y: number, cls: string, value: string, size: number, weight: 'regular' | 'bold', max: number, anchor = '') =>
    value === '' ? '' : `<text x="${x}" y="${y}" class="${cls}"${anchor}${squeeze(value, size, weight, max)}>${esc(value)}</text>`;

  const tile = (i: number, id: string, title: string, big: string, lines: string[]) => {
    const x = frame.x + i * (columnW + GAP);
    const y = frame.y + 40;
    const inner = columnW - 24;
    return [
      `<g class="panel" data-panel="${id}">`,
      `<rect x="${x}" y="${y}" width="${columnW}" height="${TILE_H}" rx="10" fill="#ffffff" stroke="#334155" stroke-width="1.5"/>`,
      text(x + 12, y + 22, 'title', title, 15, 'bold', inner),
      text(x + 12, y + 52, 'big', big, 24, 'bold', inner),
      ...lines.map((line, n) => text(x + 12, y + 72 + n * 17, 'fig', line, 12.5, 'regular', inner)),
      '</g>',
    ].join('');
  };

  const slack = [
    ...promise.late.slackConsumedBy
      .filter((s) => s.orders > 0)
      .sort((a, b) => b.orders - a.orders)
      .map((s) => `${s.label} ${s.orders}`),
    ...(promise.late.unattributed > 0 ? [`unjudged ${promise.late.unattributed}`] : []),
  ];
  const slackLines =
    promise.late.orders === 0 ? ['none late against the intake promise'] : [slack.slice(0, 2).join(' · '), slack.slice(2).join(' · ')];
  const hindsightLine =
    promise.hindsight.orders === 0
      ? 'vs hindsight: not known'
      : `${ratioText(promise.hindsight.costVsHindsight)} hindsight (${promise.hindsight.orders} orders)`;
  const tiles = [
    tile(0, 'on-time', 'On time vs intake promise', formatPercent(promise.onTimeRate), [
      `${promise.onTime} of ${promise.ordersDelivered} orders delivered`,
      'by the date promised at intake',
    ]),
    tile(1, 'tightness', 'Promise tightness', `p50 ${hoursText(promise.tightnessP50Hours)}`, [
      `p90 ${hoursText(promise.tightnessP90Hours)}` +
        (promise.hindsight.tightnessP50Hours === null
          ? ''
          : ` · vs fastest feasible p50 ${hoursText(promise.hindsight.tightnessP50Hours)}`),
      'promised − delivered, business hours',
    ]),
    tile(2, 'cost', 'Cost per order', promise.costPerOrderCents === null ? '–' : formatMoney(promise.costPerOrderCents, currency), [
      'boxes + carrier',
      hindsightLine,
    ]),
    tile(3, 'late', 'Late orders: slack used by', `${promise.late.orders} late`, slackLines),
  ];

  const table = (i: number, dimension: PromiseDimension, groups: readonly PromiseGroup[]) => {
    const x = frame.x + i * (columnW + GAP);
    const y = frame.y + 40 + TILE_H + GAP;
    const inner = columnW - 24;
    // Key, on time, p50 tightness, average cost, × hindsight: fractions of the inner width.
    const widths = [0.3, 0.16, 0.16, 0.22, 0.16].map((f) => f * inner);
    const starts = widths.map((_, n) => x + 12 + widths.slice(0, n).reduce((a, b) => a + b, 0));
    const row = (cells: string[], ry: number, cls: string, weight: 'regular' | 'bold') =>
      cells
        .map((cell, n) => {
          const w = (widths[n] ?? 0) - 6;
          const start = starts[n] ?? x;
          return n === 0
            ? text(start, ry, cls, cell, 12.5, weight, w)
            : text(start + (widths[n] ?? 0) - 6, ry, cls, cell, 12.5, weight, w, ' text-anchor="end"');
        })
        .join('');
    const shown = groups.slice(0, ROWS);
    const more = groups.length - shown.length;
    return [
      `<g class="panel" data-panel="by-${dimension}">`,
      `<rect x="${x}" y="${y}" width="${columnW}" height="${TABLE_H}" rx="10" fill="#ffffff" stroke="#94a3b8" stroke-width="1.2"/>`,
      text(
        x + 12,
        y + 22,
        'title',
        DIMENSION_TITLES[dimension] + (more > 0 ? ` (top ${ROWS} of ${groups.length})` : ''),
        15,
        'bold',
        inner,
      ),
      row(['', 'on time', 'p50', 'cost', 'vs hs'], y + 40, 'fig head', 'bold'),
      ...(shown.length === 0 ? [text(x + 12, y + 40 + ROW_H, 'fig', 'no delivery in the window', 12.5, 'regular', inner)] : []),
      ...shown.map((g, n) =>
        row(
          [
            g.key,
            formatPercent(g.onTimeRate),
            hoursText(g.tightnessP50Hours),
            g.averageCostCents === null ? '–' : formatMoney(g.averageCostCents, currency),
            ratioText(g.costVsHindsight),
          ],
          y + 40 + (n + 1) * ROW_H,
          g.onTimeRate !== null && g.onTimeRate < 0.95 ? 'fig hot' : 'fig',
          'regular',
        ),
      ),
      '</g>',
    ].join('');
  };

  return [
    `<g class="promise" data-section="promise">`,
    `<rect x="${frame.x - 8}" y="${frame.y}" width="${frame.width + 16}" height="${PROMISE_PANEL_HEIGHT - 8}" rx="12" fill="#f8fafc"/>`,
    text(
      frame.x,
      frame.y + 26,
      'lane',
      'Promises — kept against the date given at intake, and what keeping them cost',
      14,
      'bold',
      frame.width,
    ),
    ...tiles,
    ...PROMISE_DIMENSIONS.map((dimension, i) => table(i, dimension, promise.by[dimension])),
    '</g>',
  ].join('');
}
