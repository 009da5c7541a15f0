import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FulfilmentReport } from '../../api/services/process-report';
import type { ProcessChart, ProcessNode } from '../../domain/process';
import { createHarness, expectErrorShape, KEYS, newKey, orderRequest, TRACKING_SECRET, type Harness } from './harness';
import { insertOrder, insertShipment, uniqueId } from './fixtures';
import { trackingPath } from '../../api/routes/pages/tracking-token';

/**
 * The process chart from stage rows as the workflows write them: figures per stage (in SQL),
 * flows, the bottleneck rule, the SVG drawing, the fulfilment report and the metrics endpoint.
 */
let h: Harness;
const HOUR = 3_600_000;
const T0 = Date.parse('2031-06-01T08:00:00Z');
const WINDOW = `from=${encodeURIComponent('2031-06-01T00:00:00Z')}&to=${encodeURIComponent('2031-06-08T00:00:00Z')}`;
const orderIds: string[] = [];
let stuckShipmentId = '';

async function stage(
  orderId: string,
  shipmentId: string | null,
  name: string,
  startMs: number,
  hours: number | null,
  outcome: 'ok' | 'failed' = 'ok',
) {
  const id = uniqueId('ST');
  await h.db.stageTiming.create({
    data: {
      id,
      dedupeKey: id,
      orderId,
      shipmentId,
      stage: name,
      startedAt: new Date(startMs),
      endedAt: hours === null ? null : new Date(startMs + hours * HOUR),
      outcome: hours === null ? null : outcome,
    },
  });
  return startMs + (hours ?? 0) * HOUR;
}

beforeAll(async () => {
  h = await createHarness();
  // Four delivered shipments whose picks took 1, 2, 3 and 4 hours; one more stuck at hand-over.
  for (let i = 0; i < 5; i++) {
    const orderId = await insertOrder(h.db, { status: i < 4 ? 'completed' : 'fulfilling', createdAt: new Date(T0 + i * HOUR) });
    orderIds.push(orderId);
    const { shipmentId } = await insertShipment(h.db, orderId);
    let t = T0 + i * HOUR;
    t = await stage(orderId, null, 'intake', t, 0.001);
    t = await stage(orderId, null, 'reserving', t, 0.01);
    await stage(orderId, null, 'fulfilment', t, i < 4 ? 40 : null);
    t = await stage(orderId, shipmentId, 'waiting_for_pick_slot', t, 0.5);
    t = await stage(orderId, shipmentId, 'picking', t, i < 4 ? i + 1 : 1);
    t = await stage(orderId, shipmentId, 'packing', t, 0.5, i === 0 ? 'failed' : 'ok');
    t = await stage(orderId, shipmentId, 'rating', t, 0.01);
    t = await stage(orderId, shipmentId, 'booking', t, 0.01);
    if (i === 4) {
      await stage(orderId, shipmentId, 'label_created', t, null);
      stuckShipmentId = shipmentId;
      await h.db.shipment.update({
        where: { id: shipmentId },
        data: { status: 'label_created', packedAt: new Date(t), fastestCostCents: 990, packagingCostCents: 120 },
      });
      continue;
    }
    t = await stage(orderId, shipmentId, 'label_created', t, 2);
    t = await stage(orderId, shipmentId, 'in_transit', t, 24);
    t = await stage(orderId, shipmentId, 'out_for_delivery', t, 4);
    await h.db.shipment.update({
      where: { id: shipmentId },
      data: {
        status: 'delivered',
        deliveredAt: new Date(t),
        shippedAt: new Date(t - 28 * HOUR),
        shippingCostCents: 690,
        packedAt: new Date(T0 + i * HOUR + 2 * HOUR),
        packagingCostCents: 120,
        fastestCostCents: 990,
        promisedBy: new Date(t + (i === 3 ? -HOUR : HOUR)),
        promiseMiss: false,
      },
    });
    await h.db.order.update({
      where: { id: orderId },
      data: {
        completedAt: new Date(t),
        packagingCostCents: 120,
        shippingCostCents: 690,
        promisedBy: new Date(t + (i === 3 ? -HOUR : HOUR)),
      },
    });
  }
  // Labels are bought inside the window; the stuck shipment has not moved for 100 hours.
  await h.db.label.updateMany({
    where: { shipmentId: { in: orderIds.map((o) => `${o}-S1`) } },
    data: { purchasedAt: new Date(T0 + 3 * HOUR) },
  });
  await h.db.$executeRaw`UPDATE "Shipment" SET "updatedAt" = now() - interval '100 hours' WHERE id = ${stuckShipmentId}`;
  await h.db.escalation.create({
    data: {
      id: uniqueId('ESC'),
      orderId: orderIds[4] ?? '',
      shipmentId: stuckShipmentId,
      reason: 'stuck',
      severity: 'medium',
      detail: 'no scan',
      dedupeKey: uniqueId('D'),
      openedAt: new Date(T0 + 30 * HOUR),
    },
  });
});
afterAll(async () => h?.close());

