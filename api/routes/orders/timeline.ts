import { OrderIdParamsSchema, type TimelineResponse, TimelineResponseSchema } from '../../../domain/api';
import type { OrderView } from '../../../domain/journey';
import { SHIPMENT_STAGE_WORDS, TRACKING_STATUSES } from '../../../domain/lifecycle';
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
          "A carrier's step is listed once: its scan (with the carrier's detail and place), not also the shipment's stage it moved to. " +
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

/** The carrier's steps, as a shipment's stage entries write them (`label created`, or `label_created` read from the database). */
const CARRIER_STEPS = new Set<string>(TRACKING_STATUSES.map((status) => SHIPMENT_STAGE_WORDS[status].label));
const stepOf = (label: string) => label.replace(/_/g, ' ');

/**
 * Timeline entries with each carrier step of a parcel told once. A scan moves the shipment to the stage it reports, and
 * both were listed: a delivered parcel read "delivered" (its stage) next to "delivered" (the carrier's scan). The scan
 * stays, with the carrier's detail and place and the time the carrier gave; the stage entry of the same parcel it repeats
 * goes. A carrier stage no scan of that parcel tells (a stuck parcel given up as lost by ops) stays: it is the only word of it.
 */
export function withoutScannedStages<E extends { kind: string; label: string; shipmentId?: string | undefined }>(
  entries: readonly E[],
): E[] {
  const step = (e: E) => `${e.shipmentId ?? ''}|${stepOf(e.label)}`;
  const scanned = new Set(entries.filter((e) => e.kind === 'tracking').map(step));
  return entries.filter((e) => !(e.kind === 'stage' && CARRIER_STEPS.has(stepOf(e.label)) && scanned.has(step(e))));
}

export function timelineOf(
  view: OrderView,
  source: TimelineResponse['source'],
  workflowEnded?: TimelineResponse['workflowEnded'],
): TimelineResponse {
  const entries = withoutScannedStages([
    ...view.timeline,
    ...view.shipments.flatMap((shipment) => shipment.timeline.map((entry) => ({ ...entry, shipmentId: shipment.shipmentId }))),
  ]).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
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
