import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../../errors';
import { hashApiKey } from '../app/auth';

export interface RateLimitOptions {
  perMinute: number;
}

/** Per API key (by its hash, never the key), else per client address for keyless calls. */
function limitKey(request: FastifyRequest): string {
  const key = request.headers['x-api-key'] ?? request.headers.authorization;
  return typeof key === 'string' && key !== '' ? `key:${hashApiKey(key.replace(/^Bearer\s+/i, '').trim())}` : `ip:${request.ip}`;
}

export default fp<RateLimitOptions>(
  async function rateLimiting(app: FastifyInstance, options: RateLimitOptions) {
    await app.register(rateLimit, {
      max: options.perMinute,
      timeWindow: 60_000,
      keyGenerator: limitKey,
      errorResponseBuilder: (_request, context) =>
        new ApiError(
          429,
          'rate_limited',
          `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
          undefined,
          {
            'retry-after': String(Math.ceil(context.ttl / 1000)),
          },
        ),
    });
  },
  { name: 'colis-rate-limit' },
);
