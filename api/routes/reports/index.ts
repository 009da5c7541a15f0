import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../responses';
import { computeFulfilmentReport, FulfilmentReportQuerySchema, FulfilmentReportSchema } from '../../services/process-report';
import { windowStartBefore } from '../../../domain/process';

const WEEK_MS = 7 * 86_400_000;

const reports: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/reports/fulfilment',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['process'],
        summary: 'On-time and cost report',
        description:
          'Orders shipped, on-time rate against the promise, lead time per stage (business time), cost per order (boxes + carrier), ' +
          'savings from carrier choice versus always-fastest; `promise`: on time against the promise given at intake, promise ' +
          'tightness (p50/p90 business hours), cost per order and against hindsight where a simulation stored it, by carrier, ' +
          'service, warehouse and lane, and which stage consumed the slack of the late orders (the same figures as the process ' +
          "chart's `promise`). `from`/`to` ISO 8601 with offset, years 0001–9999 in UTC, `from` before `to`, `from` alone in the past " +
          '(it runs to now); else 400 naming the field. Default: the last 7 days.',
        querystring: FulfilmentReportQuerySchema,
        response: { 200: FulfilmentReportSchema, ...errorResponses({ key: true }) },
      },
    },
    async (request) => {
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from ? new Date(request.query.from) : windowStartBefore(to, WEEK_MS);
      return computeFulfilmentReport(app.db, from, to, app.config.timeScale);
    },
  );
};

export default reports;
