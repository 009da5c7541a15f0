import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { EntityIdSchema } from '../../../domain/api';
import { timeZoneOf } from '../../../domain/calendar';
import { RETURN_REASONS } from '../../../domain/return-policy';
import { ReturnRequestSchema, type ReturnView } from '../../../domain/returns';
import { ApiError } from '../../errors';
import { type ReturnableLine, returnDepsOf, returnOptions, startReturn } from '../../services/returns';
import { bodyTextProblems, charsetProblem, contentCodingProblem, utf8Text } from '../../services/json-input';
import type { OrderView } from '../../../domain/journey';
import { customerWords, SHIPMENT_STAGE_WORDS, TRACKING_STATUSES } from '../../../domain/lifecycle';
import { readOrder } from '../../services/orders';
import { isUnmappedScanLabel } from '../../services/stored-scans';
import { timelineOf } from '../orders/index';
import { escapeHtml, page } from './layout';
import { returnLabelRoute } from './return-label';
import { returnLabelPath, trackingToken, validTrackingToken, wrongToken } from './tracking-token';

/**
 * The pages people look at, served by the API: ops pages (the process chart, open escalations with
 * one-click decisions, parked webhooks, returns to inspect, carrier claims, one order) are empty frames filled by /ops/assets/ops.js through the same
 * JSON endpoints as any client, with the ops key the user types (kept in sessionStorage, never in the
 * HTML); the customer tracking page is rendered on the server for the holder of the order's tracking
 * token and shows no internal data.
 */

const OPS_SCRIPT = readFileSync(new URL('./ops.js', import.meta.url), 'utf8');

/** Carrier stages: once the carrier has the parcel its scans tell the story. */
const CARRIER_STAGES = new Set<string>([...TRACKING_STATUSES].map((status) => SHIPMENT_STAGE_WORDS[status].label));

const publicAccess = { access: { public: true as const } };
const hidden = { hide: true };

/** What the promise rests on, in the customer's words: how sure, from where, and a date the shop asked for that could not be met. */
function promiseNote(view: OrderView): string {
  const promise = view.promise;
  if (!promise || promise.basis === 'fixed_days') return '';
  const from = [...new Set(promise.shipments.map((s) => s.warehouseCode))].join(', ');
  const parts = [
    promise.confidence > 0 ? `${Math.round(promise.confidence * 100)} % sure` : 'date to be confirmed when the stock arrives',
    ...(from ? [`ships from ${from}`] : []),
    ...(promise.businessTime ? [`demo calendar: ${promise.businessTime.deliverBy.slice(0, 10)}`] : []),
    ...(promise.requested && !promise.requested.met
      ? [`the date first asked for could not be met: ${promise.requested.reason ?? ''}`]
      : []),
    ...(view.promise && view.promisedBy !== promise.deliverBy ? ['the date has changed since the order was placed'] : []),
  ];
  return `<small data-fact="promise-detail">${escapeHtml(parts.join(' · '))}</small>`;
}

const REASON_LABEL: Record<(typeof RETURN_REASONS)[number], string> = {
  damaged: 'It arrived damaged',
  defective: 'It does not work',
  wrong_item: 'I received the wrong item',
  not_as_described: 'It is not as described',
  no_longer_needed: 'I changed my mind',
  other: 'Another reason',
};

const RETURN_STATUS_LABEL: Record<ReturnView['status'], string> = {
  requested: 'Registered: preparing your return label',
  label_created: 'Label ready: hand the parcel to the carrier',
  in_transit: 'On its way back to us',
  received: 'Received at the warehouse: being checked',
  completed: 'Checked: the shop refunds you',
  expired: 'Expired: the label was not used in time',
  cancelled: 'Closed',
};

interface ReturnSection {
  lines: ReturnableLine[];
  returns: ReturnView[];
  formAction: string;
  /** Where the customer downloads a return's label (under the page's token). */
  labelPath: (returnId: string) => string;
  /** A fresh key per rendered form: a double submit starts one return. */
  formKey: string;
  message?: string;
}

