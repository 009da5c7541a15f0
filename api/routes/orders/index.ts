import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ErrorResponseSchema,
  IntakeHeadersSchema,
  OptionalIdempotencyHeadersSchema,
  OrderAcceptedSchema,
  OrderIdParamsSchema,
  OrderListQuerySchema,
  OrderListSchema,
  OrderStatusResponseSchema,
  TimelineResponseSchema,
  type TimelineResponse,
} from '../../../domain/api';
import { CancelOrderRequestSchema, ChangeAddressRequestSchema, type OrderView } from '../../../domain/journey';
import { ids } from '../../../domain/ids';
import { OrderRequestSchema } from '../../../domain/order';
import { cancelOrderUpdate, changeAddressUpdate } from '../../../workflows/definitions';
import { ApiError, notFound, unavailable } from '../../errors';
import { mayReadOrderOf, type Principal, principalOf } from '../../plugins/app/auth';
import { trackingPath } from '../pages/tracking-token';
import { checkDeliveryAddress, correctionsOf, recordCorrection } from '../../services/address-check';
import { placeOrder, unknownSkus } from '../../services/intake';
import { listOrders } from '../../services/order-list';
import { intakeMemoOf } from '../../services/order-starter';
import { readOrder } from '../../services/orders';
import { describeWorkflow, updateFailureToApiError, webUiUrl, withinDeadline } from '../../services/workflows';

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  409: ErrorResponseSchema,
  429: ErrorResponseSchema,
};

