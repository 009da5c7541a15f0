import {
  PROCESS_LANES,
  formatDuration,
  formatMoney,
  formatPercent,
  type ProcessChart,
  type ProcessEdge,
  type ProcessNode,
} from '../../domain/process';
import { PROMISE_PANEL_HEIGHT, renderPromisePanel } from './promise-svg';

/**
 * The process chart as a standalone SVG: one lane per department, a box per stage with its figures,
 * arrows for the journey's flows with their counts, the bottleneck in a warm colour. Drawn by hand
 * (no library): the layout is the fixed grid of domain/process.ts.
 */

const BOX_W = 214;
const BOX_H = 128;
const GAP_X = 60;
const GAP_Y = 62;
const LEFT = 118;
const TOP = 96;
const COLUMNS = 6;

const LANE_TITLES: Record<(typeof PROCESS_LANES)[number], string> = {
  order: 'Order',
  warehouse: 'Warehouse',
  carrier: 'Carrier',
  exceptions: 'Exceptions',
};

interface Box {
  x: number;
  y: number;
  node: ProcessNode;
}

/**
 * Text is drawn without measuring it (no fonts on the server), so each line is given the width it may
 * take: when a generous estimate of its width (wide sans-serif glyphs: DejaVu Sans's digits are 0.64 em)
 * exceeds that, `textLength` squeezes it into the box instead of letting it run over the border.
 */
const EM_PER_CHAR = { regular: 0.64, bold: 0.74 } as const;

function fitted(text: string, fontSize: number, weight: keyof typeof EM_PER_CHAR, maxWidth: number): string {
  const estimate = text.length * fontSize * EM_PER_CHAR[weight];
  return estimate > maxWidth ? ` textLength="${Math.floor(maxWidth)}" lengthAdjust="spacingAndGlyphs"` : '';
}

const TEXT_W = BOX_W - 24;
const NOW_W = 56;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function boxOf(node: ProcessNode): Box {
  const lane = PROCESS_LANES.indexOf(node.lane);
  return { x: LEFT + node.column * (BOX_W + GAP_X), y: TOP + lane * (BOX_H + GAP_Y), node };
}

function style(node: ProcessNode): { fill: string; stroke: string; width: number; dash?: string } {
  if (node.bottleneck) return { fill: '#ffedd5', stroke: '#ea580c', width: 4 };
  switch (node.kind) {
    case 'end':
      return { fill: '#ecfdf5', stroke: '#059669', width: 2 };
    case 'escalation':
      return { fill: '#f5f3ff', stroke: '#7c3aed', width: 1.5, dash: '6 4' };
    case 'side':
      return { fill: '#f1f5f9', stroke: '#64748b', width: 1.5 };
    case 'stage':
      return { fill: '#ffffff', stroke: '#334155', width: 1.5 };
  }
}

function figureLines(node: ProcessNode, currency: string): string[] {
  if (node.kind === 'end') {
    return [
      `${node.completedInWindow} delivered in window`,
      `order→door median ${formatDuration(node.medianMs)}`,
      `p95 ${formatDuration(node.p95Ms)}`,
    ];
  }
  if (node.kind === 'escalation') {
    return [
      '',
      `${node.escalationsOpened} opened · ${node.completedInWindow} resolved`,
      `decided in ${formatDuration(node.medianMs)} (median)`,
      `p95 ${formatDuration(node.p95Ms)}`,
    ];
  }
  const lines = [
    `${node.completedInWindow} done in window`,
    `median ${formatDuration(node.medianMs)} · p95 ${formatDuration(node.p95Ms)}`,
    `failed ${formatPercent(node.failureRate)} · escalated ${formatPercent(node.escalationRate)}`,
  ];
  if (node.cost?.packagingCents !== undefined) lines.push(`boxes ${formatMoney(node.cost.packagingCents, currency)}`);
  if (node.cost?.carrierSpendCents !== undefined) {
    lines.push(`spend ${formatMoney(node.cost.carrierSpendCents, currency)}`);
  }
  if (node.bottleneck) lines.push(`${node.overBudgetHours} h over budget`);
  else if (node.cost?.savingVsFastestCents !== undefined)
    lines.push(`saved ${formatMoney(node.cost.savingVsFastestCents, currency)} vs fastest`);
  return lines;
}

