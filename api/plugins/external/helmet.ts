import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/** The CSP still lets Swagger UI's own static files run at /docs. */
const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'"],
      // Helmet's default upgrade-insecure-requests made a browser fetch every script and post every form over https: an API
      // served over plain HTTP under any name but localhost (COLIS_API_HOST on a LAN) showed ops pages whose script never
      // loaded and a return form that could not be sent. Every URL the pages use is relative, so over HTTPS they stay on HTTPS.
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * Nothing Colis serves is for search engines: a tracking page shows a customer's parcel (its token is in the link a
 * crawler may be given), the ops pages and the API are for staff and shops. Set on every answer, error pages included.
 */
export const ROBOTS_TAG = 'noindex, nofollow';

const helmetHeaders = helmet(HELMET_OPTIONS);

/**
 * The same headers on an answer no hook runs for: Fastify answers a URL its router cannot decode or a path segment
 * too long (`frameworkErrors`) before any onRequest hook, so those answers went out without CSP, nosniff or framing rules.
 */
export function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  helmetHeaders(request, response, (error?: unknown) => {
    if (error) throw error;
  });
  response.setHeader('x-robots-tag', ROBOTS_TAG);
}

/**
 * The same headers as `Name: value` lines, for an answer written to the socket before any request object exists (what
 * Node's HTTP parser refuses, client-errors.ts). Helmet's middleware only sets and removes headers: it is run once on a
 * collector of them.
 */
export const SECURITY_HEADER_LINES: readonly string[] = (() => {
  const headers = new Map<string, string>();
  const collector = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name, String(value));
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  setSecurityHeaders({} as IncomingMessage, collector as unknown as ServerResponse);
  return [...headers].map(([name, value]) => `${name}: ${value}`);
})();

/** Security headers on every routed response (helmet's), and X-Robots-Tag. */
export default fp(
  async function securityHeaders(app: FastifyInstance) {
    await app.register(fastifyHelmet, HELMET_OPTIONS);
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-robots-tag', ROBOTS_TAG);
    });
  },
  { name: 'colis-helmet' },
);
