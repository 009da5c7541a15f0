import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProcessChartSchema, ProcessWindowQuerySchema, resolveWindow } from '../../../domain/process';
import { computeProcessChart } from '../../services/process';
import { renderProcessSvg } from '../../services/process-svg';
import { errorResponses } from '../responses';

const errors = errorResponses({ key: true });

const windowHelp =
  '`window=hour|day|week` counts back from now (default: day); or `from`/`to` (ISO 8601 with offset, years 0001–9999 in UTC, ' +
  '`from` before `to`; `from` alone runs to now, so it is in the past). Durations are business time ' +
  '(wall clock × the time scale). `bottleneckRule` says how the bottleneck is chosen.';

const processChart: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/process',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['process'],
        summary: 'The process chart (JSON)',
        description: `Stages as nodes with their figures, flows as edges with transition counts, the bottleneck flagged; \`promise\`: promise keeping against the intake promise, as in /reports/fulfilment. ${windowHelp}`,
        querystring: ProcessWindowQuerySchema,
        response: { 200: ProcessChartSchema, ...errors },
      },
    },
    async (request) => computeProcessChart(app.db, resolveWindow(request.query, new Date()), app.config.timeScale),
  );

  app.get(
    '/process.svg',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['process'],
        summary: 'The process chart (SVG)',
        description: `The same chart drawn for people: boxes, arrows, figures, the bottleneck in orange, the promise panel under the lanes. ${windowHelp}`,
        querystring: ProcessWindowQuerySchema,
        response: { 200: z.string().meta({ description: 'the chart as image/svg+xml' }), ...errors },
      },
    },
    async (request, reply) => {
      const chart = await computeProcessChart(app.db, resolveWindow(request.query, new Date()), app.config.timeScale);
      return reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'no-store').send(renderProcessSvg(chart));
    },
  );
};

export default processChart;