function renderBox(box: Box, currency: string): string {
  const { node, x, y } = box;
  const s = style(node);
  const parts: string[] = [];
  // The title shares its line with the "now" count at the right: the count takes at most NOW_W (a
  // larger count is squeezed), the title what is left.
  const now = String(node.inStageNow);
  const nowWidth = node.kind === 'end' ? 0 : Math.min(NOW_W, Math.max(now.length * 24 * EM_PER_CHAR.bold, 30)) + 8;
  parts.push(
    `<g class="stage" data-stage="${escapeXml(node.id)}"${node.bottleneck ? ' data-bottleneck="true"' : ''}>`,
    `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="10" fill="${s.fill}" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    `<text x="${x + 12}" y="${y + 24}" class="title"${fitted(node.label, 15, 'bold', TEXT_W - nowWidth)}>${escapeXml(node.label)}</text>`,
  );
  if (node.kind === 'escalation') parts.push(`<text x="${x + 12}" y="${y + 38}" class="kicker">ESCALATION</text>`);
  if (node.kind !== 'end') {
    const nowColour = node.inStageNow > 0 ? (node.bottleneck ? '#c2410c' : node.kind === 'escalation' ? '#6d28d9' : '#0f172a') : '#94a3b8';
    parts.push(
      `<text x="${x + BOX_W - 12}" y="${y + 27}" text-anchor="end" class="now" fill="${nowColour}"${fitted(now, 24, 'bold', NOW_W)}>${now}</text>`,
      `<text x="${x + BOX_W - 12}" y="${y + 40}" text-anchor="end" class="nowlabel">${node.kind === 'escalation' ? 'open' : 'now'}</text>`,
    );
  }
  figureLines(node, currency).forEach((line, i) => {
    if (line === '') return;
    const bold = node.bottleneck && line.endsWith('over budget');
    const fit = fitted(line, 12.5, bold ? 'bold' : 'regular', TEXT_W);
    parts.push(`<text x="${x + 12}" y="${y + 52 + i * 17}" class="${bold ? 'fig hot' : 'fig'}"${fit}>${escapeXml(line)}</text>`);
  });
  if (node.bottleneck) {
    parts.push(
      `<rect x="${x + 12}" y="${y - 13}" width="104" height="22" rx="11" fill="#ea580c"/>`,
      `<text x="${x + 64}" y="${y + 3}" text-anchor="middle" class="tag">BOTTLENECK</text>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

function route(from: Box, to: Box): [number, number][] {
  const fromLane = from.y;
  const toLane = to.y;
  if (fromLane === toLane) {
    const forward = to.x > from.x;
    const y = from.y + BOX_H / 2;
    return forward
      ? [
          [from.x + BOX_W, y],
          [to.x, y],
        ]
      : [
          [from.x, y],
          [to.x + BOX_W, y],
        ];
  }
  const fx = from.x + BOX_W / 2;
  const tx = to.x + BOX_W / 2;
  if (toLane > fromLane) {
    const midY = from.y + BOX_H + GAP_Y / 2;
    return fx === tx
      ? [
          [fx, from.y + BOX_H],
          [tx, to.y],
        ]
      : [
          [fx, from.y + BOX_H],
          [fx, midY],
          [tx, midY],
          [tx, to.y],
        ];
  }
  const midY = from.y - GAP_Y / 2;
  return fx === tx
    ? [
        [fx, from.y],
        [tx, to.y + BOX_H],
      ]
    : [
        [fx, from.y],
        [fx, midY],
        [tx, midY],
        [tx, to.y + BOX_H],
      ];
}

function renderEdge(edge: ProcessEdge, boxes: Map<string, Box>, maxCount: number, labelSlots: Set<string>): string {
  const from = boxes.get(edge.from);
  const to = boxes.get(edge.to);
  if (!from || !to) return '';
  const points = route(from, to);
  const width = edge.count === 0 ? 1.2 : 1.6 + 4 * Math.sqrt(edge.count / Math.max(1, maxCount));
  const colour = edge.count === 0 ? '#cbd5e1' : '#475569';
  const path = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px},${py}`).join(' ');
  // The label sits on the longest segment; a second arrow sharing that spot moves its label along.
  let best = 0;
  let bestLength = -1;
  for (let i = 0; i < points.length - 1; i++) {
    const [ax, ay] = points[i] ?? [0, 0];
    const [bx, by] = points[i + 1] ?? [0, 0];
    const length = Math.abs(bx - ax) + Math.abs(by - ay);
    if (length > bestLength) {
      bestLength = length;
      best = i;
    }
  }
  const [ax, ay] = points[best] ?? [0, 0];
  const [bx, by] = points[best + 1] ?? [0, 0];
  let lx = (ax + bx) / 2;
  let ly = (ay + by) / 2;
  while (labelSlots.has(`${Math.round(lx)},${Math.round(ly)}`)) {
    if (ay === by) lx += 40;
    else ly += 20;
  }
  labelSlots.add(`${Math.round(lx)},${Math.round(ly)}`);
  const text = String(edge.count);
  const labelWidth = 10 + 7.5 * text.length;
  return (
    `<g class="flow" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}">` +
    `<path d="${path}" fill="none" stroke="${colour}" stroke-width="${width.toFixed(1)}" marker-end="url(#${edge.count === 0 ? 'arrow-idle' : 'arrow'})"${edge.count === 0 ? ' stroke-dasharray="4 4"' : ''}/>` +
    (edge.count > 0
      ? `<rect x="${lx - labelWidth / 2}" y="${ly - 10}" width="${labelWidth}" height="20" rx="10" fill="#ffffff" stroke="${colour}"/>` +
        `<text x="${lx}" y="${ly + 4.5}" text-anchor="middle" class="count">${text}</text>`
      : '') +
    '</g>'
  );
}

