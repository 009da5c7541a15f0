import { randomUUID } from 'node:crypto';
import { answerClientError } from './client-errors';
import { answerFrameworkError, MAX_PATH_SEGMENT } from './framework-errors';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { Db } from '../activities/db';
import type { AddressValidator } from '../domain/carrier';
import type { ApiConfig } from './config';
import { ApiError } from './errors';
import auth from './plugins/app/auth';
import errors from './plugins/app/errors';
import personalDataRetention from './plugins/app/personal-data-retention';
import metrics from './plugins/app/metrics';
import notFound from './plugins/app/not-found';
import services from './plugins/app/services';
import helmet from './plugins/external/helmet';
import swagger from './plugins/external/swagger';
import carriers from './routes/carriers/index';
import claims from './routes/claims/index';
import codec from './routes/codec/index';
import escalations from './routes/escalations/index';
import health from './routes/health/index';
import inventory from './routes/inventory/index';
import warehouses from './routes/warehouses/index';
import orders from './routes/orders/index';
import pages from './routes/pages/index';
import processChart from './routes/process/index';
import reports from './routes/reports/index';
import returns from './routes/returns/index';
import shipments from './routes/shipments/index';
import shops from './routes/shops/index';
import webhooks from './routes/webhooks/index';

export interface AppDeps {
  db: Db;
  temporalClient: Client;
  config: ApiConfig;
  /** Delivery address checks; the simulated carriers' rules by default. */
  addressValidator?: AddressValidator;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

/** Never logged, at any depth we emit: keys, signatures, and the customer's name, email and address. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["colis-signature"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'customer.name',
  'customer.email',
  '*.customer.name',
  '*.customer.email',
  'shipTo',
  '*.shipTo',
  'email',
  '*.email',
  'body',
  '*.body',
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** A URL as logged: the path, and the names of its query parameters only (a tracking token is one). */
export function loggedUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const names =
    query === undefined ? [] : [...new URLSearchParams(query).keys()].map((name) => `${encodeURIComponent(name).slice(0, 40)}=…`);
  return names.length > 0 ? `${path.slice(0, 300)}?${names.join('&')}` : path.slice(0, 300);
}

/** What a request line says in the log: no header, no query value, no body. */
const requestSerializer = (request: FastifyRequest) => ({
  method: request.method,
  url: loggedUrl(request.url),
  remoteAddress: request.ip,
});

/** The Fastify app, ready for `inject()` in tests or `listen()` in api/server.ts. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      serializers: { req: requestSerializer },
      ...(deps.logStream ? { stream: deps.logStream } : {}),
    },
    bodyLimit: config.bodyLimitBytes,
    // A caller's request id is kept when it looks like one, so a trace can cross systems.
    genReqId: (request) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    },
    // Behind a load balancer the connecting address is the balancer's: its X-Forwarded-For names the client, and only its.
    trustProxy: config.trustedProxies && config.trustedProxies.length > 0 ? config.trustedProxies : false,
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    // Node answers an HTTP/1.1 request without Host with a bare 400 (no body, no request id) before Fastify sees it;
    // the onRequest hook below refuses it instead, in the one error shape naming the header.
    http: { requireHostHeader: false },
    clientErrorHandler: answerClientError,
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
  }).withTypeProvider<ZodTypeProvider>();

  // JSON only: any other media type is a 415, not a string for the validator to puzzle over.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // RFC 9112 §3.2: a server answers 400 to an HTTP/1.1 request without Host; HTTP/1.0 may omit it.
    if (request.headers.host === undefined && request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor >= 1) {
      throw new ApiError(400, 'validation_failed', 'an HTTP/1.1 request names its Host', [
        { path: 'headers.host', message: 'is required in HTTP/1.1' },
      ]);
    }
  });

  await app.register(services, {
    db: deps.db,
    temporal: deps.temporalClient,
    config,
    ...(deps.addressValidator ? { addressValidator: deps.addressValidator } : {}),
  });
  await app.register(errors);
  await app.register(notFound);
  await app.register(helmet);
  await app.register(auth, {
    db: deps.db,
    apiKeys: config.apiKeys,
    limits: {
      perMinute: config.rateLimitPerMinute,
      authFailuresPerMinute: config.authFailuresPerMinute,
      webhooksPerMinute: config.webhooksPerMinute,
    },
    knownCarrier: (code) => config.webhookSecretFor(code) !== undefined,
  });
  await app.register(swagger);
  await app.register(metrics, { temporalMetricsUrl: config.temporalMetricsUrl });
  await app.register(personalDataRetention);

  await app.register(health);
  await app.register(orders);
  await app.register(shipments);
  await app.register(escalations);
  await app.register(inventory);
  await app.register(warehouses);
  await app.register(carriers);
  await app.register(codec);
  await app.register(processChart);
  await app.register(pages);
  await app.register(reports);
  await app.register(webhooks);
  await app.register(shops);
  await app.register(returns);
  await app.register(claims);

  await app.ready();
  return app;
}
