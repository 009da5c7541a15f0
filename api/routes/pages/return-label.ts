import { z } from 'zod';
import { EntityIdSchema, LabelDocumentQuerySchema } from '../../../domain/api';
import { ReturnIdParamsSchema } from '../../../domain/returns';
import { returnLabelFile } from '../../services/return-label';
import { sendLabelFile } from '../label-file';
import { notFound } from '../../errors';
import { orderPageWords } from './tracking-page';
import { validTrackingToken, wrongToken } from './tracking-token';
import type { RoutesApp } from '../route-app';
import { hidden, publicAccess } from './route-options';

/**
 * The customer's return label, from their tracking page and the return mail, under the order's
 * tracking token: the file the carrier made, kept by Colis at purchase, so the link works whatever
 * the carrier's own link does (a simulated carrier's is no address; ShipEngine's expire).
 */
export function returnLabelRoute(app: RoutesApp): void {
  app.get(
    '/track/:orderId/returns/:returnId/label',
    {
      // A link the API cannot read (a token doubled by a mail tool), a wrong token, another order's return and an unknown one:
      // the page "We cannot find this return label" in the customer's browser (api/error-pages.ts).
      config: { ...publicAccess, errorPage: 'return-label' },
      schema: {
        ...hidden,
        params: z.object({ orderId: EntityIdSchema, returnId: ReturnIdParamsSchema.shape.id }),
        querystring: LabelDocumentQuerySchema.extend({ t: z.string().max(64).optional() }),
      },
    },
    async (request, reply) => {
      const { orderId, returnId } = request.params;
      if (!validTrackingToken(orderId, request.query.t, app.config)) throw wrongToken(app, request, `return ${returnId}`);
      // A label no longer valid (a return not sent in time) is told in the order's language (api/error-pages.ts).
      await orderPageWords(app, request, orderId);
      const file = await returnLabelFile(app.db, { returnId, orderId }, request.query.format);
      if (!file) throw notFound(`return ${returnId}`);
      reply.header('referrer-policy', 'no-referrer');
      return 'carrierUrl' in file ? reply.redirect(file.carrierUrl, 302) : sendLabelFile(reply, file);
    },
  );
}