const ops = (url: string) => h.as(KEYS.ops, { method: 'GET', url });
const node = (chart: ProcessChart, id: string): ProcessNode => {
  const found = chart.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found;
};

describe('GET /process', () => {
  it('gives each stage its figures: in stage now, completed in the window, median and p95, failure and escalation rates, costs', async () => {
    const response = await ops(`/process?${WINDOW}`);
    expect(response.statusCode, response.body).toBe(200);
    const chart = response.json() as ProcessChart;
    expect(chart.window).toMatchObject({ from: '2031-06-01T00:00:00.000Z', to: '2031-06-08T00:00:00.000Z' });

    const picking = node(chart, 'picking');
    expect(picking.completedInWindow).toBe(5);
    expect(picking.medianMs).toBe(2 * HOUR);
    // percentile_cont over 1,1,2,3,4 h: 4 h − 0.2 × 1 h
    expect(picking.p95Ms).toBe(3.8 * HOUR);
    expect(node(chart, 'packing')).toMatchObject({ completedInWindow: 5, failureRate: 0.2, cost: { packagingCents: 600 } });
    expect(node(chart, 'booking').cost).toEqual({ carrierSpendCents: 5 * 690, savingVsFastestCents: 5 * 300 });
    expect(node(chart, 'label_created')).toMatchObject({ inStageNow: 1, completedInWindow: 4, escalationsOpened: 1, escalationRate: 0.2 });
    expect(node(chart, 'delivered')).toMatchObject({ completedInWindow: 4 });
    expect(node(chart, 'escalation:stuck')).toMatchObject({ inStageNow: 1, escalationsOpened: 1 });
  });

  it('counts the flows between stages, order stages feeding the warehouse, the last stage feeding delivered', async () => {
    const chart = (await ops(`/process?${WINDOW}`)).json() as ProcessChart;
    const flow = (from: string, to: string) => chart.edges.find((e) => e.from === from && e.to === to)?.count;
    expect(flow('intake', 'reserving')).toBe(5);
    expect(flow('reserving', 'waiting_for_pick_slot')).toBe(5);
    expect(flow('picking', 'packing')).toBe(5);
    expect(flow('booking', 'label_created')).toBe(5);
    expect(flow('label_created', 'in_transit')).toBe(4);
    expect(flow('out_for_delivery', 'delivered')).toBe(4);
    expect(flow('label_created', 'escalation:stuck')).toBe(1);
    expect(flow('reserving', 'backordered')).toBe(0);
  });

  it('flags the stage with the most time over its budget: the shipment stuck at hand-over, not the long but healthy transit', async () => {
    const chart = (await ops(`/process?${WINDOW}`)).json() as ProcessChart;
    expect(chart.bottleneck).toBe('label_created');
    expect(node(chart, 'label_created')).toMatchObject({ bottleneck: true });
    expect(node(chart, 'label_created').overBudgetHours).toBeGreaterThanOrEqual(75);
    expect(node(chart, 'in_transit').overBudgetHours).toBe(0);
    expect(chart.nodes.filter((n) => n.bottleneck)).toHaveLength(1);
    expect(chart.bottleneckRule).toMatch(/budget/);
  });

  it('accepts window=hour|day|week, refuses a mixed or reversed window, and is ops-only', async () => {
    for (const window of ['hour', 'day', 'week']) expect((await ops(`/process?window=${window}`)).statusCode).toBe(200);
    expectErrorShape(await ops('/process?window=month'), 400, 'validation_failed');
    expectErrorShape(await ops(`/process?window=day&${WINDOW}`), 400, 'validation_failed');
    expectErrorShape(await ops('/process?from=2031-06-08T00:00:00Z&to=2031-06-01T00:00:00Z'), 400, 'validation_failed');
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: '/process' }), 403, 'forbidden');
    expectErrorShape(await h.as(undefined, { method: 'GET', url: '/process.svg' }), 401, 'unauthorized');
  });
});

