import { ApplicationFailure } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createInventoryActivities } from '../../../activities/inventory';
import type { FastifyBaseLogger } from 'fastify';
import { InventoryQuerySchema, OptionalIdempotencyHeadersSchema } from '../../../domain/api';
import { ListedInventoryLevelSchema, type RestockRequest, RestockRequestSchema, RestockResultSchema } from '../../../domain/inventory';
import { ApiError } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { runOpsAction } from '../../services/ops-actions';
import { tellOrdersRestocked } from '../../services/restock-news';
import { refuseReceiptOfOtherGoods } from '../../services/expected-restocks';
import { registerExpectedRestockRoutes } from './expected-restocks';
import { refuseUnknownGoods } from './goods';
import { errorResponses } from '../responses';

const RestockResponseSchema = RestockResultSchema.extend({
  /** Backordered orders told about the new stock (each re-tries its reservation). */
  signalledOrders: z.array(z.string()),
}).meta({ id: 'RestockResponse' });

const inventory: FastifyPluginAsyncZod = async (app) => {
  const stock = createInventoryActivities(app.db);
  registerExpectedRestockRoutes(app);

  app.get(
    '/inventory',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['inventory'],
        summary: 'Stock levels',
        description:
          'Per warehouse and SKU: on hand, reserved, available (on hand − reserved), and promised (units accepted orders were promised ' +
          'from there and have not reserved yet: new promises count them as taken). Optional filters: warehouseCode, skuCode.',
        querystring: InventoryQuerySchema,
        response: {
          200: z.object({ items: z.array(ListedInventoryLevelSchema) }).meta({ id: 'InventoryLevels' }),
          ...errorResponses({ key: true }),
        },
      },
    },
    async (request) => ({ items: await stock.inventoryLevels(request.query) }),
  );

  app.post(
    '/inventory/restock',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['inventory'],
        summary: 'Receive stock',
        description:
          'Adds stock to a warehouse (idempotent per `reference`, and per Idempotency-Key: same key and body, the same answer; another ' +
          'body, 409; the same `reference` for another warehouse, SKU or quantity, 409 `idempotency_conflict`, nothing added) and signals `restocked`, once each, to every order waiting for the SKU: backordered orders, and orders whose re-shipped parcel waits for stock for its replacement. Recorded as made by the calling key.',
        headers: OptionalIdempotencyHeadersSchema,
        body: RestockRequestSchema,
        response: { 200: RestockResponseSchema, ...errorResponses({ key: true, body: true, conflict: true, unavailable: true }) },
      },
    },
    async (request, reply) => {
      // Checked before the Idempotency-Key is claimed, as intake checks its SKUs: a receipt for a warehouse or SKU that does
      // not exist changes nothing, so its key stays free for the corrected receipt (it was stored with the 400, and the
      // corrected retry under the same key was a 409 "already used for a different request").
      await refuseUnknownGoods(app.db, request.body);
      await refuseReceiptOfOtherGoods(app.db, request.body);
      const { body, replayed } = await runOpsAction(
        app.db,
        {
          actor: principalOf(request).name,
          action: 'restock',
          targetId: `${request.body.warehouseCode}:${request.body.skuCode}`,
          idempotencyKey: request.headers['idempotency-key'],
          request: request.body,
        },
        () => restock(request.body, request.log),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return body;
    },
  );

  const restock = async (request: RestockRequest, log: FastifyBaseLogger) => {
    const { warehouseCode, skuCode } = request;
    const result = await stock.restock(request).catch(async (error: unknown) => {
      // Announced for other goods after the route's check: the same 409 as that check's, read again.
      if (error instanceof ApplicationFailure && error.type === 'ReceiptOfOtherGoods') await refuseReceiptOfOtherGoods(app.db, request);
      if (!(error instanceof ApplicationFailure && error.type === 'InvalidRestock')) throw error;
      throw new ApiError(400, 'validation_failed', error.message, [{ path: 'body.quantity', message: error.message }]);
    });
    if (!result.applied) await sameReceipt(request);
    const signalled = await tellOrdersRestocked(app, await stock.ordersAwaitingStock({ skuCode }), () => ({ warehouseCode, skuCode }));
    log.info({ warehouseCode, skuCode, applied: result.applied, signalled: signalled.length }, 'restock');
    return { ...result, signalledOrders: signalled };
  };

  /**
   * A reference names one receipt (one warehouse, one SKU, one quantity: an advance shipping notice's line). Its
   * repeat is the same receipt and changes nothing; the same reference for other goods is a mistake to say out loud,
   * not a 200 that quietly adds nothing (a purchase order's second SKU received under the first one's reference).
   */
  const sameReceipt = async ({ warehouseCode, skuCode, quantity, reference }: RestockRequest) => {
    const first = await app.db.inventoryMovement.findUnique({
      where: { idempotencyKey: `restock:${reference}` },
      select: { warehouseCode: true, skuCode: true, onHandDelta: true },
    });
    if (!first || (first.warehouseCode === warehouseCode && first.skuCode === skuCode && first.onHandDelta === quantity)) return;
    const received = `${first.warehouseCode} / ${first.skuCode} × ${first.onHandDelta}`;
    throw new ApiError(
      409,
      'idempotency_conflict',
      `reference ${reference} was already received for ${received}; give each receipt its own reference`,
      [{ path: 'body.reference', message: `already received for ${received}` }],
    );
  };
};

export default inventory;