const shortTime = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function renderProcessSvg(chart: ProcessChart): string {
  const boxes = new Map(chart.nodes.map((node) => [node.id, boxOf(node)]));
  const width = LEFT + COLUMNS * BOX_W + (COLUMNS - 1) * GAP_X + 24;
  const lanesBottom = TOP + PROCESS_LANES.length * (BOX_H + GAP_Y) + 22;
  const height = lanesBottom + PROMISE_PANEL_HEIGHT;
  const mainEdges = chart.edges.filter((e) => e.main);
  const maxCount = Math.max(1, ...mainEdges.map((e) => e.count));
  const labelSlots = new Set<string>();
  const bottleneck = chart.nodes.find((n) => n.bottleneck);
  const windowLabel = chart.window.label.startsWith('last')
    ? chart.window.label
    : `${shortTime(chart.window.from)} – ${shortTime(chart.window.to)}`;
  const subtitle =
    `${windowLabel} · durations in business time${chart.timeScale !== 1 ? ` (clock ×${chart.timeScale})` : ''} · ` +
    (bottleneck ? `bottleneck: ${bottleneck.label} (${bottleneck.overBudgetHours} h over budget)` : 'no stage over its time budget');

  const lanes = PROCESS_LANES.map((lane, i) => {
    const y = TOP + i * (BOX_H + GAP_Y) - 22;
    return (
      `<rect x="8" y="${y}" width="${width - 16}" height="${BOX_H + 44}" rx="12" fill="${i % 2 === 0 ? '#f8fafc' : '#f1f5f9'}"/>` +
      `<text x="22" y="${y + 22 + BOX_H / 2 + 6}" class="lane">${LANE_TITLES[lane]}</text>`
    );
  }).join('');

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Colis process chart">`,
    '<defs>',
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="13" markerHeight="13" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker>',
    '<marker id="arrow-idle" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#cbd5e1"/></marker>',
    '<style>',
    'text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;fill:#1e293b}',
    '.title{font-size:15px;font-weight:700}.fig{font-size:12.5px;fill:#334155}.hot{fill:#c2410c;font-weight:700}',
    '.now{font-size:24px;font-weight:800}.nowlabel{font-size:10px;fill:#64748b;text-transform:uppercase;letter-spacing:.06em}',
    '.lane{font-size:14px;font-weight:700;fill:#475569}.count{font-size:12px;font-weight:700}',
    '.kicker{font-size:10px;font-weight:700;fill:#7c3aed;letter-spacing:.08em}',
    '.tag{font-size:11px;font-weight:800;fill:#ffffff;letter-spacing:.08em}',
    '.h1{font-size:22px;font-weight:800}.sub{font-size:13px;fill:#475569}',
    '.big{font-size:24px;font-weight:800}.head{fill:#64748b;font-weight:700}',
    '</style>',
    '</defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="32" class="h1">Order journey</text>`,
    `<text x="16" y="54" class="sub">${escapeXml(subtitle)}</text>`,
    lanes,
    ...mainEdges.map((edge) => renderEdge(edge, boxes, maxCount, labelSlots)),
    ...[...boxes.values()].map((box) => renderBox(box, chart.currency)),
    renderPromisePanel(chart.promise, chart.currency, { x: 16, y: lanesBottom, width: width - 32 }, fitted, escapeXml),
    '</svg>',
  ].join('\n');
}