const orders: FastifyPluginAsyncZod = async (app) => {
  const uiLink = (workflowId: string) => webUiUrl(app.config.temporalUiUrl, app.temporal.options.namespace, workflowId);
  const statusUrl = (orderId: string) => `${app.config.publicUrl ?? ''}/orders/${orderId}`;
  const trackingSecretKey = app.config.trackingSecret;
  const trackingUrl = (orderId: string) => `${app.config.publicUrl ?? ''}${trackingPath(orderId, trackingSecretKey)}`;

  app.post(
    '/orders',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: 'Place an order',
        description:
          'Accepts the order durably and answers at once (202); its journey (the order workflow) starts within ' +
          'milliseconds, or as soon as Temporal can take it under a burst. The Idempotency-Key makes retries safe: the same ' +
          'key with the same body answers 200 with the same order, with a different body 409. Never starts a second workflow.',
        headers: IntakeHeadersSchema,
        body: OrderRequestSchema,
        response: { 202: OrderAcceptedSchema, 200: OrderAcceptedSchema, ...errors, 413: ErrorResponseSchema, 415: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const unknown = await unknownSkus(app.db, request.body);
      if (unknown.length > 0) {
        throw new ApiError(
          400,
          'unknown_sku',
          `unknown SKU(s): ${unknown.map((u) => u.sku).join(', ')}`,
          unknown.map((u) => ({ path: `body.lines.${u.index}.sku`, message: `SKU ${u.sku} does not exist` })),
        );
      }
      const checked = await checkDeliveryAddress(app, request.log, request.body.shipTo, 'body.shipTo');
      const result = await placeOrder({
        db: app.db,
        starter: app.orderStarter,
        request: checked.correction ? { ...request.body, shipTo: checked.address } : request.body,
        requestAsSent: request.body,
        apiKeyName: principal.name,
        idempotencyKey: request.headers['idempotency-key'],
        timeScale: app.config.timeScale,
        startWaitMs: app.config.intakeStartWaitMs,
      });
      if (checked.correction) await recordCorrection(app.db, result.orderId, `${result.orderId}:intake`, 'intake', checked.correction);
      request.log.info({ orderId: result.orderId, outcome: result.outcome, workflowStarted: result.workflowStarted }, 'order intake');
      return reply
        .code(result.outcome === 'created' ? 202 : 200)
        .header('location', statusUrl(result.orderId))
        .send({
          ...result,
          statusUrl: statusUrl(result.orderId),
          webUiUrl: uiLink(result.workflowId),
          trackingUrl: trackingUrl(result.orderId),
          ...(checked.correction ? { addressCorrection: { fields: checked.correction.fields, shipTo: checked.address } } : {}),
        });
    },
  );

  app.get(
    '/orders',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: 'List orders',
        description:
          'Newest first, from the database, including orders accepted whose journey has not begun yet (as `received`). ' +
          'Intake keys see only their own orders. Pass `nextCursor` back as `cursor` for the next page.',
        querystring: OrderListQuerySchema,
        response: { 200: OrderListSchema, ...errors },
      },
    },
    async (request) => listOrders(app.db, principalOf(request), request.query),
  );

  app.get(
    '/orders/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "An order's live state",
        description: "From the running workflow's `status` query; from the database once the journey has completed.",
        params: OrderIdParamsSchema,
        response: { 200: OrderStatusResponseSchema, ...errors },
      },
    },
    async (request) => {
      const { view, source } = await readOrder(app, request.params.id, request.principal);
      const addressCorrections = await correctionsOf(app.db, view.orderId);
      return { ...view, source, webUiUrl: uiLink(view.workflowId), ...(addressCorrections.length > 0 ? { addressCorrections } : {}) };
    },
  );

  app.get(
    '/orders/:id/timeline',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "An order's timeline",
        description: 'Every stage, tracking scan and escalation of the order and its shipments, oldest first: the customer tracking view.',
        params: OrderIdParamsSchema,
        response: { 200: TimelineResponseSchema, ...errors },
      },
    },
    async (request) => {
      const { view, source } = await readOrder(app, request.params.id, request.principal);
      return timelineOf(view, source);
    },
  );

  const orderUpdate = async (
    orderId: string,
    idempotencyKey: string | undefined,
    principal: Principal,
    what: string,
    run: (handle: ReturnType<typeof app.temporal.workflow.getHandle>, updateId: string | undefined) => Promise<OrderView>,
  ) => {
    const principalName = principal.name;
    const workflowId = ids.orderWorkflowId(orderId);
    const [description, accepted] = await Promise.all([
      describeWorkflow(app.temporal, workflowId),
      app.db.orderIntake.findUnique({ where: { orderId }, select: { orderId: true, submittedBy: true } }),
    ]);
    // A shop's key changes its own orders only; another shop's order looks like no order at all.
    const memo = description ? intakeMemoOf(description) : undefined;
    if (!mayReadOrderOf(principal, memo?.submittedBy ?? accepted?.submittedBy)) throw notFound(`order ${orderId}`);
    if (!description) {
      // Accepted but not started yet (a burst or a Temporal outage): the update can apply in a moment.
      if (accepted)
        throw unavailable(`${what} cannot apply yet: order ${orderId} is accepted and its journey is about to start; retry shortly`);
      throw notFound(`order ${orderId}`);
    }
    if (description.status.name !== 'RUNNING') {
      throw new ApiError(
        409,
        'order_state_conflict',
        `${what} was refused: the order's journey has ended (${description.status.name.toLowerCase()})`,
      );
    }
    const updateId = idempotencyKey === undefined ? undefined : `${principalName}:${idempotencyKey}`;
    try {
      const view = await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
        run(app.temporal.workflow.getHandle(workflowId), updateId),
      );
      return { ...view, source: 'workflow' as const, webUiUrl: uiLink(workflowId) };
    } catch (error) {
      throw updateFailureToApiError(error, what) ?? error;
    }
  };

  app.post(
    '/orders/:id/cancel',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: 'Cancel an order',
        description:
          "Through the workflow's `cancel` update, with the same compensation whoever asks (void the label, release the stock): 409 with " +
          "the reason when the order's state refuses it (e.g. already with the carrier). A shop's key cancels its own orders only.",
        params: OrderIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: CancelOrderRequestSchema,
        response: { 200: OrderStatusResponseSchema, ...errors, 503: ErrorResponseSchema },
      },
    },
    async (request) =>
      orderUpdate(request.params.id, request.headers['idempotency-key'], principalOf(request), 'cancel', (handle, updateId) =>
        handle.executeUpdate(cancelOrderUpdate, { args: [request.body], ...(updateId ? { updateId } : {}) }),
      ),
  );

  app.post(
    '/orders/:id/address',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "Change an order's shipping address",
        description:
          "Through the workflow's `changeAddress` update; a bought label is voided and re-booked (re-rated to the new address). 409 with " +
          "the reason when refused. A shop's key changes its own orders only.",
        params: OrderIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: ChangeAddressRequestSchema,
        response: { 200: OrderStatusResponseSchema, ...errors, 503: ErrorResponseSchema },
      },
    },
    async (request) => {
      const checked = await checkDeliveryAddress(app, request.log, request.body.shipTo, 'body.shipTo');
      const key = request.headers['idempotency-key'];
      const view = await orderUpdate(request.params.id, key, principalOf(request), 'address change', (handle, updateId) =>
        handle.executeUpdate(changeAddressUpdate, {
          args: [{ ...request.body, shipTo: checked.address }],
          ...(updateId ? { updateId } : {}),
        }),
      );
      if (!checked.correction) return view;
      const orderId = request.params.id;
      await recordCorrection(app.db, orderId, `${orderId}:change:${key ?? randomUUID()}`, 'address_change', checked.correction);
      return { ...view, addressCorrections: await correctionsOf(app.db, orderId) };
    },
  );
};

export function timelineOf(view: OrderView, source: TimelineResponse['source']): TimelineResponse {
  const entries = [
    ...view.timeline,
    ...view.shipments.flatMap((shipment) => shipment.timeline.map((entry) => ({ ...entry, shipmentId: shipment.shipmentId }))),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    orderId: view.orderId,
    stage: view.stage,
    promisedBy: view.promisedBy,
    source,
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

export default orders;
