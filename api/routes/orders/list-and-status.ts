import { OrderIdParamsSchema, OrderListQuerySchema, OrderListSchema, OrderStatusResponseSchema } from '../../../domain/api';
import { principalOf } from '../../plugins/app/auth';
import { correctionsOf } from '../../services/address-check';
import { listOrders } from '../../services/order-list';
import { readOrder } from '../../services/orders';
import { errorResponses } from '../responses';
import type { OrderLinks } from './links';
import type { RoutesApp } from '../route-app';

/** Reading orders: the list, newest first, and one order's live state. */

const readErrors = errorResponses({ key: true, notFound: true, unavailable: true });

export function listOrdersRoute(app: RoutesApp): void {
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

export function orderStatusRoute(app: RoutesApp, { uiLink }: OrderLinks): void {
  app.get(
    '/orders/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "An order's live state",
        description:
          "From the running workflow's `status` query; from the database once the journey has completed. " +
          'When the workflow has ended in Temporal (terminated, failed, timed out, cancelled; or completed) while the ' +
          'stage is not final, `workflowEnded` says how and when, and `hint` what ops can do (the reset command ' +
          "with the order's workflow id): nothing moves the order until then. Absent otherwise.",
        params: OrderIdParamsSchema,
        response: { 200: OrderStatusResponseSchema, ...readErrors },
      },
    },
    async (request) => {
      const { view, source, workflowEnded } = await readOrder(app, request.params.id, request.principal);
      const addressCorrections = await correctionsOf(app.db, view.orderId);
      return {
        ...view,
        source,
        webUiUrl: uiLink(view.workflowId),
        ...(addressCorrections.length > 0 ? { addressCorrections } : {}),
        ...(workflowEnded ? { workflowEnded } : {}),
      };
    },
  );
}
