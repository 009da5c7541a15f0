import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendErrorPage, speaksCustomerLanguage } from '../../error-pages';
import { learnLinkLanguage } from '../../services/customer-language';
import { errorBody } from './errors';

/**
 * No route: 404, unless the path exists with other methods, then 405 with `Allow` (RFC 9110 §15.5.6).
 * Routes are collected as they are declared; a path pattern `/orders/:id/cancel` matches any one segment per parameter.
 * A GET with a trailing slash (`/track/ORD-1/?t=…`, as a mail tool or a hand-typed address leaves it) is sent to the
 * route without it (308); a browser's 404 or 405 is a page, not the API's JSON (api/error-pages.ts), a customer's in their
 * order's language when the link's token is good (services/customer-language.ts).
 */

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
      // A good customer's link with a wrong sub-path or method: its page in the order's language, as its 429 is.
      if (!speaksCustomerLanguage(request)) await learnLinkLanguage(app, request);
      if (allowed.size > 0) {
        const allow = [...allowed].sort().join(', ');
        reply.header('allow', allow);
        return (
          sendErrorPage(request, reply, 405) ??
          reply.code(405).send(errorBody(request, 'method_not_allowed', `${request.method} is not allowed here; allowed: ${allow}`))
        );
      }
      return (
        sendErrorPage(request, reply, 404) ??
        reply.code(404).send(errorBody(request, 'not_found', `no route ${request.method} ${path.slice(0, 200)}`))
      );
    });
  },
  { name: 'colis-not-found' },
);
