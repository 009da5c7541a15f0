import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { EntityIdSchema } from '../../../domain/api';
import type { OrderView } from '../../../domain/journey';
import { customerWords, SHIPMENT_STAGE_WORDS, TRACKING_STATUSES } from '../../../domain/lifecycle';
import { notFound } from '../../errors';
import { readOrder } from '../../services/orders';
import { timelineOf } from '../orders/index';
import { escapeHtml, page } from './layout';
import { validTrackingToken } from './tracking-token';

/**
 * The pages people look at, served by the API: ops pages (the process chart, open escalations with
 * one-click decisions, one order) are empty frames filled by /ops/assets/ops.js through the same
 * JSON endpoints as any client, with the ops key the user types (kept in sessionStorage, never in the
 * HTML); the customer tracking page is rendered on the server for the holder of the order's tracking
 * token and shows no internal data.
 */

const OPS_SCRIPT = readFileSync(new URL('./ops.js', import.meta.url), 'utf8');

/** Carrier stages: once the carrier has the parcel its scans tell the story. */
const CARRIER_STAGES = new Set<string>([...TRACKING_STATUSES].map((status) => SHIPMENT_STAGE_WORDS[status].label));

const publicAccess = { access: { public: true as const } };
const hidden = { hide: true };

function trackingHtml(view: OrderView): string {
  const timeline = timelineOf(view, 'database');
  const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  // Stages and carrier scans only: escalations, notes and their details are internal.
  // Each stage once (a re-book is ops' business), every carrier scan with its place.
  const seen = new Set<string>();
  const entries = timeline.entries
    // Once the carrier has the parcel its scans tell the story; the workflow's copies of them would repeat it.
    .filter((e) => e.kind === 'tracking' || (e.kind === 'stage' && !CARRIER_STAGES.has(e.label.replace(/_/g, ' '))))
    .map((e) => ({ at: e.at, label: customerWords(e.label), location: e.kind === 'tracking' ? e.location : undefined, kind: e.kind }))
    .filter((e) => {
      if (e.kind === 'tracking') return true;
      if (seen.has(e.label)) return false;
      seen.add(e.label);
      return true;
    });
  const status = customerWords(view.stage);
  const parcels = timeline.trackingNumbers
    .map(
      (t) =>
        `<li>${escapeHtml(t.carrierCode)} ${escapeHtml(t.trackingNumber)}${t.status ? ` — ${escapeHtml(customerWords(t.status))}` : ''}</li>`,
    )
    .join('');
  return page({
    title: `Order ${view.orderId}`,
    customer: true,
    body:
      `<h1>Order ${escapeHtml(view.orderId)}</h1>` +
      `<section class="card"><div class="facts">` +
      `<div data-fact="status"><span>Status</span><span class="big">${escapeHtml(status)}</span></div>` +
      `<div data-fact="promised"><span>Promised by</span>${escapeHtml(when(view.promisedBy))}</div>` +
      `<div><span>Parcels</span>${view.shipments.length || '–'}</div>` +
      `</div>${parcels ? `<ul>${parcels}</ul>` : ''}</section>` +
      `<section class="card"><h2>Timeline</h2><ol class="timeline" id="timeline">` +
      entries
        .map(
          (e) =>
            `<li class="${e.kind}"><time>${escapeHtml(when(e.at))}</time><strong>${escapeHtml(e.label)}</strong>${e.location ? ` · ${escapeHtml(e.location)}` : ''}</li>`,
        )
        .join('') +
      `</ol></section>`,
  });
}

const pages: FastifyPluginAsyncZod = async (app) => {
  const secret = app.config.trackingSecret;

  app.get('/ops/assets/ops.js', { config: publicAccess, schema: hidden }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(OPS_SCRIPT),
  );

  app.get('/ops', { config: publicAccess, schema: hidden }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(
      page({
        title: 'Colis — process',
        nav: 'ops',
        script: true,
        pageId: 'process',
        body:
          '<h1>Process chart</h1><div class="toolbar"><label for="window">Window</label>' +
          '<select id="window"><option value="hour">last hour</option><option value="day" selected>last day</option><option value="week">last week</option></select>' +
          '<button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div><div id="chart" class="chart"></div>',
      }),
    ),
  );

  app.get('/ops/escalations', { config: publicAccess, schema: hidden }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(
      page({
        title: 'Colis — open escalations',
        nav: 'escalations',
        script: true,
        pageId: 'escalations',
        body:
          '<h1>Open escalations</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
          '<table><thead><tr><th>Severity</th><th>Reason</th><th>Order / shipment</th><th>Detail</th><th>Opened</th><th>Decide</th></tr></thead>' +
          '<tbody id="escalations"></tbody></table>',
      }),
    ),
  );

  app.get('/ops/webhooks', { config: publicAccess, schema: hidden }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(
      page({
        title: 'Colis — failed webhooks',
        nav: 'webhooks',
        script: true,
        pageId: 'webhooks',
        body:
          '<h1>Webhooks parked after three days of failures</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
          '<table><thead><tr><th>Order</th><th>Event</th><th>Subscription</th><th>Attempts</th><th>Last answer</th><th>Parked</th><th>Replay</th></tr></thead>' +
          '<tbody id="deliveries"></tbody></table>',
      }),
    ),
  );

  app.get(
    '/ops/orders/:id',
    { config: publicAccess, schema: { ...hidden, params: z.object({ id: EntityIdSchema }) } },
    async (request, reply) => {
      const orderId = escapeHtml(request.params.id);
      return reply.type('text/html; charset=utf-8').send(
        page({
          title: `Colis — order ${request.params.id}`,
          nav: 'order',
          script: true,
          pageId: 'order',
          body:
            `<h1>Order ${orderId}</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button>` +
            '<a id="web-ui" hidden target="_blank" rel="noopener">Open the workflow in the Temporal Web UI ↗</a><span id="status" class="status"></span></div>' +
            '<section class="card"><div class="facts" id="facts"></div></section>' +
            '<section class="card"><h2>Timeline</h2><ol class="timeline" id="timeline"></ol></section>',
        }).replace('data-page="order"', `data-page="order" data-order="${orderId}"`),
      );
    },
  );

  app.get(
    '/track/:orderId',
    {
      config: publicAccess,
      schema: { ...hidden, params: z.object({ orderId: EntityIdSchema }), querystring: z.object({ t: z.string().max(64).optional() }) },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      // A wrong token and an unknown order look the same.
      if (!validTrackingToken(orderId, request.query.t, secret)) throw notFound(`order ${orderId}`);
      const { view } = await readOrder(app, orderId, { name: 'tracking-page', role: 'ops' });
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(trackingHtml(view));
    },
  );
};

export default pages;