/** The customer's returns and, while the window is open, the form to start one (plain HTML: no script needed). */
function returnsHtml(section: ReturnSection): string {
  const when = (iso: string) => iso.slice(0, 10);
  const existing = section.returns
    .map(
      (r) =>
        `<li data-return="${escapeHtml(r.returnId)}" data-status="${r.status}"><strong>${escapeHtml(r.returnId)}</strong> — ` +
        `${escapeHtml(RETURN_STATUS_LABEL[r.status])}: ${r.lines.map((l) => `${l.quantity} × ${escapeHtml(l.sku)}`).join(', ')}` +
        (r.labelUrl && r.status === 'label_created'
          ? ` · <a href="${escapeHtml(section.labelPath(r.returnId))}" rel="noopener" data-fact="return-label">Return label (PDF)</a>` +
            (r.labelExpiresAt ? ` (use it before ${when(r.labelExpiresAt)})` : '')
          : '') +
        (r.refundCents !== undefined ? ` · refund ${(r.refundCents / 100).toFixed(2)} ${escapeHtml(r.currency)}` : '') +
        `</li>`,
    )
    .join('');
  const form =
    section.lines.length === 0
      ? ''
      : `<form id="return-form" method="post" action="${escapeHtml(section.formAction)}">` +
        `<input type="hidden" name="key" value="${escapeHtml(section.formKey)}">` +
        `<table><thead><tr><th>Item</th><th>Quantity to return</th><th>Return by</th></tr></thead><tbody>` +
        section.lines
          .map(
            (l) =>
              `<tr><td>${escapeHtml(l.skuCode)}</td><td><input type="number" name="qty.${escapeHtml(l.skuCode)}" min="0" max="${l.returnable}" value="0" aria-label="Quantity of ${escapeHtml(l.skuCode)} to return"> of ${l.returnable}</td>` +
              `<td>${l.closesAtMs ? when(new Date(l.closesAtMs).toISOString()) : ''}</td></tr>`,
          )
          .join('') +
        `</tbody></table><p><label for="reason">Why?</label> <select id="reason" name="reason">` +
        RETURN_REASONS.map((r) => `<option value="${r}">${escapeHtml(REASON_LABEL[r])}</option>`).join('') +
        `</select></p><p><label for="comment">Anything to add? (optional)</label><br><textarea id="comment" name="comment" maxlength="1000" rows="2" cols="60"></textarea></p>` +
        `<button class="primary" type="submit">Start the return</button></form>`;
  if (!existing && !form && !section.message) return '';
  return (
    `<section class="card" id="returns"><h2>Returns</h2>` +
    (section.message ? `<p class="error" id="return-message">${escapeHtml(section.message)}</p>` : '') +
    (existing ? `<ul id="return-list">${existing}</ul>` : '') +
    form +
    `</section>`
  );
}

/**
 * An instant as the customer reads it: a day and a clock of the place the parcel goes to, the zone named
 * ("Friday, 4 December 2026 at 23:59 CET"), not a UTC timestamp (a promise by the end of a Paris day read "22:59 UTC").
 */
function customerTime(countryCode: string): (iso: string) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
    timeZone: timeZoneOf(countryCode),
  });
  return (iso: string) => format.format(new Date(iso));
}

