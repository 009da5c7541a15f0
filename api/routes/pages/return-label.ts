import { z } from 'zod';
import { EntityIdSchema, LabelDocumentQuerySchema } from '../../../domain/api';
import { ReturnIdParamsSchema } from '../../../domain/returns';
import { returnLabelFile } from '../../services/return-label';
import { sendLabelFile } from '../label-file';
import { page } from './layout';
import { validTrackingToken, wrongToken } from './tracking-token';
import type { RoutesApp } from '../route-app';
import { hidden, publicAccess } from './route-options';

const LABEL_NOT_FOUND_PAGE = page({
  title: 'Return label not found',
  customer: true,
  body:
    '<h1>We cannot find this return label</h1><section class="card"><p>The link is incomplete, or the label is no longer ' +
    'valid (a return not sent in time is cancelled). Open your order from its tracking link to see your returns, or ' +
    'contact the shop you ordered from.</p></section>',
});

/**
 * The customer's return label, from their tracking page and the return mail, under the order's
 * tracking token: the file the carrier made, kept by Colis at purchase, so the link works whatever
 * the carrier's own link does (a simulated carrier's is no address; ShipEngine's expire).
 */
export function returnLabelRoute(app: RoutesApp): void {
  app.get(
    '/track/:orderId/returns/:returnId/label',
    {
      config: publicAccess,
      schema: {
        ...hidden,
        params: z.object({ orderId: EntityIdSchema, returnId: ReturnIdParamsSchema.shape.id }),
        querystring: LabelDocumentQuerySchema.extend({ t: z.string().max(64).optional() }),
      },
      // A link the API cannot read (a token doubled or run on by a mail tool): the page saying what to do, not a JSON 400.
      errorHandler: async (error, _request, reply) => {
        if (!(typeof error === 'object' && error !== null && 'statusCode' in error && error.statusCode === 400)) throw error;
        return reply.code(400).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(LABEL_NOT_FOUND_PAGE);
      },
    },
    async (request, reply) => {
      const { orderId, returnId } = request.params;
      // A wrong token, another order's return and an unknown return look the same. The link is a customer's (the tracking
      // page, the return mail): their browser gets a page saying what to do, not the API's JSON error.
      const missing = (status: number) =>
        reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(LABEL_NOT_FOUND_PAGE);
      if (!validTrackingToken(orderId, request.query.t, app.config))
        return missing(wrongToken(app, request, `return ${returnId}`).statusCode);
      const file = await returnLabelFile(app.db, { returnId, orderId }, request.query.format);
      if (!file) return missing(404);
      reply.header('referrer-policy', 'no-referrer');
      return 'carrierUrl' in file ? reply.redirect(file.carrierUrl, 302) : sendLabelFile(reply, file);
    },
  );
}
