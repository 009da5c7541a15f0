import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { EntityIdSchema } from '../../../domain/api';
import { escapeHtml, page } from './layout';
import type { RoutesApp } from '../route-app';
import { hidden, publicAccess } from './route-options';

/**
 * The ops pages (the process chart, open escalations with one-click decisions, parked webhooks, returns to inspect,
 * carrier claims, stock and expected restocks, one order): empty frames filled by the ES modules of ./ops/ (entry /ops/assets/ops.js, one module per
 * page) through the same JSON endpoints as any client, with the ops key the user types (kept in sessionStorage, never in
 * the HTML).
 */

/** The pages' scripts by file name, read once at start. */
const OPS_SCRIPTS: ReadonlyMap<string, string> = new Map(
  readdirSync(new URL('./ops/', import.meta.url))
    .filter((name) => name.endsWith('.js'))
    .map((name) => [name, readFileSync(new URL(`./ops/${name}`, import.meta.url), 'utf8')]),
);

/** An ops page: an empty frame that its module fills through the JSON API. */
interface OpsPage {
  path: string;
  title: string;
  nav: NonNullable<Parameters<typeof page>[0]['nav']>;
  pageId: string;
  body: string;
}

const OPS_PAGES: readonly OpsPage[] = [
  {
    path: '/ops',
    title: 'Colis — process',
    nav: 'ops',
    pageId: 'process',
    body:
      '<h1>Process chart</h1><div class="toolbar"><label for="window">Window</label>' +
      '<select id="window"><option value="hour">last hour</option><option value="day" selected>last day</option><option value="week">last week</option></select>' +
      '<button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div><div id="chart" class="chart"></div>',
  },
  {
    path: '/ops/escalations',
    title: 'Colis — open escalations',
    nav: 'escalations',
    pageId: 'escalations',
    body:
      '<h1>Open escalations</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
      '<table><thead><tr><th>Severity</th><th>Reason</th><th>Order / shipment</th><th>Detail</th><th>Opened</th><th>Decide</th></tr></thead>' +
      '<tbody id="escalations"></tbody></table>' +
      '<section class="card" id="unmapped-section" hidden><h2>Carrier status codes not understood</h2>' +
      '<p class="status">Stored and shown in their orders\' timelines, but they change no status: extend the mapping in domain/tracking-codes.ts.</p>' +
      '<table><thead><tr><th>Carrier</th><th>Code</th><th>Scans</th><th>Shipments</th><th>Last seen</th><th>Example</th></tr></thead>' +
      '<tbody id="unmapped"></tbody></table></section>' +
      '<section class="card" id="after-end-section" hidden><h2>Carrier scans after the shipment or return ended</h2>' +
      '<p class="status">No workflow heard them: stored and shown in their orders\' timelines (a return\'s with the return), they change no status. A given-up parcel delivered after all is also an escalation above.</p>' +
      '<table><thead><tr><th>Carrier</th><th>Tracking number</th><th>Scan</th><th>Ended as</th><th>Occurred</th><th>Order / shipment or return</th></tr></thead>' +
      '<tbody id="after-end"></tbody></table></section>',
  },
  {
    path: '/ops/webhooks',
    title: 'Colis — failed webhooks',
    nav: 'webhooks',
    pageId: 'webhooks',
    body:
      '<h1>Webhooks parked after three days of failures</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
      '<table><thead><tr><th>Order</th><th>Event</th><th>Subscription</th><th>Attempts</th><th>Last answer</th><th>Parked</th><th>Replay</th></tr></thead>' +
      '<tbody id="deliveries"></tbody></table>',
  },
  {
    path: '/ops/returns',
    title: 'Colis — returns',
    nav: 'returns',
    pageId: 'returns',
    body:
      '<h1>Returns</h1><div class="toolbar"><label for="return-status">Show</label>' +
      '<select id="return-status"><option value="open">every open return</option><option value="requested">requested: label being bought</option>' +
      '<option value="label_created">label issued, not handed to the carrier yet</option><option value="in_transit">on its way back</option>' +
      '<option value="received">at a warehouse: to inspect</option><option value="completed">inspected, or refunded without goods</option>' +
      '<option value="expired">expired: label never used</option><option value="cancelled">cancelled</option><option value="all">every return</option></select>' +
      '<button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
      '<p id="return-order" class="status" hidden></p>' +
      '<div class="scroll"><table><thead><tr><th>Order</th><th>Return</th><th>Items</th><th>Reason</th><th>State</th><th>Warehouse · parcel</th><th>Inspection</th></tr></thead>' +
      '<tbody id="returns"></tbody></table></div>' +
      '<div class="toolbar"><button id="more-returns" type="button" hidden>Show older returns</button></div>',
  },
  {
    path: '/ops/claims',
    title: 'Colis — carrier claims',
    nav: 'claims',
    pageId: 'claims',
    body:
      '<h1>Carrier claims for re-shipped parcels</h1><div class="toolbar"><label for="claim-status">Show</label>' +
      '<select id="claim-status"><option value="">every claim</option><option value="open">open: to file</option>' +
      '<option value="submitted">submitted: waiting for the carrier</option><option value="paid">paid</option><option value="refused">refused</option><option value="withdrawn">withdrawn: the parcel turned up</option></select>' +
      '<button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
      '<table><thead><tr><th>Claim</th><th>Order / shipment</th><th>Carrier · parcel</th><th>Reason</th><th>Amount</th><th>Status</th><th>Moved by</th><th>Next</th></tr></thead>' +
      '<tbody id="claims"></tbody></table>',
  },
  {
    path: '/ops/stock',
    title: 'Colis — stock',
    nav: 'stock',
    pageId: 'stock',
    body:
      '<h1>Stock and expected restocks</h1><div class="toolbar"><label for="sku-filter">SKU</label>' +
      '<input id="sku-filter" placeholder="every SKU" autocomplete="off"><button id="refresh" type="button">Refresh</button>' +
      '<span id="status" class="status"></span></div>' +
      '<table><thead><tr><th>Warehouse</th><th>SKU</th><th>On hand</th><th>Reserved</th><th>Promised, not reserved</th><th>Free to promise</th></tr></thead>' +
      '<tbody id="levels"></tbody></table>' +
      '<section class="card"><h2>Expected restocks</h2>' +
      '<p class="status">What backorders are promised from. Orders waiting for the SKU are told of every change and re-date their promise; the receipt (POST /inventory/restock) under the same reference marks it received.</p>' +
      '<table><thead><tr><th>Reference</th><th>Warehouse</th><th>SKU</th><th>Quantity</th><th>Expected</th><th>Call off</th></tr></thead>' +
      '<tbody id="restocks"></tbody></table>' +
      '<form id="announce" class="toolbar"><input id="restock-reference" placeholder="reference (ASN, PO line)" required maxlength="200">' +
      '<input id="restock-warehouse" placeholder="warehouse" required maxlength="20"><input id="restock-sku" placeholder="SKU" required maxlength="40">' +
      '<input id="restock-quantity" type="number" min="1" max="1000000" placeholder="quantity" required>' +
      '<input id="restock-expected" type="datetime-local" required><button class="primary" type="submit">Announce or re-date</button></form></section>',
  },
];

