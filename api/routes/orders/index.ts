import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  type AddressCorrection,
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
import { CancelOrderRequestSchema, type ChangeAddressRequest, type OrderView } from '../../../domain/journey';
import { CONFLICT_STATES } from '../../../domain/errors';
import { ids } from '../../../domain/ids';
import { isFinalOrderStage } from '../../../domain/lifecycle';
import { ChangeAddressBodySchema, PlaceOrderBodySchema } from '../../../domain/order-rules';
import { OrderWorkflowInputSchema } from '../../../domain/order';
import { cancelOrderUpdate, changeAddressUpdate, orderStatusQuery } from '../../../workflows/definitions';
import { ApiError, notFound, toApiError, unavailable } from '../../errors';
import { mayReadOrderOf, principalOf } from '../../plugins/app/auth';
import { trackingPath } from '../pages/tracking-token';
import { checkDeliveryAddress, correctionsOf, recordCorrection } from '../../services/address-check';
import { placeOrder, unknownSkus } from '../../services/intake';
import { listOrders } from '../../services/order-list';
import { intakeMemoOf } from '../../services/order-starter';
import { readOrder } from '../../services/orders';
import { runOpsAction } from '../../services/ops-actions';
import { afterChangeInProgress, conflictStateOf, describeWorkflow, webUiUrl, withinDeadline } from '../../services/workflows';
import { errorResponses } from '../responses';
import { sameAddress } from '../../../domain/same-address';

const readErrors = errorResponses({ key: true, notFound: true, unavailable: true });

type OrdersApp = Parameters<FastifyPluginAsyncZod>[0];

/** The links an order's answers carry: its status, its workflow in Temporal's UI, its customer tracking page. */
interface OrderLinks {
  uiLink(workflowId: string): string;
  statusUrl(orderId: string): string;
  trackingUrl(orderId: string): string;
}

function orderLinks(app: OrdersApp): OrderLinks {
  const trackingSecretKey = app.config.trackingSecret;
  return {
    uiLink: (workflowId) => webUiUrl(app.config.temporalUiUrl, app.temporal.options.namespace, workflowId),
    statusUrl: (orderId) => `${app.config.publicUrl ?? ''}/orders/${orderId}`,
    trackingUrl: (orderId) => `${app.config.publicUrl ?? ''}${trackingPath(orderId, trackingSecretKey)}`,
  };
}

function placeOrderRoute(app: OrdersApp, { uiLink, statusUrl, trackingUrl }: OrderLinks): void {
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
        body: PlaceOrderBodySchema,
        response: { 202: OrderAcceptedSchema, 200: OrderAcceptedSchema, ...errorResponses({ key: true, body: true, conflict: true }) },
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
        promises: app.promises,
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
}

function listOrdersRoute(app: OrdersApp): void {
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
        response: { 200: OrderListSchema, ...errorResponses({ key: true }) },
      },
    },
    async (request) => listOrders(app.db, principalOf(request), request.query),
  );
}

function orderStatusRoute(app: OrdersApp, { uiLink }: OrderLinks): void {
  app.get(
    '/orders/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "An order's live state",
        description: "From the running workflow's `status` query; from the database once the journey has completed.",
        params: OrderIdParamsSchema,
        response: { 200: OrderStatusResponseSchema, ...readErrors },
      },
    },
    async (request) => {
      const { view, source } = await readOrder(app, request.params.id, request.principal);
      const addressCorrections = await correctionsOf(app.db, view.orderId);
      return { ...view, source, webUiUrl: uiLink(view.workflowId), ...(addressCorrections.length > 0 ? { addressCorrections } : {}) };
    },
  );
}

function orderTimelineRoute(app: OrdersApp): void {
  app.get(
    '/orders/:id/timeline',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "An order's timeline",
        description: 'Every stage, tracking scan and escalation of the order and its shipments, oldest first: the customer tracking view.',
        params: OrderIdParamsSchema,
        response: { 200: TimelineResponseSchema, ...readErrors },
      },
    },
    async (request) => {
      const { view, source } = await readOrder(app, request.params.id, request.principal);
      return timelineOf(view, source);
    },
  );
}

