import type { FastifyReply } from 'fastify';
import type { ErrorDetail } from '../domain/api';
import { type ErrorPageWords, TRACKING_PAGE_WORDS_EN, type TrackingPageWords } from '../domain/tracking-page-words';
import { escapeHtml, page } from './routes/pages/layout';

/**
 * The error pages: what a person's browser gets where an API client gets the one JSON error shape (api/errors.ts maps
 * failures to a status; this maps a status to a page). Every refusal of a browser's request comes through here: the error
 * handler (plugins/app/errors.ts), the 404/405 handler (plugins/app/not-found.ts), the router's refusals
 * (framework-errors.ts) and Node's parser's (client-errors.ts). Routes throw their refusals; none draws its own error page.
 *
 * A browser's request: one to a page (the customer's links under /track, the ops pages under /ops, their scripts aside),
 * whether a GET or the return form's POST, unless it asks for JSON first (`Accept: application/json`); or any request whose
 * Accept prefers text/html to JSON (a browser's navigation, `text/html,…,*\/*;q=0.8`). An API client (no Accept, `*\/*`,
 * or JSON first) gets the JSON it always got. A page says what went wrong and what to do, in the pages' frame, never
 * cached (its URL may hold a token), echoing nothing the request sent but the names of refused fields (escaped), and no
 * personal data: the request id is the only reference it gives.
 */

/** Which page a route's refusals are told as (`config.errorPage`): what the customer's link was meant to open. */
export type PageSubject = 'order' | 'return-label' | 'ops-order';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The page route's subject, for its 400 and 404 pages ("We cannot find this order"). */
    errorPage?: PageSubject;
  }
}

export interface Audience {
  /** A customer (under /track), else ops. */
  customer: boolean;
  subject?: PageSubject;
  /** A customer's page words, in their order's language once its link's token is known good; English otherwise. */
  words?: TrackingPageWords;
}

/**
 * The language of a customer's request, recorded by the routes of `/track/…` once the link's token has proven the order (its
 * `Order.locale`, as its mails': routes/pages/tracking-page.ts): an error after that, a return label no longer valid, is told
 * in the order's language. A wrong or unreadable link stays English: its language would tell a stranger the order exists.
 */
const customerLanguages = new WeakMap<object, TrackingPageWords>();
export const speakToCustomerIn = (request: object, words: TrackingPageWords): void => {
  customerLanguages.set(request, words);
};
/** Whether a customer's request already has its order's language (or is not a customer's page). */
export const speaksCustomerLanguage = (request: AskingRequest): boolean =>
  customerLanguages.has(request) || pageAudience(request)?.customer !== true;

/** Where people's browsers go: the ops pages and the customer's tracking links (not the pages' scripts). */
const PAGE_PATHS = /^\/(ops|track)(\/|$)/;
const SCRIPT_PATHS = /^\/ops\/assets\//;

