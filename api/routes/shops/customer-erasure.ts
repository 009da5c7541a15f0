import { OptionalIdempotencyHeadersSchema } from '../../../domain/api';
import { CustomerErasureParamsSchema, CustomerErasureSchema } from '../../../domain/erasure-api';
import { notFound } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { eraseCustomer } from '../../services/customer-erasure';
import { CUSTOMER_ERASURE_ACTION } from '../../services/order-erasure';
import { runOpsAction } from '../../services/ops-actions';
import { errorResponses } from '../responses';
import type { RoutesApp } from '../route-app';

/** A customer's right to erasure (GDPR art. 17), asked by their shop or by ops for the shop. */
export function customerErasureRoute(app: RoutesApp): void {
  app.post(
    '/shops/:id/customers/:customerId/erase',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['shops'],
        summary: "Erase a customer's personal data",
        description:
          'Erases, at once, the personal data of every order the shop placed under this customer id (`customer.id` of its ' +
          'orders): names, e-mail, phone, street and city (the country, region and first three characters of the postal code ' +
          'stay for the reports), the intake copy of the request, scan texts, return comments, ops notes, label files and links. ' +
          'Costs, lines, dates, carriers and statuses stay: reports and figures do not change. Mails not sent yet are given up; ' +
          "webhooks not delivered yet go out without personal texts. The order's tracking link stops opening its page. Another " +
          "shop's customer with the same id is not touched. A shop's key erases its own customers only. " +
          '409 `orders_under_way` (naming `params.customerId`) while one of those orders still needs the data: not ended yet, a ' +
          'return not closed, an escalation open; ask again, with the same Idempotency-Key if you like, once they are over. ' +
          '404 when the shop has no order of this customer. The erasure is recorded against the calling key (who, when, ' +
          'counts, nothing personal) and answered with that record; an Idempotency-Key replays it, as for other ops actions ' +
          `(answers of other ops actions replay for ${app.config.opsAnswerReplayDays} days, this record for good). Orders not erased on ` +
          'request are erased COLIS_PERSONAL_DATA_RETENTION_DAYS after they are over.',
        params: CustomerErasureParamsSchema,
        headers: OptionalIdempotencyHeadersSchema,
        response: { 200: CustomerErasureSchema, ...errorResponses({ key: true, body: true, notFound: true, conflict: true }) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id: shopId, customerId } = request.params;
      if (principal.role !== 'ops' && principal.name !== shopId) throw notFound(`shop ${shopId}`);
      const { body, replayed } = await runOpsAction(
        app.db,
        {
          actor: principal.name,
          action: CUSTOMER_ERASURE_ACTION,
          targetId: `${shopId}:${customerId}`,
          idempotencyKey: request.headers['idempotency-key'],
          request: request.params,
        },
        () => eraseCustomer(app.db, request.params, principal.name),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      else request.log.info({ shopId, ordersErased: body.ordersErased, actor: principal.name }, 'customer personal data erased');
      return body;
    },
  );
}