/** Cancels and address changes: recorded as ops actions (idempotent under their key), then sent to the order as updates. */
function orderUpdates(app: OrdersApp, { uiLink }: OrderLinks) {
  const cancelOrAddress = (
    request: FastifyRequest,
    target: { orderId: string; idempotencyKey: string | undefined; body: unknown },
    action: 'cancel' | 'change_address',
    what: string,
    run: (handle: WorkflowHandle, updateId: string) => Promise<OrderView & { addressCorrections?: AddressCorrection[] }>,
  ) =>
    runOpsAction(
      app.db,
      { actor: principalOf(request).name, action, targetId: target.orderId, idempotencyKey: target.idempotencyKey, request: target.body },
      (actionId) => orderUpdate(request, target.orderId, what, (handle) => run(handle, `${action}:${actionId}`)),
    );

  /** An update to a running order; an accepted order not started yet is started first, so the update never races intake. */
  const orderUpdate = async (
    request: FastifyRequest,
    orderId: string,
    what: string,
    run: (handle: WorkflowHandle) => Promise<OrderView & { addressCorrections?: AddressCorrection[] }>,
  ) => {
    const workflowId = ids.orderWorkflowId(orderId);
    const [described, accepted] = await Promise.all([
      describeWorkflow(app.temporal, workflowId),
      app.db.orderIntake.findUnique({ where: { orderId }, select: { input: true, submittedBy: true, startedAt: true } }),
    ]);
    let description = described;
    // A shop's key changes its own orders only; another shop's order looks like no order at all.
    const memo = description ? intakeMemoOf(description) : undefined;
    if (!mayReadOrderOf(principalOf(request), memo?.submittedBy ?? accepted?.submittedBy)) throw notFound(`order ${orderId}`);
    // A workflow named like an order that Colis never took (started by hand, failed before recording anything) is no
    // order: 404, as GET /orders/{id} answers, not "its journey has ended".
    if (description && !accepted && !(await app.db.order.findUnique({ where: { id: orderId }, select: { id: true } })))
      throw notFound(`order ${orderId}`);
    const ended = (status: string) =>
      new ApiError(409, 'order_state_conflict', `${what} was refused: the order's journey has ended (${status.toLowerCase()})`);
    // A journey Temporal calls completed ended the order cancelled, failed or completed: the client is told which (a
    // cancelled order's address change was refused as "ended (completed)").
    const endedAs = async (status: string) => {
      if (status !== 'COMPLETED') return ended(status);
      const row = await app.db.order.findUnique({ where: { id: orderId }, select: { status: true } });
      return row && isFinalOrderStage(row.status)
        ? new ApiError(409, 'order_state_conflict', `${what} was refused: order ${orderId} is ${row.status}; its journey has ended`)
        : ended(status);
    };
    if (!description) {
      const input = OrderWorkflowInputSchema.safeParse(accepted?.input);
      if (!accepted || !input.success) throw notFound(`order ${orderId}`);
      // Started once and unknown to Temporal now: its journey ended and the namespace's retention removed it. Starting
      // it again would run a delivered order's journey a second time (stock, labels, mails).
      if (accepted.startedAt !== null) throw ended('closed; its history is past retention');
      const outcome = await app.orderStarter.start(input.data, accepted.submittedBy);
      if (!outcome.started) throw unavailable(`${what}: order ${orderId} is accepted and its journey could not start yet; retry shortly`);
      description = await describeWorkflow(app.temporal, workflowId);
    }
    if (description && description.status.name !== 'RUNNING') throw await endedAs(description.status.name);
    try {
      const view = await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
        run(app.temporal.workflow.getHandle(workflowId)),
      );
      return { ...view, source: 'workflow' as const, webUiUrl: uiLink(workflowId) };
    } catch (error) {
      // The journey may end between the check and the update: the same answer as if it had ended before.
      if (error instanceof WorkflowNotFoundError) {
        const now = await describeWorkflow(app.temporal, workflowId);
        if (now && now.status.name !== 'RUNNING') throw await endedAs(now.status.name);
      }
      throw toApiError(error, what) ?? error;
    }
  };

  return cancelOrAddress;
}

type CancelOrAddress = ReturnType<typeof orderUpdates>;