/** The ops pages' script, the frames it fills, and the one order's page. */
export function opsPageRoutes(app: RoutesApp): void {
  // One route per script, no path parameter: any other name is the site's plain 404, never a file looked up.
  for (const [name, script] of OPS_SCRIPTS) {
    app.get(`/ops/assets/${name}`, { config: publicAccess, schema: hidden }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script),
    );
  }

  // Every page a browser opens (ops pages, the tracking page, the chart) also asks for /favicon.ico: a 404 there put a
  // console error on each page. No icon, said in a way the browser takes as an answer.
  app.get('/favicon.ico', { config: publicAccess, schema: hidden }, async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  for (const { path, title, nav, pageId, body } of OPS_PAGES) {
    app.get(path, { config: publicAccess, schema: hidden }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(page({ title, nav, script: true, pageId, body })),
    );
  }

  app.get(
    '/ops/orders/:id',
    {
      // An id no order can have (a stray character, a truncated paste): the page "No such order" (api/error-pages.ts).
      config: { ...publicAccess, errorPage: 'ops-order' },
      schema: { ...hidden, params: z.object({ id: EntityIdSchema }) },
    },
    async (request, reply) => {
      const orderId = escapeHtml(request.params.id);
      return reply.type('text/html; charset=utf-8').send(
        page({
          title: `Colis — order ${request.params.id}`,
          nav: 'order',
          script: true,
          pageId: 'order',
          body:
            `<h1>Order ${orderId}</h1><p id="erased" class="erased-badge" hidden></p><div class="toolbar"><button id="refresh" type="button">Refresh</button>` +
            '<a id="web-ui" hidden target="_blank" rel="noopener">Open the workflow in the Temporal Web UI ↗</a><span id="status" class="status"></span></div>' +
            '<section class="card"><div class="facts" id="facts"></div></section>' +
            '<section class="card" id="corrections-card" hidden><h2>Address corrected by the carrier</h2><div id="corrections"></div></section>' +
            '<section class="card" id="returns-card"><h2>Returns</h2><p id="returns-none" class="status" hidden>No return of this order.</p>' +
            '<div class="scroll"><table id="returns-table" hidden><thead><tr><th>Return</th><th>State</th><th>Items</th><th>Refund</th></tr></thead>' +
            '<tbody id="order-returns"></tbody></table></div></section>' +
            '<section class="card"><h2>Timeline</h2><ol class="timeline" id="timeline"></ol></section>',
        }).replace('data-page="order"', `data-page="order" data-order="${orderId}"`),
      );
    },
  );
}