/** The quality an Accept header gives a media type: its most specific matching range's (RFC 9110 §12.5.1); 1 when absent. */
function quality(accept: string | undefined, type: string): number {
  if (accept === undefined || accept.trim() === '') return 1;
  const [major] = type.split('/');
  let best = { specificity: -1, q: 0 };
  for (const range of accept.split(',').slice(0, 40)) {
    const [name = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const specificity = name === type ? 2 : name === `${major}/*` ? 1 : name === '*/*' ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const given = parameters.find((p) => p.startsWith('q='))?.slice(2);
    const q = given === undefined ? 1 : Number(given);
    best = { specificity, q: Number.isFinite(q) ? q : 0 };
  }
  return best.q;
}

interface AskingRequest {
  method: string;
  url: string;
  headers?: Record<string, string | string[] | undefined>;
  routeOptions?: { config?: { errorPage?: PageSubject } };
}

/** Whether a person's browser asked, and whose page it is; undefined for an API client (it gets the JSON). */
export function pageAudience(request: AskingRequest): Audience | undefined {
  const path = request.url.split('?')[0] ?? '';
  const accept = request.headers?.accept;
  const acceptText = Array.isArray(accept) ? accept.join(',') : accept;
  const html = quality(acceptText, 'text/html');
  const json = quality(acceptText, 'application/json');
  const pageRoute = PAGE_PATHS.test(path) && !SCRIPT_PATHS.test(path);
  if (json > html || !(html > json || pageRoute)) return undefined;
  const subject = request.routeOptions?.config?.errorPage;
  const words = customerLanguages.get(request);
  return { customer: path.startsWith('/track'), ...(subject ? { subject } : {}), ...(words ? { words } : {}) };
}

const OPS_WAY_BACK = '<a href="/ops">Back to the process chart</a>.';

/** A page's heading and what to do, per status, for a customer and for ops. */
function told(audience: Audience, status: number, retryAfter: string | undefined): ErrorPageWords {
  const { customer, subject } = audience;
  const seconds = retryAfter && /^\d{1,6}$/.test(retryAfter) ? retryAfter : undefined;
  if (status === 401 || status === 403)
    return {
      title: 'Not allowed',
      heading: status === 401 ? 'This address needs an API key' : 'Your key may not open this',
      text: 'It is part of the Colis API, which programs call with a key. People use the ops pages, which ask for the key.',
    };
  if (customer) return toldCustomer(audience.words ?? TRACKING_PAGE_WORDS_EN, subject, status, seconds);
  const wait = seconds === undefined ? 'a minute' : `${seconds} seconds`;
  if (status === 400 || status === 404 || status === 408 || status === 431) {
    if (subject === 'ops-order' && status === 400)
      return {
        title: 'Colis — no such order',
        heading: 'No such order',
        text: 'This address names no order: an order id is 1–80 letters, digits, <code>-</code> or <code>_</code> (as <code>ORD-…</code>).',
      };
    if (status === 404) return { title: 'Page not found', heading: 'No such page', text: 'Nothing lives at this address.' };
    return {
      title: 'Link not valid',
      heading: 'This address is not valid',
      text:
        'It could not be read: an escape (<code>%</code>) that is not UTF-8, a control character, a value this address ' +
        'does not take, or far longer than any address here.',
    };
  }
  switch (status) {
    case 405:
      return { title: 'Not available', heading: 'This address cannot be used that way', text: 'Open the page from its link instead.' };
    case 409:
      return {
        title: 'Not done',
        heading: 'This could not be done now',
        text: 'It conflicts with how things stand now. Reload the page to see where they are, then try again.',
      };
    case 413:
      return { title: 'Too large', heading: 'What you sent is too large', text: 'Send less (a shorter comment), from the page itself.' };
    case 415:
      return {
        title: 'Not readable',
        heading: 'What you sent cannot be read',
        text: 'Send it from the page itself, as your browser sends its forms.',
      };
    case 429:
      return {
        title: 'Too many requests',
        heading: 'Too many requests',
        text: `Too many requests came from your connection in a short time. Wait ${wait}, then reload the page.`,
      };
    case 503:
      return {
        title: 'Temporarily unavailable',
        heading: 'Temporarily unavailable',
        text: `We cannot answer right now: part of the service is down or restarting. Nothing was lost. Try again in ${wait}.`,
      };
    default:
      return status >= 500
        ? {
            title: 'Something went wrong',
            heading: 'Something went wrong on our side',
            text: 'Try again in a few minutes. If it goes on, tell us the reference below.',
          }
        : { title: 'Not done', heading: 'This request could not be completed', text: 'Reload the page and try again.' };
  }
}

/**
 * A customer's page for a status, in their order's language once its link's token is known good (domain/tracking-page-words.ts,
 * `errors`): plain text, escaped here.
 */
function toldCustomer(w: TrackingPageWords, subject: PageSubject | undefined, status: number, seconds: string | undefined): ErrorPageWords {
  const e = w.errors;
  const chosen = ((): ErrorPageWords => {
    if (status === 400 || status === 404 || status === 408 || status === 431) {
      if (subject === 'order') return e.orderNotFound;
      if (subject === 'return-label') return e.labelNotFound;
      return status === 404 ? e.pageNotFound : e.linkDamaged;
    }
    switch (status) {
      case 405:
        return e.notThatWay;
      case 409:
        return e.conflict;
      case 413:
        return e.tooLarge;
      case 415:
        return e.unreadable;
      case 429:
        return e.tooMany(e.wait(seconds));
      case 503:
        return e.unavailable(e.wait(seconds));
      default:
        return status >= 500 ? e.wentWrong : e.notDone;
    }
  })();
  return { title: chosen.title, heading: escapeHtml(chosen.heading), text: escapeHtml(chosen.text) };
}

/** The refused fields an ops page names (their paths only, never the values sent). */
const fieldList = (details: readonly ErrorDetail[] | undefined): string => {
  const paths = [...new Set((details ?? []).map((detail) => detail.path))].slice(0, 10);
  return paths.length === 0 ? '' : `<p>Refused: ${paths.map((path) => `<code>${escapeHtml(path.slice(0, 80))}</code>`).join(', ')}.</p>`;
};

/** The page for a status, as `audience` reads it. */
export function errorPageHtml(
  audience: Audience,
  status: number,
  info: { retryAfter?: string | undefined; requestId?: string | undefined; details?: readonly ErrorDetail[] | undefined } = {},
): string {
  const { title, heading, text } = told(audience, status, info.retryAfter);
  const fields = audience.customer ? '' : fieldList(info.details);
  const words = audience.words ?? TRACKING_PAGE_WORDS_EN;
  const said = audience.customer ? words.errors.reference : 'Reference:';
  const reference = info.requestId
    ? `<p class="status">${escapeHtml(said)} <code>${escapeHtml(info.requestId.slice(0, 128))}</code></p>`
    : '';
  const wayBack = audience.customer ? (/mail|shop|boutique/.test(text) ? '' : ` ${escapeHtml(words.errors.wayBack)}`) : ` ${OPS_WAY_BACK}`;
  return page({
    title,
    customer: audience.customer && words,
    body: `<h1>${heading}</h1><section class="card" data-status="${status}"><p>${text}${wayBack}</p>${fields}${reference}</section>`,
  });
}

/**
 * The page a browser's request gets for `status`, or undefined for an API client. The reply's headers already set (Retry-After,
 * Allow, WWW-Authenticate) stay.
 */
export function errorPageFor(
  request: AskingRequest & { id?: string },
  status: number,
  info: { retryAfter?: string | undefined; details?: readonly ErrorDetail[] | undefined } = {},
): string | undefined {
  const audience = pageAudience(request);
  return audience && errorPageHtml(audience, status, { ...info, ...(request.id ? { requestId: request.id } : {}) });
}

/** Answers a browser's request with its error page (undefined for an API client, which the caller answers in JSON). */
export function sendErrorPage(
  request: AskingRequest & { id?: string },
  reply: FastifyReply,
  status: number,
  details?: readonly ErrorDetail[],
): FastifyReply | undefined {
  const retryAfter = reply.getHeader('retry-after');
  const html = errorPageFor(request, status, { retryAfter: retryAfter === undefined ? undefined : String(retryAfter), details });
  return html === undefined
    ? undefined
    : reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/**
 * For what Node's parser refuses before any request exists (client-errors.ts): only the request line is known, so a GET or
 * HEAD under /ops or /track is a browser's, and gets the "link not valid" page.
 */
export function requestLinePage(line: { method: string; url: string }, status: number): string | undefined {
  const path = line.url.split('?')[0] ?? '';
  if (!PAGE_PATHS.test(path) || (line.method !== 'GET' && line.method !== 'HEAD')) return undefined;
  return errorPageHtml({ customer: path.startsWith('/track') }, status);
}