const mutating = { key: true, body: true, notFound: true, conflict: true, unavailable: true };

function cancelOrderRoute(app: OrdersApp, cancelOrAddress: CancelOrAddress): void {
  app.post(
    '/orders/:id/cancel',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: 'Cancel an order',
        description:
          "Through the workflow's `cancel` update, recorded as made by the calling key: 409 with the reason when the order's state " +
          'refuses it (already delivered, already with the carrier, its journey ended). An Idempotency-Key makes a retry safe: ' +
          "same key and body, the same answer; another body, 409. A shop's key cancels its own orders only.",
        params: OrderIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: CancelOrderRequestSchema,
        response: { 200: OrderStatusResponseSchema, ...errorResponses(mutating) },
      },
    },
    async (request, reply) => {
      const target = { orderId: request.params.id, idempotencyKey: request.headers['idempotency-key'], body: request.body };
      const { body, replayed } = await cancelOrAddress(request, target, 'cancel', 'cancel', (handle, updateId) =>
        handle.executeUpdate(cancelOrderUpdate, { args: [request.body], updateId }),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return body;
    },
  );
}

function changeAddressRoute(app: OrdersApp, cancelOrAddress: CancelOrAddress): void {
  app.post(
    '/orders/:id/address',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "Change an order's shipping address",
        description:
          "Through the workflow's `changeAddress` update, recorded as made by the calling key; a bought label is voided and re-booked. " +
          'The address is checked as at intake (country, postal code). 409 with the reason when refused. Idempotency-Key as for cancel. ' +
          'The address the order already ships to answers 200 as it stands; a change sent while another is being made waits for it. ' +
          "A shop's key changes its own orders only.",
        params: OrderIdParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        body: ChangeAddressBodySchema,
        response: { 200: OrderStatusResponseSchema, ...errorResponses(mutating) },
      },
    },
    async (request, reply) => {
      // Undeliverable is a 400 before anything is recorded or sent; a correction ships corrected and is recorded once per action.
      const checked = await checkDeliveryAddress(app, request.log, request.body.shipTo, 'body.shipTo');
      const { correction } = checked;
      const orderId = request.params.id;
      const target = { orderId, idempotencyKey: request.headers['idempotency-key'], body: request.body };
      const { body, replayed } = await cancelOrAddress(request, target, 'change_address', 'address change', async (handle, updateId) => {
        const changed = await afterChangeInProgress<{ unchanged: boolean; view: OrderView }>(
          app.config.workflowCallTimeoutMs / 2,
          async () => {
            // The address the order already ships to (a shop's form saved twice): nothing to change, so no label voided and bought again.
            const current = await handle.query(orderStatusQuery);
            if (sameAddress(current.shipTo, checked.address)) return { unchanged: true, view: current };
            const args = [{ ...request.body, shipTo: checked.address }] as [ChangeAddressRequest];
            try {
              return { unchanged: false, view: await handle.executeUpdate(changeAddressUpdate, { args, updateId }) };
            } catch (error) {
              // A change to this address landed between the query and the update (the twin of this request).
              if (conflictStateOf(error) !== CONFLICT_STATES.nothingToChange) throw error;
              return { unchanged: true, view: await handle.query(orderStatusQuery) };
            }
          },
        );
        const { view } = changed;
        if (changed.unchanged) {
          const addressCorrections = await correctionsOf(app.db, orderId);
          return { ...view, ...(addressCorrections.length > 0 ? { addressCorrections } : {}) };
        }
        if (!correction) return view;
        await recordCorrection(app.db, orderId, `${orderId}:change:${updateId}`, 'address_change', correction);
        return { ...view, addressCorrections: await correctionsOf(app.db, orderId) };
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return body;
    },
  );
}

const orders: FastifyPluginAsyncZod = async (app) => {
  const links = orderLinks(app);
  placeOrderRoute(app, links);
  listOrdersRoute(app);
  orderStatusRoute(app, links);
  orderTimelineRoute(app);
  const cancelOrAddress = orderUpdates(app, links);
  cancelOrderRoute(app, cancelOrAddress);
  changeAddressRoute(app, cancelOrAddress);
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
    ...(view.promise ? { promise: view.promise } : {}),
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
