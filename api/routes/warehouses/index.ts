import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ordersAwaitingStockAt, setWarehouseAvailability, shipmentsWaitingAt } from '../../../activities/reallocation';
import { NoQuerySchema } from '../../../domain/api';
import { warehouseAvailabilitySignal } from '../../../workflows/definitions';
import { notFound } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { errorResponses } from '../responses';
import { tellOrdersRestocked } from '../../services/restock-news';
import { printedLine } from '../../../domain/text-fields';

const WarehouseCodeParamsSchema = z.object({
  code: z.string().regex(/^[A-Z0-9]{2,12}$/, 'warehouse codes are 2–12 capital letters or digits'),
});

const AvailabilityRequestSchema = z
  .object({
    status: z.enum(['down', 'up']),
    /** Why (shown to ops and in the shipments' timelines); no personal data. */
    reason: printedLine(200).optional(),
  })
  .strict()
  .meta({ id: 'WarehouseAvailabilityRequest' });

const WarehouseAvailabilitySchema = z
  .object({
    warehouseCode: z.string(),
    down: z.boolean(),
    downSince: z.string().nullable(),
    downReason: z.string().nullable(),
    /** Who declared it down: an ops key's name, or `colis` when its queue went unserved. */
    downBy: z.string().nullable(),
  })
  .meta({ id: 'WarehouseAvailability' });

const AvailabilityAnswerSchema = WarehouseAvailabilitySchema.extend({
  /** False when the warehouse already was in that state: nothing was written, nobody told. */
  changed: z.boolean(),
  /** Shipments waiting there, not picked yet, told to move (down) or to try again (up). */
  signalledShipments: z.number().int(),
  /** Up: orders backordered for stock it holds free (or a replacement waiting for it), told to try again as a restock would. */
  signalledOrders: z.number().int(),
}).meta({ id: 'WarehouseAvailabilityAnswer' });

/**
 * Warehouse outages, for ops: which warehouses are down, and declaring one down or up. A warehouse down
 * is neither promised nor allocated from; its shipments not picked yet move to another warehouse holding
 * their stock (told here by signal; a shipment not reached picks nothing there and moves at its pick).
 */
const warehouses: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/warehouses',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['warehouses'],
        summary: 'Warehouses and whether they are down',
        querystring: NoQuerySchema,
        response: {
          200: z.object({ items: z.array(WarehouseAvailabilitySchema) }).meta({ id: 'WarehouseList' }),
          ...errorResponses({ key: true }),
        },
      },
    },
    async () => {
      const rows = await app.db.warehouse.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
      return {
        items: rows.map((w) => ({
          warehouseCode: w.code,
          down: w.downSince !== null,
          downSince: w.downSince?.toISOString() ?? null,
          downReason: w.downReason,
          downBy: w.downBy,
        })),
      };
    },
  );

  app.put(
    '/warehouses/:code/availability',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['warehouses'],
        summary: 'Declare a warehouse down or up',
        description:
          'Down: nothing is promised or allocated from it any more, and its shipments not picked yet move to another warehouse ' +
          'holding their stock (released and reserved once, re-promised if later). Up: it is used again, and the orders backordered ' +
          'for stock it holds are told to try again, as a restock tells them. Recorded with the ops key that declared it. ' +
          'Repeating the current state changes nothing. 404 when no active warehouse has the code.',
        params: WarehouseCodeParamsSchema,
        body: AvailabilityRequestSchema,
        response: { 200: AvailabilityAnswerSchema, ...errorResponses({ key: true, body: true, notFound: true }) },
      },
    },
    async (request) => {
      const { code } = request.params;
      const { status, reason } = request.body;
      const known = await app.db.warehouse.findFirst({ where: { code, active: true }, select: { code: true } });
      if (!known) throw notFound(`warehouse ${code}`);
      const down = status === 'down';
      const answer = await setWarehouseAvailability(app.db, {
        warehouseCode: code,
        down,
        ...(reason !== undefined ? { reason } : {}),
        changedBy: principalOf(request).name,
      });
      if (!answer) throw notFound(`warehouse ${code}`);
      let signalled = 0;
      if (answer.changed) {
        for (const shipment of await shipmentsWaitingAt(app.db, code)) {
          try {
            await app.temporal.workflow
              .getHandle(shipment.workflowId)
              .signal(warehouseAvailabilitySignal, { warehouseCode: code, down, ...(reason !== undefined ? { reason } : {}) });
            signalled += 1;
          } catch (error) {
            // A shipment that finished meanwhile needs no news; anything else is a real failure.
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
        }
      }
      const signalledOrders = answer.changed && !down ? await wakeOrdersAwaitingStockAt(code) : 0;
      request.log.info({ warehouseCode: code, down, changed: answer.changed, signalled, signalledOrders }, 'warehouse availability');
      return { ...answer, signalledShipments: signalled, signalledOrders };
    },
  );

  /**
   * A warehouse up again: its stock, skipped by allocation while it was down, can serve the orders waiting for it. They
   * hear it as a restock (`POST /inventory/restock` signals the same), else they would wait for the next real one.
   */
  const wakeOrdersAwaitingStockAt = async (warehouseCode: string): Promise<number> => {
    const waiting = await ordersAwaitingStockAt(app.db, warehouseCode);
    const skuOf = new Map(waiting.map(({ orderId, skuCode }) => [orderId, skuCode]));
    const told = await tellOrdersRestocked(
      app,
      waiting.map((w) => w.orderId),
      (orderId: string) => ({ warehouseCode, skuCode: skuOf.get(orderId) ?? '' }),
    );
    return told.length;
  };
};

export default warehouses;
