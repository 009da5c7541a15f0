import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthSchema, ReadinessSchema } from '../../../domain/api';
import { errorResponses } from '../responses';

const CHECK_TIMEOUT_MS = 3000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);
}

const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: { public: true }, unlimited: true },
      schema: { tags: ['health'], summary: 'The process is up', security: [], response: { 200: HealthSchema, ...errorResponses({}) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['health'],
        summary: 'Temporal and PostgreSQL are reachable',
        security: [],
        response: { ...errorResponses({}), 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      const [postgres, temporal] = await Promise.all([
        within(CHECK_TIMEOUT_MS, app.db.$queryRaw`SELECT 1`).then(
          () => 'up' as const,
          () => 'down' as const,
        ),
        within(CHECK_TIMEOUT_MS, app.temporal.workflowService.getSystemInfo({})).then(
          () => 'up' as const,
          () => 'down' as const,
        ),
      ]);
      const ready = postgres === 'up' && temporal === 'up';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: { postgres, temporal } });
    },
  );
};

export default health;