describe('GET /process: parcels waiting on ops', () => {
  it('makes an escalation that has waited on ops longer than any stage ran over its budget the bottleneck', async () => {
    const id = uniqueId('ESC');
    await h.db.escalation.create({
      data: {
        id,
        orderId: orderIds[0] ?? '',
        shipmentId: stuckShipmentId,
        reason: 'stuck',
        severity: 'high',
        detail: 'no scan for days',
        dedupeKey: uniqueId('D'),
        openedAt: new Date(Date.now() - 200 * HOUR),
      },
    });
    try {
      const chart = (await ops(`/process?${WINDOW}`)).json() as ProcessChart;
      expect(chart.bottleneck).toBe('escalation:stuck');
      expect(node(chart, 'escalation:stuck').overBudgetHours).toBeGreaterThanOrEqual(200);
      expect(chart.nodes.filter((n) => n.bottleneck)).toHaveLength(1);
    } finally {
      await h.db.escalation.delete({ where: { id } });
    }
  });
});

describe('GET /process.svg', () => {
  it('draws every stage as a box with its figures, the flows as arrows and the bottleneck highlighted', async () => {
    const response = await ops(`/process.svg?${WINDOW}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = response.body;
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of [
      'Intake',
      'Reservation',
      'Pick',
      'Pack (box choice)',
      'Rate shopping',
      'Booking',
      'Hand-over',
      'In transit',
      'Delivered',
    ]) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(svg).toContain('data-stage="label_created" data-bottleneck="true"');
    expect(svg.match(/data-bottleneck="true"/g)).toHaveLength(1);
    expect(svg).toContain('median 2 h · p95 3 h 48 min');
    expect(svg).toContain('data-from="picking" data-to="packing"');
    const dir = join(process.cwd(), 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'process-fixture.svg'), svg);
  });
});

describe('GET /reports/fulfilment', () => {
  it('reports shipped orders, on-time rate, lead time per stage, cost per order and carrier-choice savings', async () => {
    const response = await ops(`/reports/fulfilment?${WINDOW}`);
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({
      ordersShipped: 4,
      ordersCompleted: 4,
      delivery: { shipmentsDelivered: 4, onTime: 3, onTimeRate: 0.75 },
      costPerOrder: { orders: 4, averagePackagingCents: 120, averageCarrierCents: 690, averageTotalCents: 810, totalCents: 4 * 810 },
      // Carrier spend and savings over the labels bought in the window, as the chart's booking box counts them:
      // the stuck shipment's label too, though its parcel never left.
      savings: {
        carrierChoice: { labels: 5, shipments: 5, spendCents: 5 * 690, savedCents: 5 * 300 },
        boxChoice: { computed: false, packagingSpendCents: 5 * 120 },
      },
      backorders: { waitingNow: 0, waitsEnded: 0 },
    });
    const picking = report.stageLeadTimes.find((s: { stage: string }) => s.stage === 'picking');
    expect(picking).toEqual({ stage: 'picking', visits: 5, averageMs: (22 * HOUR) / 10, medianMs: 2 * HOUR });
    expect(report.savings.boxChoice.note).toMatch(/baseline/);
  });

  it('reports promise keeping against the intake promise by carrier, service, warehouse and lane, and says hindsight is not known', async () => {
    const report = (await ops(`/reports/fulfilment?${WINDOW}`)).json() as FulfilmentReport;
    // Three parcels an hour early, one an hour late; none of these orders has a stored plan to judge its slack by.
    expect(report.promise).toMatchObject({
      ordersDelivered: 4,
      onTime: 3,
      onTimeRate: 0.75,
      tightnessP50Hours: 1,
      costPerOrderCents: 810,
      hindsight: { orders: 0, costPerOrderCents: null, costVsHindsight: null, tightnessP50Hours: null },
      late: { orders: 1, unattributed: 1 },
    });
    expect(report.promise.hindsight.note).toMatch(/not known/);
    expect(report.promise.by.carrier).toEqual([expect.objectContaining({ key: 'swiftpost', shipmentsDelivered: 4, onTime: 3 })]);
    expect(report.promise.by.service).toEqual([expect.objectContaining({ key: 'swiftpost standard', shipmentsDelivered: 4 })]);
    expect(report.promise.by.warehouse).toEqual([expect.objectContaining({ key: 'PAR1', averageCostCents: 810 })]);
    expect(report.promise.by.lane).toEqual([expect.objectContaining({ key: 'FR→FR', onTimeRate: 0.75 })]);
  });

  it('refuses a reversed or malformed window with a 400 naming the field, and is ops-only', async () => {
    const reversed = expectErrorShape(
      await ops('/reports/fulfilment?from=2031-06-08T00:00:00Z&to=2031-06-01T00:00:00Z'),
      400,
      'validation_failed',
    );
    expect(reversed.details?.map((d) => d.path)).toContain('query.from');
    const malformed = expectErrorShape(await ops('/reports/fulfilment?to=yesterday'), 400, 'validation_failed');
    expect(malformed.details?.map((d) => d.path)).toContain('query.to');
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: '/reports/fulfilment' }), 403, 'forbidden');
  });

  it('refuses a window edge PostgreSQL cannot store, or a from alone in the future, with a 400 naming the field, never a 5xx', async () => {
    const cases: [string, string][] = [
      ['from=0000-01-01T00:00:00Z', 'query.from'],
      ['from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59Z', 'query.from'],
      // Year 1 at +23:59 is year 0 in UTC; year 9999 at -23:59 is year 10000.
      ['to=0001-01-01T00:00:00%2B23:59', 'query.to'],
      ['to=9999-12-31T23:59:59-23:59', 'query.to'],
      // Without `to` the window ends now: a `from` after now is a window that ends before it starts.
      ['from=2999-01-01T00:00:00Z', 'query.from'],
      // A `to` alone at the first storable instant: its day back stops there, an empty window (it was a 200).
      ['to=0001-01-01T00:00:00Z', 'query.to'],
    ];
    for (const path of ['/reports/fulfilment', '/process', '/process.svg']) {
      for (const [query, field] of cases) {
        const error = expectErrorShape(await ops(`${path}?${query}`), 400, 'validation_failed');
        expect(
          error.details?.map((d) => d.path),
          `${path}?${query}`,
        ).toContain(field);
      }
      // The widest window the database stores is a window like any other.
      expect((await ops(`${path}?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z`)).statusCode).toBe(200);
      // A `to` alone counts its default span back from it: near year 1 that span starts at year 1, not in year 0.
      for (const to of ['0001-01-01T00:00:30Z', '0001-01-02T00:00:00Z']) {
        const response = await ops(`${path}?to=${to}`);
        expect(response.statusCode, `${path}?to=${to}: ${response.body.slice(0, 200)}`).toBe(200);
      }
    }
  });
});

describe('GET /metrics', () => {
  it('exposes request counts and latencies by route, orders by status, open escalations by reason and the on-time rate', async () => {
    await ops(`/process?${WINDOW}`);
    await ops('/orders/NOPE-1');
    const response = await h.as(undefined, { method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${KEYS.ops.key}` } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/colis_http_requests_total\{method="GET",route="\/process",status_code="200"\} \d+/);
    expect(text).toMatch(/colis_http_requests_total\{method="GET",route="\/orders\/:id",status_code="404"\} 1/);
    expect(text).toMatch(/colis_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/process",status_code="200"\}/);
    expect(text).toMatch(/colis_orders\{status="completed"\} 4/);
    expect(text).toMatch(/colis_escalations_open\{reason="stuck"\} 1/);
    expect(text).toMatch(/colis_intake_unstarted_orders \d+/);
    expect(text).toContain('colis_on_time_ratio');
    expect(text).not.toContain('NOPE-1');
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: '/metrics' }), 403, 'forbidden');
  });
});

