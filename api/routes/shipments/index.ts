import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LabelDocumentQuerySchema, ShipmentIdParamsSchema, ShipmentStatusResponseSchema } from '../../../domain/api';
import { LabelFileSchema, sendLabelFile } from '../label-file';
import { errorResponses } from '../responses';
import { ids } from '../../../domain/ids';
import { shipmentStatusQuery } from '../../../workflows/definitions';
import { notFound } from '../../errors';
import { readOrder } from '../../services/orders';
import { shipmentViewIn } from '../../services/views';
import { describeWorkflow, webUiUrl, withinDeadline } from '../../services/workflows';

/** `<orderId>-S<seq>` (domain/journey.ts ids.shipmentId). */
const orderIdOfShipment = (shipmentId: string) => /^(.+)-S\d+$/.exec(shipmentId)?.[1];

const shipments: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/shipments/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['shipments'],
        summary: "A shipment's live state",
        description: "From the shipment workflow's `status` query while it runs, else from its order's record.",
        params: ShipmentIdParamsSchema,
        response: { 200: ShipmentStatusResponseSchema, ...errorResponses({ key: true, notFound: true, unavailable: true }) },
      },
    },
    async (request) => {
      const shipmentId = request.params.id;
      const orderId = orderIdOfShipment(shipmentId);
      if (!orderId) throw notFound(`shipment ${shipmentId}`);
      // Reading the order first applies its access rule (intake keys: own orders only) and gives the fallback view.
      const order = await readOrder(app, orderId, request.principal);
      const workflowId = ids.shipmentWorkflowId(shipmentId);
      const link = webUiUrl(app.config.temporalUiUrl, app.temporal.options.namespace, workflowId);
      const description = await describeWorkflow(app.temporal, workflowId);
      if (description?.status.name === 'RUNNING') {
        try {
          const view = await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
            app.temporal.workflow.getHandle(workflowId).query(shipmentStatusQuery),
          );
          return { ...view, orderId, source: 'workflow' as const, webUiUrl: link };
        } catch (error) {
          request.log.warn({ workflowId, err: error instanceof Error ? error.message : String(error) }, 'shipment status query failed');
        }
      }
      const view = shipmentViewIn(order.view, shipmentId);
      if (!view) throw notFound(`shipment ${shipmentId}`);
      return { ...view, orderId, source: order.source, webUiUrl: link };
    },
  );

  app.get(
    '/shipments/:id/label',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['shipments'],
        summary: "The shipment's printable label",
        description:
          'The label of the current booking as the carrier made it, kept at purchase: `format=pdf` (default, `application/pdf`) ' +
          'for office printers or `format=zpl` (`application/zpl`) for thermal printers. 404 when the shipment has no label yet, ' +
          'its label was voided, or the carrier does not make that format.',
        params: ShipmentIdParamsSchema,
        querystring: LabelDocumentQuerySchema,
        response: { 200: LabelFileSchema, ...errorResponses({ key: true, notFound: true, unavailable: true }) },
      },
    },
    async (request, reply) => {
      const shipmentId = request.params.id;
      const { format } = request.query;
      const orderId = orderIdOfShipment(shipmentId);
      if (!orderId) throw notFound(`shipment ${shipmentId}`);
      await readOrder(app, orderId, request.principal);
      const label = await app.db.label.findFirst({
        where: { shipmentId, status: 'purchased' },
        orderBy: { attempt: 'desc' },
        select: { id: true, trackingNumber: true },
      });
      if (!label) throw notFound(`a label for shipment ${shipmentId}`);
      const document = await app.db.labelDocument.findUnique({
        where: { labelId_format: { labelId: label.id, format } },
        select: { content: true },
      });
      if (!document) throw notFound(`a ${format} document for label ${label.trackingNumber}`);
      return sendLabelFile(reply, { format, name: label.trackingNumber, content: document.content });
    },
  );
};

export default shipments;
