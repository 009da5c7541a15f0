import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { EntityIdSchema, LabelDocumentQuerySchema } from '../../../domain/api';
import { ReturnIdParamsSchema } from '../../../domain/returns';
import { notFound } from '../../errors';
import { returnLabelFile } from '../../services/return-label';
import { sendLabelFile } from '../label-file';
import { validTrackingToken, wrongToken } from './tracking-token';

type PagesApp = Parameters<FastifyPluginAsyncZod>[0];

/**
 * The customer's return label, from their tracking page and the return mail, under the order's
 * tracking token: the file the carrier made, kept by Colis at purchase, so the link works whatever
 * the carrier's own link does (a simulated carrier's is no address; ShipEngine's expire).
 */
export function returnLabelRoute(app: PagesApp): void {
  const secret = app.config.trackingSecret;
  app.get(
    '/track/:orderId/returns/:returnId/label',
    {
      config: { access: { public: true as const } },
      schema: {
        hide: true,
        params: z.object({ orderId: EntityIdSchema, returnId: ReturnIdParamsSchema.shape.id }),
        querystring: LabelDocumentQuerySchema.extend({ t: z.string().max(64).optional() }),
      },
    },
    async (request, reply) => {
      const { orderId, returnId } = request.params;
      // A wrong token, another order's return and an unknown return look the same.
      if (!validTrackingToken(orderId, request.query.t, secret)) throw wrongToken(app, request, `return ${returnId}`);
      const file = await returnLabelFile(app.db, { returnId, orderId }, request.query.format);
      if (!file) throw notFound(`a label for return ${returnId}`);
      reply.header('referrer-policy', 'no-referrer');
      return 'carrierUrl' in file ? reply.redirect(file.carrierUrl, 302) : sendLabelFile(reply, file);
    },
  );
}
