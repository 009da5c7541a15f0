import { page } from '../../routes/pages/layout';

/**
 * The error pages a person's browser gets where an API client gets the JSON error shape: the ops pages and the customer's
 * tracking links are opened by people, whatever refused them (no route, the router, Node's parser, a check of the URL).
 */

/** Where a person's browser goes: the ops pages and the customer's tracking links (their 404 is a page). */
const BROWSER_PATHS = /^\/(ops|track)(\/|$)/;

const notFoundPage = (customer: boolean): string =>
  page({
    title: 'Page not found',
    customer,
    body: customer
      ? '<h1>We cannot find this page</h1><section class="card"><p>This link is incomplete or not valid. Open it again ' +
        'from your order confirmation mail, or contact the shop you ordered from.</p></section>'
      : '<h1>No such page</h1><section class="card"><p>Nothing lives at this address. ' +
        '<a href="/ops">Back to the process chart</a>.</p></section>',
  });

const badLinkPage = (customer: boolean): string =>
  page({
    title: 'Link not valid',
    customer,
    body: customer
      ? '<h1>This link is damaged</h1><section class="card"><p>Part of the address was changed or cut on its way to you. ' +
        'Open the link again from your order confirmation mail, or contact the shop you ordered from.</p></section>'
      : '<h1>This address is not valid</h1><section class="card"><p>It could not be read: an escape (<code>%</code>) that ' +
        'is not UTF-8, a control character, or far longer than any address here. <a href="/ops">Back to the process chart</a>.</p></section>',
  });

/** Whether a person's browser asked (a GET under /ops or /track); a customer's when under /track. */
function browserAsked(request: { method: string; url: string }): { customer: boolean } | undefined {
  const path = request.url.split('?')[0] ?? '';
  if (!BROWSER_PATHS.test(path) || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
  return { customer: path.startsWith('/track') };
}

/** The "not found" page a browser's GET under /ops or /track gets (a customer's under /track), else undefined. */
export function browserNotFoundPage(request: { method: string; url: string }): string | undefined {
  const asked = browserAsked(request);
  return asked && notFoundPage(asked.customer);
}

/**
 * The page a browser's GET under /ops or /track gets for a URL that cannot be read (`/track/%E0%A4%A`, a link cut in a
 * mail; one over 16 KiB; a `%00` in its query), else undefined: a person was shown the API's JSON. It echoes nothing of
 * the URL (it may hold a token).
 */
export function browserBadUrlPage(request: { method: string; url: string }): string | undefined {
  const asked = browserAsked(request);
  return asked && badLinkPage(asked.customer);
}