function trackingHtml(view: OrderView, returns?: ReturnSection): string {
  const timeline = timelineOf(view, 'database');
  const when = customerTime(view.shipTo.countryCode);
  // Stages and carrier scans only: escalations, notes and their details are internal.
  // Each stage once (a re-book is ops' business), every carrier scan with its place.
  const seen = new Set<string>();
  const entries = timeline.entries
    // Once the carrier has the parcel its scans tell the story; the workflow's copies of them would repeat it.
    .filter((e) => e.kind === 'tracking' || (e.kind === 'stage' && !CARRIER_STAGES.has(e.label.replace(/_/g, ' '))))
    // A scan whose code no mapping reads yet still tells the customer the carrier has news of the parcel.
    .map((e) => ({
      at: e.at,
      label: e.kind === 'tracking' && isUnmappedScanLabel(e.label) ? 'Carrier update' : customerWords(e.label),
      location: e.kind === 'tracking' ? e.location : undefined,
      kind: e.kind,
    }))
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
      `<div data-fact="promised"><span>Promised by</span>${escapeHtml(when(view.promisedBy))}${promiseNote(view)}</div>` +
      `<div><span>Parcels</span>${view.shipments.length || '–'}</div>` +
      `</div>${parcels ? `<ul>${parcels}</ul>` : ''}</section>` +
      `<section class="card"><h2>Timeline</h2><ol class="timeline" id="timeline">` +
      entries
        .map(
          (e) =>
            `<li class="${e.kind}"><time>${escapeHtml(when(e.at))}</time><strong>${escapeHtml(e.label)}</strong>${e.location ? ` · ${escapeHtml(e.location)}` : ''}</li>`,
        )
        .join('') +
      `</ol></section>` +
      (returns ? returnsHtml(returns) : ''),
  });
}

/**
 * A form's name or value as the browser encoded it (`+` a space, `%XX` a byte), or undefined when its bytes are not UTF-8:
 * URLSearchParams would put U+FFFD in place of `%E9` in silence, and the comment would be stored as other text than sent.
 */
function formText(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (const part of encoded.replace(/\+/g, ' ').split(/(%[0-9A-Fa-f]{2})/)) {
    if (/^%[0-9A-Fa-f]{2}$/.test(part)) bytes.push(Number.parseInt(part.slice(1), 16));
    else bytes.push(...Buffer.from(part, 'utf8'));
  }
  const text = utf8Text(Uint8Array.from(bytes));
  return text.ok ? text.text : undefined;
}

/** A posted form's fields, or why its bytes are not a form of ours (kept for the route to answer with its page). */
type PostedForm = { fields: Record<string, string | string[]> } | { unreadable: string };

/** A posted form's fields; one given more than once keeps every value (a list), for the route to refuse, never the last one silently. */
function formFields(body: string): PostedForm {
  // A Map, then own properties: a field named `__proto__` stays a field (refused as a name), never the object's prototype.
  const fields = new Map<string, string | string[]>();
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = formText(at < 0 ? pair : pair.slice(0, at));
    const value = formText(at < 0 ? '' : pair.slice(at + 1));
    if (name === undefined) return { unreadable: 'a field name is not UTF-8 text' };
    if (value === undefined) return { unreadable: `${name.slice(0, 80)} is not UTF-8 text` };
    const had = fields.get(name);
    fields.set(name, had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value]);
  }
  return { fields: Object.fromEntries(fields) };
}

/** Why a posted form's bytes cannot be read (not UTF-8, another charset declared), by request: the route answers it with its page. */
const unreadableForms = new WeakMap<object, string>();

/** The first field of a posted form given more than once: a browser's form never does, and which value counts would be a guess. */
const repeatedField = (form: unknown): string | undefined =>
  typeof form === 'object' && form !== null ? Object.entries(form).find(([, value]) => Array.isArray(value))?.[0] : undefined;

/** The return form's most bytes: its fields and a 1,000-character comment fit many times over. */
const FORM_BODY_LIMIT_BYTES = 16_384;

/** The tracking page's return form, as posted: `qty.<SKU>` per item, the reason, a comment, the form's key. */
const ReturnFormSchema = z.looseObject({
  key: z.string({ error: 'the form expired: reload the page' }).regex(/^[A-Za-z0-9_-]{16,64}$/, 'the form expired: reload the page'),
  reason: z.string(),
  comment: z.string().max(1000).optional(),
});

/**
 * A quantity as a browser's number field sends it: decimal digits, or nothing (read as 0). Anything else (`0x2`, `1e1`, JSON's
 * `true`) is not a number a customer typed: NaN, which the request's schema refuses, rather than Number()'s reading of it.
 */
const formQuantity = (value: unknown): number => (typeof value === 'string' && /^\s*\d{0,9}\s*$/.test(value) ? Number(value) : Number.NaN);

