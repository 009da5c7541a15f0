import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { page } from '../../routes/pages/layout';
import { errorBody } from './errors';

/**
 * No route: 404, unless the path exists with other methods, then 405 with `Allow` (RFC 9110 §15.5.6).
 * Routes are collected as they are declared; a path pattern `/orders/:id/cancel` matches any one segment per parameter.
 * A GET with a trailing slash (`/track/ORD-1/?t=…`, as a mail tool or a hand-typed address leaves it) is sent to the
 * route without it (308); an unknown path under the pages people open in a browser answers a page, not the API's JSON.
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
        'is not UTF-8, or far longer than any address here. <a href="/ops">Back to the process chart</a>.</p></section>',
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
 * mail; one over 16 KiB), else undefined: a person was shown the API's JSON. It echoes nothing of the URL (it may hold a token).
 */
export function browserBadUrlPage(request: { method: string; url: string }): string | undefined {
  const asked = browserAsked(request);
  return asked && badLinkPage(asked.customer);
}

function patternOf(url: string): RegExp {
  const parts = url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}$`);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route declared, as method and URL pattern (the fuzz tests walk them). */
    routeTable: { method: string; url: string }[];
  }
}

/** The path without its trailing slashes, when it had some and is still a path of this site (never `//host`). */
function withoutTrailingSlash(path: string): string | undefined {
  if (path.length < 2 || !path.endsWith('/')) return undefined;
  const meant = path.replace(/\/+$/, '');
  return meant.startsWith('/') && !meant.startsWith('//') ? meant : undefined;
}

export default fp(
  async function notFound(app: FastifyInstance) {
    const routes: { pattern: RegExp; methods: Set<string> }[] = [];
    const table: { method: string; url: string }[] = [];
    app.decorate('routeTable', table);
    app.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method])
        table.push({ method: method.toUpperCase(), url: route.url });
      if (route.url.includes('*')) return;
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
      const pattern = patternOf(route.url);
      const known = routes.find((r) => r.pattern.source === pattern.source);
      if (known) for (const method of methods) known.methods.add(method);
      else routes.push({ pattern, methods: new Set(methods) });
    });

    app.setNotFoundHandler(async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const allowed = new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]));
      const meant = request.method === 'GET' || request.method === 'HEAD' ? withoutTrailingSlash(path) : undefined;
      if (meant !== undefined && routes.some((r) => r.methods.has('GET') && r.pattern.test(meant)))
        return reply
          .code(308)
          .header('location', `${meant}${request.url.slice(path.length)}`)
          .send();
      if (allowed.size > 0) {
        const allow = [...allowed].sort().join(', ');
        return reply
          .code(405)
          .header('allow', allow)
          .send(errorBody(request, 'method_not_allowed', `${request.method} is not allowed here; allowed: ${allow}`));
      }
      const page = browserNotFoundPage(request);
      if (page !== undefined) return reply.code(404).type('text/html; charset=utf-8').send(page);
      return reply.code(404).send(errorBody(request, 'not_found', `no route ${request.method} ${path.slice(0, 200)}`));
    });
  },
  { name: 'colis-not-found' },
);
