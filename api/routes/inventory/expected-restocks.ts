import { z } from 'zod';
import { createInventoryActivities } from '../../../activities/inventory';
import {
  type ExpectedRestock,
  ExpectedRestockAnswerSchema,
  ExpectedRestockBodySchema,
  ExpectedRestockParamsSchema,
  ExpectedRestockQuerySchema,
  ExpectedRestockSchema,
  expectedAtIssues,
} from '../../../domain/expected-restocks';
import { ApiError } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { announceRestock, cancelRestock, listRestocks } from '../../services/expected-restocks';
import { tellOrdersRestocked } from '../../services/restock-news';
import { errorResponses } from '../responses';
import type { RoutesApp } from '../route-app';
import { refuseUnknownGoods } from './goods';

/**
 * Goods on their way (advance shipping notices), which the promise engine dates backorders from: announced or re-dated
 * by reference (PUT), listed, called off. Each change tells the orders waiting for the SKU, which re-date their promise.
 * The receipt is `POST /inventory/restock` under the same reference.
 */
export function registerExpectedRestockRoutes(app: RoutesApp): void {
  announceRoute(app);
  listRoute(app);
  cancelRoute(app);
}

const errors = errorResponses({ key: true, body: true, notFound: true, conflict: true });

/** Orders waiting for the SKU hear of it and re-date their promise from what is now expected. */
const tellWaitingOrders = async (app: RoutesApp, restock: ExpectedRestock): Promise<string[]> => {
  const waiting = await createInventoryActivities(app.db).ordersAwaitingStock({ skuCode: restock.skuCode });
  return tellOrdersRestocked(app, waiting, () => ({ warehouseCode: restock.warehouseCode, skuCode: restock.skuCode, expected: true }));
};

function announceRoute(app: RoutesApp): void {
  app.put(
    '/inventory/inbound/:reference',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['inventory'],
        summary: 'Announce or re-date an expected restock',
        description:
          'Goods on their way to a warehouse under `reference` (the ASN or purchase order line; URL-encoded): 201 when new, 200 when its ' +
          'date or quantity changed or nothing did. `expectedAt` is when they are expected on the shelf, in the future and at most 366 days ' +
          'ahead. Backorders are promised from it; the orders waiting for the SKU are told and re-date their promise (a later date is ' +
          'announced to the customer). A reference announced for another warehouse or SKU, or already received, is a 409. ' +
          'Received by `POST /inventory/restock` under the same reference.',
        params: ExpectedRestockParamsSchema,
        body: ExpectedRestockBodySchema,
        response: { 201: ExpectedRestockAnswerSchema, 200: ExpectedRestockAnswerSchema, ...errors },
      },
    },
    async (request, reply) => {
      const problem = expectedAtIssues(request.body.expectedAt, Date.now());
      if (problem) {
        throw new ApiError(400, 'validation_failed', `expectedAt ${problem}`, [{ path: 'body.expectedAt', message: problem }]);
      }
      await refuseUnknownGoods(app.db, request.body);
      const { outcome, restock } = await announceRestock(app.db, request.params.reference, request.body);
      const signalledOrders = outcome === 'unchanged' ? [] : await tellWaitingOrders(app, restock);
      request.log.info(
        {
          warehouseCode: restock.warehouseCode,
          skuCode: restock.skuCode,
          outcome,
          signalled: signalledOrders.length,
          by: principalOf(request).name,
        },
        'expected restock',
      );
      return reply.code(outcome === 'created' ? 201 : 200).send({ ...restock, signalledOrders });
    },
  );
}

function listRoute(app: RoutesApp): void {
  app.get(
    '/inventory/inbound',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['inventory'],
        summary: 'Expected restocks',
        description:
          '`status` expected (default: soonest first; `overdue` when its date has passed: promises count it as arriving as late again as it is, a day from now at the soonest, and not at all past two weeks late, so chase or re-date it), ' +
          'received or cancelled (latest first); optional warehouseCode and skuCode; at most ' +
          '`limit` (1–200, default 50).',
        querystring: ExpectedRestockQuerySchema,
        response: { 200: z.object({ items: z.array(ExpectedRestockSchema) }).meta({ id: 'ExpectedRestocks' }), ...errors },
      },
    },
    async (request) => ({ items: await listRestocks(app.db, request.query) }),
  );
}

function cancelRoute(app: RoutesApp): void {
  app.delete(
    '/inventory/inbound/:reference',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['inventory'],
        summary: 'Call off an expected restock',
        description:
          'The goods will not come: kept as `cancelled`, no longer counted by promises; the orders waiting for the SKU are told and ' +
          're-date their promise (or note it at risk). Calling it off again answers it; announcing it again (PUT) revives it. ' +
          '409 once received, 404 for a reference never announced.',
        params: ExpectedRestockParamsSchema,
        response: { 200: ExpectedRestockAnswerSchema, ...errors },
      },
    },
    async (request) => {
      const { changed, restock } = await cancelRestock(app.db, request.params.reference);
      const signalledOrders = changed ? await tellWaitingOrders(app, restock) : [];
      request.log.info({ skuCode: restock.skuCode, changed, by: principalOf(request).name }, 'expected restock called off');
      return { ...restock, signalledOrders };
    },
  );
}
