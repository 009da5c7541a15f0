import { OptionalIdempotencyHeadersSchema, OrderIdParamsSchema, OrderStatusResponseSchema } from '../../../domain/api';
import { CancelOrderRequestSchema, type ChangeAddressRequest, type OrderView } from '../../../domain/journey';
import { MAX_ADDRESS_CHANGES } from '../../../domain/address-changes';
import { CONFLICT_STATES, DomainError } from '../../../domain/errors';
import { ChangeAddressBodySchema } from '../../../domain/order-rules';
import { sameAddress } from '../../../domain/same-address';
import { cancelOrderUpdate, changeAddressUpdate, orderStatusQuery } from '../../../workflows/definitions';
import { checkDeliveryAddress, correctionsOf, recordCorrection } from '../../services/address-check';
import { KeyedTurns } from '../../services/keyed-turns';
import { afterChangeInProgress, conflictStateOf } from '../../services/workflows';
import { errorResponses } from '../responses';
import type { CancelOrAddress } from './order-update';
import type { RoutesApp } from '../route-app';

/** The changes a client makes to a placed order: cancel it, change its shipping address (each an update to its workflow). */

const mutating = { key: true, body: true, notFound: true, conflict: true, unavailable: true };

export function cancelOrderRoute(app: RoutesApp, cancelOrAddress: CancelOrAddress): void {
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
          `same key and body, the same answer for ${app.config.opsAnswerReplayDays} days (then, or once the order's personal data is erased, a 409 ` +
          "saying the answer is no longer kept: never applied twice); another body, 409. A shop's key cancels its own orders only. Once the order " +
          "has ended cancelled, the shop's webhook subscriptions get `order.cancelled` with this `reason`, and the customer " +
          '(unless the order opted out of mails) an `order_cancelled` mail that does not quote it.',
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

export function changeAddressRoute(app: RoutesApp, cancelOrAddress: CancelOrAddress): void {
  // Changes to one order from this process ask its workflow one at a time (services/keyed-turns.ts says why).
  const turns = new KeyedTurns();
  const stillChanging = (orderId: string) => () =>
    new DomainError('OrderStateConflict', `the address of order ${orderId} is already changing: try again once it is answered`, {
      orderId,
      state: CONFLICT_STATES.changeInProgress,
      attempted: 'change_address',
    });
  app.post(
    '/orders/:id/address',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['orders'],
        summary: "Change an order's shipping address",
        description:
          "Through the workflow's `changeAddress` update, recorded as made by the calling key; a bought label is voided and re-booked. " +
          'The address is checked as at intake (country, postal code); a new country must have a service at the order level (400 naming `body.shipTo.countryCode`). 409 with the reason when refused. Idempotency-Key as for cancel. ' +
          'The address the order already ships to answers 200 as it stands; a change sent while another is being made waits for it. ' +
          `An order takes at most ${MAX_ADDRESS_CHANGES} changes: the next is a 409 saying so. ` +
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
        // Waiting for this process's earlier changes and for the workflow's share one budget: half the call's deadline,
        // so the change that does start has the other half to be made.
        const giveUpAt = Date.now() + app.config.workflowCallTimeoutMs / 2;
        const changed = await turns.take(orderId, giveUpAt, stillChanging(orderId), () =>
          afterChangeInProgress<{ unchanged: boolean; view: OrderView }>(Math.max(0, giveUpAt - Date.now()), async () => {
            // The address the order already ships to (a shop's form saved twice): nothing to change, so no label voided and bought again.
            const current = await handle.query(orderStatusQuery);
            if (sameAddress(current.shipTo, checked.address)) return { unchanged: true, view: current };
            // Another country may have no service at the order's level: booked there, the parcel would go on a level not paid for.
            const country = checked.address.countryCode;
            if (country !== current.shipTo.countryCode)
              await app.promises.refuseUnservedLevel(current.serviceLevel, country, 'body.shipTo.countryCode', Date.now());
            const args = [{ ...request.body, shipTo: checked.address }] as [ChangeAddressRequest];
            try {
              return { unchanged: false, view: await handle.executeUpdate(changeAddressUpdate, { args, updateId }) };
            } catch (error) {
              // A change to this address landed between the query and the update (the twin of this request).
              if (conflictStateOf(error) !== CONFLICT_STATES.nothingToChange) throw error;
              return { unchanged: true, view: await handle.query(orderStatusQuery) };
            }
          }),
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
