import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { errorResponses } from '../../routes/responses';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * GET /metrics in Prometheus text format: the API's requests (count and latency by route and
 * status), the business gauges read from the database at scrape time (orders by status, accepted
 * orders whose workflow has not started, open escalations by reason, on-time rate of the last 7 days' deliveries), and the Temporal workers' own
 * metrics, fetched from the SDK runtime's Prometheus exporter (COLIS_TEMPORAL_METRICS_URL, default
 * http://127.0.0.1:9464/metrics as `npm start` configures it; empty to disable) and appended.
 * Ops role: Prometheus sends the key as `authorization: Bearer <key>`.
 */

export interface MetricsOptions {
  temporalMetricsUrl?: string;
}

const WEEK_MS = 7 * 86_400_000;

export default fp<MetricsOptions>(
  async function metrics(app: FastifyInstance, options: MetricsOptions) {
    // One registry per app, so tests that build several apps do not share counters.
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'colis_api_' });
    const requests = new Counter({
      name: 'colis_http_requests_total',
      help: 'API requests by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'colis_http_request_duration_seconds',
      help: 'API request latency by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const db = app.db;
    new Gauge({
      name: 'colis_orders',
      help: 'Orders by status',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await db.order.groupBy({ by: ['status'], _count: { _all: true } });
        for (const row of rows) this.set({ status: row.status }, row._count._all);
      },
    });
    new Gauge({
      name: 'colis_escalations_open',
      help: 'Open escalations by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await db.escalation.groupBy({ by: ['reason'], where: { status: 'open' }, _count: { _all: true } });
        for (const row of rows) this.set({ reason: row.reason }, row._count._all);
      },
    });
    new Gauge({
      name: 'colis_carrier_unmapped_scans',
      help: 'Carrier scans stored with a status code no mapping reads yet, by carrier (listed at GET /carriers/unmapped-statuses)',
      labelNames: ['carrier'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await db.unmappedTrackingEvent.groupBy({ by: ['carrierCode'], _count: { _all: true } });
        for (const row of rows) this.set({ carrier: row.carrierCode }, row._count._all);
      },
    });
    new Gauge({
      name: 'colis_intake_unstarted_orders',
      help: 'Orders accepted (committed, answered 202) whose workflow has not started yet: the backlog a burst or a Temporal outage leaves',
      registers: [registry],
      async collect() {
        this.set(await db.orderIntake.count({ where: { startedAt: null } }));
      },
    });
    new Gauge({
      name: 'colis_intake_start_limit',
      help: 'The adaptive limit on orders being reserved and planned at once that this API process starts up to (NaN when off)',
      registers: [registry],
      collect() {
        this.set(app.orderStarter.activeLimit?.limit ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'colis_intake_orders_in_flight',
      help: 'Orders this API process started that are still being reserved and planned: what counts against colis_intake_start_limit',
      registers: [registry],
      collect() {
        this.set(app.orderStarter.activeLimit?.inFlight ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'colis_on_time_ratio',
      help: 'Share of the shipments delivered in the last 7 days that arrived by their promised date (NaN when none)',
      registers: [registry],
      async collect() {
        const rows = await db.$queryRaw<{ delivered: number; on_time: number }[]>`
          SELECT count(*)::int AS delivered, (count(*) FILTER (WHERE "deliveredAt" <= "promisedBy"))::int AS on_time
          FROM "Shipment" WHERE "deliveredAt" >= ${new Date(Date.now() - WEEK_MS)}`;
        const row = rows[0];
        this.set(row && row.delivered > 0 ? row.on_time / row.delivered : Number.NaN);
      },
    });

    app.addHook('onResponse', async (request, reply) => {
      // Route templates, never raw URLs: ids in paths would make a series per order.
      const route = request.routeOptions.url ?? 'unmatched';
      const labels = { method: request.method, route, status_code: String(reply.statusCode) };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
    });

    const temporalUrl = options.temporalMetricsUrl;
    app.get(
      '/metrics',
      {
        config: { access: { roles: ['ops'] } },
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (API, business gauges, Temporal workers)',
          response: { 200: z.string().meta({ description: 'Prometheus text format' }), ...errorResponses({ key: true }) },
        },
      },
      async (_request, reply) => {
        let text = await registry.metrics();
        if (temporalUrl) {
          try {
            const response = await fetch(temporalUrl, { signal: AbortSignal.timeout(2000) });
            if (response.ok) text += `\n# Temporal worker runtime (${temporalUrl})\n${await response.text()}`;
            else text += `\n# Temporal worker metrics unavailable: HTTP ${response.status}\n`;
          } catch {
            text += `\n# Temporal worker metrics unavailable at ${temporalUrl} (no worker in this process?)\n`;
          }
        }
        return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
      },
    );
  },
  { name: 'colis-metrics', dependencies: ['colis-services'] },
);