function returnRequestFromForm(form: Record<string, unknown>) {
  const lines = Object.entries(form)
    .filter(([name]) => name.startsWith('qty.'))
    .map(([name, value]) => ({ sku: name.slice(4), quantity: formQuantity(value) }))
    .filter((line) => line.quantity !== 0);
  const comment = typeof form.comment === 'string' && form.comment.trim() !== '' ? form.comment : undefined;
  return ReturnRequestSchema.safeParse({ lines, reason: form.reason, ...(comment ? { comment } : {}) });
}

/**
 * What the customer is told about the field at fault, in their words: a comment's problem was announced as "Choose a
 * reason", and a quantity that is not a whole number as zod's "expected number, received NaN".
 */
function returnFormProblem(issue: z.core.$ZodIssue | undefined): string {
  switch (issue?.path[0]) {
    case 'lines':
      return issue.code === 'invalid_type'
        ? 'Choose how many of each item to send back: enter a whole number (0 to keep an item)'
        : `Choose how many of each item to send back: ${issue.message}`;
    case 'reason':
      return 'Choose a reason from the list';
    case 'comment':
      return `Your comment cannot be accepted: ${issue.message}`;
    default:
      return issue?.message ?? 'the form is incomplete';
  }
}

type PagesApp = Parameters<FastifyPluginAsyncZod>[0];

/** An ops page: an empty frame that ops.js fills through the JSON API. */
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
      '<tbody id="unmapped"></tbody></table></section>',
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
      '<h1>Return parcels on their way or at a warehouse</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button><span id="status" class="status"></span></div>' +
      '<table><thead><tr><th>Order</th><th>Return</th><th>Items</th><th>Reason · status</th><th>Warehouse · parcel</th><th>Inspection</th></tr></thead>' +
      '<tbody id="returns"></tbody></table>',
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
];

const NO_SUCH_ORDER_PAGE = page({
  title: 'Colis — no such order',
  nav: 'order',
  body:
    '<h1>No such order</h1><section class="card"><p>This address names no order: an order id is 1–80 letters, digits, ' +
    '<code>-</code> or <code>_</code> (as <code>ORD-…</code>). <a href="/ops">Back to the process chart</a>.</p></section>',
});

/** The ops pages' script, the frames it fills, and the one order's page. */
function opsPageRoutes(app: PagesApp): void {
  app.get('/ops/assets/ops.js', { config: publicAccess, schema: hidden }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(OPS_SCRIPT),
  );

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
      config: publicAccess,
      schema: { ...hidden, params: z.object({ id: EntityIdSchema }) },
      // An id no order can have (a stray character, a truncated paste): a page saying so, not the API's JSON 400.
      errorHandler: async (error, _request, reply) => {
        if (error.statusCode !== 400) throw error;
        return reply.code(400).type('text/html; charset=utf-8').send(NO_SUCH_ORDER_PAGE);
      },
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
            `<h1>Order ${orderId}</h1><div class="toolbar"><button id="refresh" type="button">Refresh</button>` +
            '<a id="web-ui" hidden target="_blank" rel="noopener">Open the workflow in the Temporal Web UI ↗</a><span id="status" class="status"></span></div>' +
            '<section class="card"><div class="facts" id="facts"></div></section>' +
            '<section class="card" id="corrections-card" hidden><h2>Address corrected by the carrier</h2><div id="corrections"></div></section>' +
            '<section class="card"><h2>Timeline</h2><ol class="timeline" id="timeline"></ol></section>',
        }).replace('data-page="order"', `data-page="order" data-order="${orderId}"`),
      );
    },
  );
}

type TrackingPage = (orderId: string, token: string, message?: string) => Promise<string>;

