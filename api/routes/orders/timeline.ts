import { OrderIdParamsSchema, type TimelineResponse, TimelineResponseSchema } from '../../../domain/api';
import type { OrderView } from '../../../domain/journey';
import { readOrder } from '../../services/orders';
import { errorResponses } from '../responses';
import type { RoutesApp } from '../route-app';

/** An order's timeline: its stages, scans and escalations and its shipments', oldest first (also the tracking page's). */

const readErrors = errorResponses({ key: true, notFound: true, unavailable: true });

export function orderTimelineRoute(app: RoutesApp): void {
  app.get(
    '/orders/:id/timeline',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "An order's timeline",
        description:
          'Every stage, tracking scan and escalation of the order and its shipments, oldest first: the customer tracking view. ' +
          "`workflowEnded` as in `GET /orders/{id}`: the order's workflow has ended while its stage is not final.",
        params: OrderIdParamsSchema,
        response: { 200: TimelineResponseSchema, ...readErrors },
      },
    },
    async (request) => {
      const { view, source, workflowEnded } = await readOrder(app, request.params.id, request.principal);
      return timelineOf(view, source, workflowEnded);
    },
  );
}

export function timelineOf(
  view: OrderView,
  source: TimelineResponse['source'],
  workflowEnded?: TimelineResponse['workflowEnded'],
): TimelineResponse {
  const entries = [
    ...view.timeline,
    ...view.shipments.flatMap((shipment) => shipment.timeline.map((entry) => ({ ...entry, shipmentId: shipment.shipmentId }))),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    orderId: view.orderId,
    stage: view.stage,
    promisedBy: view.promisedBy,
    ...(view.promise ? { promise: view.promise } : {}),
    source,
    ...(workflowEnded ? { workflowEnded } : {}),
    entries,
    trackingNumbers: view.shipments.flatMap((shipment) =>
      shipment.carrierCode && shipment.trackingNumber
        ? [
            {
              shipmentId: shipment.shipmentId,
              carrierCode: shipment.carrierCode,
              trackingNumber: shipment.trackingNumber,
              ...(shipment.trackingStatus ? { status: shipment.trackingStatus } : {}),
            },
          ]
        : [],
    ),
  };
}
