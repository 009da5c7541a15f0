import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Security headers on every response; the CSP still lets Swagger UI's own static files run at /docs. */
export default fp(
  async function securityHeaders(app: FastifyInstance) {
    await app.register(helmet, {
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
    });
  },
  { name: 'colis-helmet' },
);
