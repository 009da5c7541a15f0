import { IntakeHeadersSchema, OrderAcceptedSchema } from '../../../domain/api';
import { PlaceOrderBodySchema, promisedByIssues } from '../../../domain/order-rules';
import { ApiError } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { checkDeliveryAddress, recordCorrection } from '../../services/address-check';
import { isAcceptedRequest, placeOrder, unknownSkus } from '../../services/intake';
import { errorResponses } from '../responses';
import type { OrderLinks } from './links';
import type { RoutesApp } from '../route-app';

/** Order intake: a shop places an order, accepted durably and answered at once while its journey starts. */

export function placeOrderRoute(app: RoutesApp, { uiLink, statusUrl, trackingUrl }: OrderLinks): void {
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
          'key with the same body answers 200 with the same order, with a different body 409. Never starts a second workflow. ' +
          "This holds for as long as the order's row is kept, which is for good: once the order's personal data is erased " +
          '(COLIS_PERSONAL_DATA_RETENTION_DAYS after it is over, or on request), the key and a hash of the request stay, and a ' +
          'repeat still answers 200 with the same order and its promise.',
        headers: IntakeHeadersSchema,
        body: PlaceOrderBodySchema,
        response: { 202: OrderAcceptedSchema, 200: OrderAcceptedSchema, ...errorResponses({ key: true, body: true, conflict: true }) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const idempotencyKey = request.headers['idempotency-key'];
      // A date in the past (or over a year ahead) refuses a new order, not the retry of one accepted while it was ahead.
      const misdated = promisedByIssues(request.body.promisedBy, Date.now());
      if (misdated.length > 0 && !(await isAcceptedRequest(app.db, principal.name, idempotencyKey, request.body))) {
        throw new ApiError(
          400,
          'validation_failed',
          'the request body is invalid',
          misdated.map((issue) => ({ path: ['body', ...issue.path].join('.'), message: issue.message })),
        );
      }
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
        idempotencyKey,
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