/** The customer tracking page's HTML, with a fresh return form (and a message about the last one posted, if any). */
function trackingPageOf(app: PagesApp): TrackingPage {
  return async (orderId, token, message) => {
    const { view } = await readOrder(app, orderId, { name: 'tracking-page', role: 'ops' });
    const options = await returnOptions(app.db, orderId, app.config.timeScale);
    return trackingHtml(view, {
      ...options,
      formAction: `/track/${encodeURIComponent(orderId)}/returns?t=${encodeURIComponent(token)}`,
      labelPath: (returnId) => returnLabelPath(orderId, returnId, token),
      formKey: randomBytes(18).toString('base64url'),
      ...(message ? { message } : {}),
    });
  };
}

const FORM_MEDIA_TYPE_REFUSAL = 'The form cannot be accepted: send it as a browser does (application/x-www-form-urlencoded)';

/** The tracking page's return form, posted by the customer's browser. */
function returnFormRoute(app: PagesApp, trackingPage: TrackingPage): void {
  const secret = app.config.trackingSecret;
  app.post(
    '/track/:orderId/returns',
    {
      config: { ...publicAccess, parsesItsOwnBody: true },
      schema: { ...hidden, params: z.object({ orderId: EntityIdSchema }), querystring: z.object({ t: z.string().max(64).optional() }) },
      // A form over the parser's limit (a pasted essay) is refused before the handler: the customer gets the form's page
      // saying so, not the API's JSON. Anything else, or a wrong token, goes to the API's error handler.
      errorHandler: async (error, request, reply) => {
        const { orderId } = request.params as { orderId?: unknown };
        const { t: token } = request.query as { t?: unknown };
        const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
        // A form sent as multipart/form-data (a page's enctype) has no parser here: told on the page, like a JSON body, not
        // as the API's "send application/json".
        const told =
          code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? { status: 413, message: `The form is too long (over ${FORM_BODY_LIMIT_BYTES / 1024} KiB): shorten the comment` }
            : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? { status: 415, message: FORM_MEDIA_TYPE_REFUSAL }
              : undefined;
        if (!told || typeof orderId !== 'string' || typeof token !== 'string' || !validTrackingToken(orderId, token, secret)) throw error;
        const body = await trackingPage(orderId, token, told.message);
        return reply.code(told.status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
      },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      const token = request.query.t;
      if (!validTrackingToken(orderId, token, secret) || token === undefined) throw wrongToken(app, request, `order ${orderId}`);
      const html = (status: number, message: string) =>
        trackingPage(orderId, token, message).then((body) =>
          reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body),
        );
      // A browser posts this form as a form; a JSON body (`"qty.MUG-CER-350": true`) is no form of ours.
      const mediaType = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim()
        .toLowerCase();
      if (mediaType !== 'application/x-www-form-urlencoded') return html(415, FORM_MEDIA_TYPE_REFUSAL);
      const unreadable = unreadableForms.get(request);
      if (unreadable !== undefined) return html(400, `The form cannot be accepted: ${unreadable}`);
      // Form text is checked as JSON text is (services/json-input.ts): a NUL byte cannot reach PostgreSQL as a comment.
      const badText = bodyTextProblems(request.body ?? {})[0];
      if (badText)
        return html(400, `The form has text that cannot be accepted (${badText.path.replace(/^body\./, '')}: ${badText.message})`);
      const repeated = repeatedField(request.body);
      if (repeated !== undefined) return html(400, `The form cannot be accepted: ${repeated.slice(0, 80)} is given more than once`);
      const form = ReturnFormSchema.safeParse(request.body ?? {});
      if (!form.success) return html(400, form.error.issues[0]?.message ?? 'the form is incomplete');
      const parsed = returnRequestFromForm(form.data);
      if (!parsed.success) return html(400, returnFormProblem(parsed.error.issues[0]));
      try {
        await startReturn(returnDepsOf(app), {
          orderId,
          request: parsed.data,
          channel: 'customer',
          requestedBy: 'tracking-page',
          idempotencyKey: `${orderId}:${form.data.key}`,
        });
      } catch (error) {
        // The form's key is an Idempotency-Key the customer never sees: a form sent again with other choices (back, edit, send)
        // is told in their words, not as the API's `Idempotency-Key "ORD-…:…" was already used`.
        if (error instanceof ApiError && error.code === 'idempotency_conflict')
          return html(
            409,
            'This form was already sent with other choices, and that return is started: reload the page to start another one',
          );
        if (error instanceof ApiError && error.statusCode < 500) return html(error.statusCode, error.message);
        throw error;
      }
      return reply
        .code(303)
        .header('location', `/track/${encodeURIComponent(orderId)}?t=${encodeURIComponent(token)}#returns`)
        .send();
    },
  );
}