describe('the customer tracking link', () => {
  it('POST /orders answers with a trackingUrl whose token opens that order only; a forged token is a 404', async () => {
    const placed = await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      payload: orderRequest(),
      headers: { 'idempotency-key': newKey('track') },
    });
    expect(placed.statusCode, placed.body).toBe(202);
    const { orderId, trackingUrl } = placed.json() as { orderId: string; trackingUrl: string };
    expect(trackingUrl).toMatch(new RegExp(`^/track/${orderId}\\?t=[A-Za-z0-9_-]{32}$`));
    const forged = await h.as(undefined, { method: 'GET', url: `/track/${orderId}?t=${'A'.repeat(32)}` });
    expect(forged.statusCode).toBe(404);
    // The customer's browser gets a page saying what to do, not the API's JSON error.
    expect(forged.headers['content-type']).toMatch(/^text\/html/);
    expect(forged.body).toContain('We cannot find this order');
    expect((await h.as(undefined, { method: 'GET', url: `/track/${orderIds[0]}?t=${trackingUrl.split('t=')[1]}` })).statusCode).toBe(404);
    const page = await h.as(undefined, { method: 'GET', url: trackingUrl });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toContain('Camille');
  });

  it('a link a mail tool mangled, or the return form opened again, shows the customer a page, never the API JSON', async () => {
    const orderId = orderIds[0]!;
    const link = trackingPath(orderId, TRACKING_SECRET);
    // A link-rewriter that appends its utm_source to a link that had one: the page, as with one utm_source.
    const tagged = await h.as(undefined, { method: 'GET', url: `${link}&utm_source=a&utm_source=b` });
    expect([tagged.statusCode, tagged.headers['content-type']], tagged.body).toEqual([200, 'text/html; charset=utf-8']);
    // A token doubled or run on: the page saying the link is not valid (was a JSON 400).
    for (const url of [`${link}&${link.split('?')[1]}`, `${link}${'x'.repeat(64)}`]) {
      const mangled = await h.as(undefined, { method: 'GET', url });
      expect([mangled.statusCode, mangled.headers['content-type']], url).toEqual([400, 'text/html; charset=utf-8']);
      expect(mangled.body).toContain('We cannot find this order');
    }
    // The return label's link (tracking page, return mail), its token doubled: the label page saying what to do.
    const label = await h.as(undefined, { method: 'GET', url: `/track/${orderId}/returns/RMA-GUESS1/label?t=a&t=b` });
    expect([label.statusCode, label.headers['content-type']]).toEqual([400, 'text/html; charset=utf-8']);
    expect(label.body).toContain('We cannot find this return label');
    // The return form's address opened again (address bar after a refused form): the tracking page's form (was a JSON 405).
    const again = await h.as(undefined, { method: 'GET', url: `/track/${orderId}/returns?${link.split('?')[1]}` });
    expect([again.statusCode, again.headers.location]).toEqual([303, `${link}#returns`]);
  });

  it('answers the browser asking every page for /favicon.ico without an error (a 404 logged a console error on each page)', async () => {
    const icon = await h.as(undefined, { method: 'GET', url: '/favicon.ico' });
    expect(icon.statusCode).toBe(204);
  });

  it('a page address with a trailing slash, a stray character or nothing behind it answers a page or its address, never JSON', async () => {
    const orderId = orderIds[0]!;
    const link = trackingPath(orderId, TRACKING_SECRET);
    // A trailing slash (a hand-typed address, a mail tool): sent to the page, the token kept (was a JSON 404).
    const slashed = await h.as(undefined, { method: 'GET', url: link.replace('?', '/?') });
    expect([slashed.statusCode, slashed.headers.location]).toEqual([308, link]);
    const opsSlashed = await h.as(undefined, { method: 'GET', url: `/ops/orders/${orderId}/` });
    expect([opsSlashed.statusCode, opsSlashed.headers.location]).toEqual([308, `/ops/orders/${orderId}`]);
    // An order id no order can have under the ops page: its page saying so (was a JSON 400).
    const stray = await h.as(undefined, { method: 'GET', url: `/ops/orders/${orderId}%21` });
    expect([stray.statusCode, stray.headers['content-type']]).toEqual([400, 'text/html; charset=utf-8']);
    expect(stray.body).toContain('No such order');
    // Nothing at the address under the pages: a page (customer or ops), not JSON; the API's own 404 stays JSON.
    const customer = await h.as(undefined, { method: 'GET', url: `/track/${orderId}/parcels?t=x` });
    expect([customer.statusCode, customer.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    expect(customer.body).toContain('We cannot find this page');
    const ops = await h.as(undefined, { method: 'GET', url: '/ops/nothing-here' });
    expect([ops.statusCode, ops.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    const api = await h.as(undefined, { method: 'GET', url: '/nothing-here/' });
    expect([api.statusCode, api.headers['content-type']]).toEqual([404, 'application/json; charset=utf-8']);
    // A segment longer than any id (an id pasted twice into a link): the page too (was the API's JSON 400); the API's stays JSON.
    const pastedTwice = await h.as(undefined, { method: 'GET', url: `/track/${orderId.repeat(12)}?t=x` });
    expect([pastedTwice.statusCode, pastedTwice.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    expect(pastedTwice.body).toContain('We cannot find this page');
    const longOps = await h.as(undefined, { method: 'GET', url: `/ops/orders/${'A'.repeat(101)}` });
    expect([longOps.statusCode, longOps.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    const longApi = await h.as(KEYS.ops, { method: 'GET', url: `/orders/${'A'.repeat(101)}` });
    expect([longApi.statusCode, longApi.headers['content-type']]).toEqual([400, 'application/json; charset=utf-8']);
    // Never a redirect off the site, nor for a method that carries a body.
    expect((await h.as(undefined, { method: 'GET', url: '//ops/' })).statusCode).not.toBe(308);
    expect((await h.as(undefined, { method: 'POST', url: `/orders/${orderId}/cancel/`, payload: {} })).statusCode).not.toBe(308);
  });

  it('serves the ops pages without any key in them, under the CSP (scripts only from the API itself)', async () => {
    for (const url of ['/ops', '/ops/escalations', `/ops/orders/${orderIds[0]}`]) {
      const response = await h.as(undefined, { method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<script type="module" src="/ops/assets/ops.js"></script>');
      expect(response.body).not.toMatch(/<script>/);
      expect(response.body).not.toContain(KEYS.ops.key);
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    }
    const script = await h.as(undefined, { method: 'GET', url: '/ops/assets/ops.js' });
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    // The entry imports one module per page; each of them is served the same way.
    const imported = [...script.body.matchAll(/from '\.\/([a-z-]+\.js)'/g)].map((match) => match[1]);
    expect(imported).toEqual(expect.arrayContaining(['common.js', 'escalations.js', 'order.js']));
    for (const file of imported) {
      const module = await h.as(undefined, { method: 'GET', url: `/ops/assets/${file}` });
      expect([module.statusCode, module.headers['content-type']], file).toEqual([200, 'text/javascript; charset=utf-8']);
    }
    const common = await h.as(undefined, { method: 'GET', url: '/ops/assets/common.js' });
    expect(common.body).toContain('sessionStorage');
    // Only the pages' own scripts: not the server's source next to them, nor a path out of the folder.
    for (const url of ['/ops/assets/ops-pages.ts', '/ops/assets/..%2Fops-pages.ts', '/ops/assets/nothing.js']) {
      expect((await h.as(undefined, { method: 'GET', url })).statusCode, url).toBe(404);
    }
  });
});

describe('the process chart and the fulfilment report', () => {
  it('agrees with the fulfilment report on every figure both show: stages (machine ones in real time), backorders, boxes, carrier spend and savings', async () => {
    // An order waiting for stock now; another whose wait ended in the window and whose parcel was
    // booked twice (a reship), with a third label voided; all under a demo clock.
    await insertOrder(h.db, { status: 'backordered', createdAt: new Date(T0) });
    const waited = await insertOrder(h.db, { status: 'fulfilling', createdAt: new Date(T0) });
    const t = await stage(waited, null, 'reserving', T0, 0.02);
    await stage(waited, null, 'backordered', t, 30);
    const { shipmentId } = await insertShipment(h.db, waited);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { fastestCostCents: 1500 } });
    await h.db.label.update({ where: { id: `${shipmentId}-LBL1` }, data: { purchasedAt: new Date(T0 + 40 * HOUR) } });
    for (const [attempt, status] of [
      [2, 'purchased'],
      [3, 'voided'],
    ] as const) {
      await h.db.label.create({
        data: {
          id: `${shipmentId}-LBL${attempt}`,
          shipmentId,
          attempt,
          carrierCode: 'swiftpost',
          serviceCode: 'express',
          carrierLabelId: uniqueId('L'),
          trackingNumber: uniqueId('SP'),
          idempotencyKey: `${shipmentId}:${attempt}`,
          amountCents: 900 + attempt,
          currency: 'EUR',
          status,
          purchasedAt: new Date(T0 + (40 + attempt) * HOUR),
        },
      });
    }

    const demo = await h.rebuild({ timeScale: 1440 });
    const read = async <T>(url: string) => {
      const response = await demo.inject({ method: 'GET', url, headers: { 'x-api-key': KEYS.ops.key } });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as T;
    };
    const chart = await read<ProcessChart>(`/process?${WINDOW}`);
    const report = await read<FulfilmentReport>(`/reports/fulfilment?${WINDOW}`);
    const node = (id: string) => chart.nodes.find((n) => n.id === id) as ProcessNode;

    const shared = report.stageLeadTimes.filter((s) => chart.nodes.some((n) => n.id === s.stage));
    expect(shared.map((s) => s.stage)).toEqual(expect.arrayContaining(['intake', 'reserving', 'backordered', 'picking', 'rating']));
    for (const s of shared) {
      expect([s.stage, node(s.stage).completedInWindow, node(s.stage).medianMs]).toEqual([s.stage, s.visits, s.medianMs]);
    }
    expect(report.backorders).toEqual({ waitingNow: node('backordered').inStageNow, waitsEnded: node('backordered').completedInWindow });
    expect(report.backorders.waitingNow).toBeGreaterThanOrEqual(1);
    expect(node('packing').cost?.packagingCents).toBe(report.savings.boxChoice.packagingSpendCents);
    expect(node('booking').cost).toEqual({
      carrierSpendCents: report.savings.carrierChoice.spendCents,
      savingVsFastestCents: report.savings.carrierChoice.savedCents,
    });
    // Every label bought in the window, once; the voided one nowhere.
    const bought = await h.db.label.findMany({
      where: { status: 'purchased', purchasedAt: { gte: new Date('2031-06-01T00:00:00Z'), lt: new Date('2031-06-08T00:00:00Z') } },
    });
    expect(bought.map((l) => l.id)).toEqual(expect.arrayContaining([`${shipmentId}-LBL1`, `${shipmentId}-LBL2`]));
    expect(report.savings.carrierChoice).toMatchObject({
      labels: bought.length,
      spendCents: bought.reduce((sum, l) => sum + l.amountCents, 0),
    });
    expect(node('delivered').completedInWindow).toBe(report.delivery.shipmentsDelivered);
    // Promise keeping is one computation: the chart's panel and the report's section are the same figures.
    expect(chart.promise).toEqual(report.promise);
    expect(report.promise.ordersDelivered).toBeGreaterThan(0);
    expect(report.promise.by.carrier.length).toBeGreaterThan(0);
  });
});