/** What a customer's browser shows for a tracking link that names no order (mistyped, cut by a mail tool): no JSON. */
const UNKNOWN_TRACKING_PAGE = page({
  title: 'Order not found',
  customer: true,
  body:
    '<h1>We cannot find this order</h1><section class="card"><p>This tracking link is incomplete or not valid. ' +
    'Open it again from your order confirmation mail, or contact the shop you ordered from.</p></section>',
});

/**
 * A tracking link the API cannot read (a token cut or doubled by a mail tool, an id with a stray character) answers the
 * customer's browser with the page saying what to do, not the API's JSON 400. Other errors (429, 5xx) go to the API's handler.
 */
async function unreadableTrackingLink(error: unknown, _request: unknown, reply: FastifyReply): Promise<FastifyReply> {
  const status = typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : undefined;
  if (status !== 400) throw error;
  return reply.code(400).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(UNKNOWN_TRACKING_PAGE);
}

const trackingLinkSchema = {
  ...hidden,
  params: z.object({ orderId: EntityIdSchema }),
  querystring: z.object({ t: z.string().max(64).optional() }),
};

function trackingPageRoute(app: PagesApp, trackingPage: TrackingPage): void {
  const secret = app.config.trackingSecret;
  // The return form's address, opened again (the address bar after a refused form, the history): the tracking page and its
  // form, not the API's JSON 405 (GET is not allowed here). The tracking page checks the token.
  app.get(
    '/track/:orderId/returns',
    { config: publicAccess, schema: trackingLinkSchema, errorHandler: unreadableTrackingLink },
    async (request, reply) => {
      const { t } = request.query;
      const query = t === undefined ? '' : `?t=${encodeURIComponent(t)}`;
      return reply
        .code(303)
        .header('location', `/track/${encodeURIComponent(request.params.orderId)}${query}#returns`)
        .send();
    },
  );
  app.get(
    '/track/:orderId',
    { config: publicAccess, schema: trackingLinkSchema, errorHandler: unreadableTrackingLink },
    async (request, reply) => {
      const { orderId } = request.params;
      // A wrong token and an unknown order look the same: a page in the customer's browser, not the API's JSON error.
      if (!validTrackingToken(orderId, request.query.t, secret)) {
        const refusal = wrongToken(app, request, `order ${orderId}`);
        return reply
          .code(refusal.statusCode)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(UNKNOWN_TRACKING_PAGE);
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(await trackingPage(orderId, request.query.t ?? trackingToken(orderId, secret)));
    },
  );
}

const pages: FastifyPluginAsyncZod = async (app) => {
  opsPageRoutes(app);
  // The return form posts as a browser does: application/x-www-form-urlencoded (this plugin's routes only).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: FORM_BODY_LIMIT_BYTES },
    (request, body: Buffer, done) => {
      const contentType = request.headers['content-type'];
      const text = utf8Text(body);
      const form = text.ok ? formFields(text.text) : { unreadable: 'the form is not UTF-8 text' };
      const unreadable =
        contentCodingProblem(request.headers['content-encoding']) ??
        charsetProblem(typeof contentType === 'string' ? contentType : undefined) ??
        ('unreadable' in form ? form.unreadable : undefined);
      if (unreadable !== undefined) unreadableForms.set(request, unreadable);
      done(null, 'fields' in form ? form.fields : {});
    },
  );
  const trackingPage = trackingPageOf(app);
  returnFormRoute(app, trackingPage);
  trackingPageRoute(app, trackingPage);
  returnLabelRoute(app);
};

export default pages;
