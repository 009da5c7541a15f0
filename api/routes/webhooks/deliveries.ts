import type { RelayWaker } from '../../../activities/notifications/outbox';
import { DELIVERY_PARKED_REASONS, relayIds } from '../../../domain/notifications';
import {
  type DELIVERY_STATUSES,
  DeliveryIdParamsSchema,
  DeliveryListQuerySchema,
  DeliveryListSchema,
  DeliverySchema,
} from '../../../domain/webhooks-api';
import { ApiError, notFound } from '../../errors';
import { principalOf } from '../../plugins/app/auth';
import { createdBefore, cursorScope, decodeCursor, keysetPage } from '../../services/cursor';
import { errorResponses } from '../responses';
import type { RoutesApp } from '../route-app';

/** The webhook delivery log a shop or ops reads, and the replay of a delivery ops put back on its way. */

// The same statuses as the subscription routes (index.ts), 413/415/429 included (the long fuzz run found an undocumented 415).
const errors = errorResponses({ key: true, body: true, notFound: true, conflict: true });

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : undefined);

export function registerDeliveryRoutes(app: RoutesApp, waker: RelayWaker): void {
  listDeliveriesRoute(app);
  replayDeliveryRoute(app, waker);
}

function listDeliveriesRoute(app: RoutesApp): void {
  app.get(
    '/webhooks/deliveries',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook deliveries and their attempts',
        description:
          "Newest first, each with every POST made and what the endpoint answered. A shop sees its own subscriptions' deliveries only." +
          ' `status`: pending (being tried), delivered, failed (given up after three days of retries), parked (not tried any more: its' +
          ' subscription was disabled, by a 410 Gone or PATCH, or removed; `parkedReason` says which).' +
          ' Pages of `limit` (1–200, default 50); the next page with `cursor` set to the `nextCursor` of the one before, under the same filters (a cursor of another listing or of other filters is a 400).',
        querystring: DeliveryListQuerySchema,
        response: { 200: DeliveryListSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const scope = cursorScope('webhook-deliveries', principal.role === 'ops' ? 'ops' : principal.name, q);
      const rows = await app.db.webhookDelivery.findMany({
        where: {
          AND: [
            {
              ...(q.orderId ? { orderId: q.orderId } : {}),
              ...(q.subscriptionId ? { subscriptionId: q.subscriptionId } : {}),
              ...(q.status ? { status: q.status } : {}),
              ...(principal.role === 'ops' ? {} : { subscription: { shopId: principal.name } }),
            },
            createdBefore(q.cursor === undefined ? undefined : decodeCursor(q.cursor, scope)),
          ],
        },
        include: { event: { select: { type: true } }, attemptLog: { orderBy: { attempt: 'asc' } } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const page = keysetPage(rows, q.limit, scope);
      return { items: page.rows.map(deliveryView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  );
}

function replayDeliveryRoute(app: RoutesApp, waker: RelayWaker): void {
  app.post(
    '/webhooks/deliveries/:id/replay',
    {
      config: { access: { roles: ['ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Replay a delivery',
        description:
          'Sends a failed, parked (or delivered) delivery again now, with three more days of retries; the receiver sees the same webhook-id. ' +
          'Its subscription must be active (409 while it is disabled or removed). ' +
          '409 while it is being tried (a replay sent twice at once puts it back once).',
        params: DeliveryIdParamsSchema,
        response: { 200: DeliverySchema, ...errors },
      },
    },
    async (request) => {
      const delivery = await app.db.webhookDelivery.findUnique({ where: { id: request.params.id }, include: { subscription: true } });
      if (!delivery) throw notFound(`webhook delivery ${request.params.id}`);
      if (!delivery.subscription.active)
        throw new ApiError(
          409,
          'conflict',
          `its subscription ${delivery.subscriptionId} ${delivery.subscription.removedAt ? 'was removed' : 'is disabled: enable it first (PATCH)'}`,
        );
      if (delivery.status === 'pending') throw new ApiError(409, 'conflict', `delivery ${delivery.id} is still being tried`);
      const now = new Date();
      // Only a delivery not being tried is put back: a twin replay (a double click, two ops) read it before this one wrote
      // it, and writing again would clear the lease of the attempt the relay may have begun since, so it would be sent twice.
      const replayed = await app.db.webhookDelivery.updateMany({
        where: { id: delivery.id, status: { not: 'pending' } },
        data: {
          status: 'pending',
          nextAttemptAt: now,
          replayedAt: now,
          failedAt: null,
          parkedAt: null,
          parkedReason: null,
          leaseUntil: null,
        },
      });
      if (replayed.count === 0) throw new ApiError(409, 'conflict', `delivery ${delivery.id} is still being tried`);
      await waker.wake([relayIds.webhooks(delivery.subscriptionId)]);
      request.log.info({ deliveryId: delivery.id, by: principalOf(request).name }, 'webhook delivery replayed');
      const row = await app.db.webhookDelivery.findUniqueOrThrow({
        where: { id: delivery.id },
        include: { event: { select: { type: true } }, attemptLog: { orderBy: { attempt: 'asc' } } },
      });
      return deliveryView(row);
    },
  );
}

function deliveryView(row: {
  id: string;
  eventId: string;
  subscriptionId: string;
  orderId: string;
  seq: number;
  status: (typeof DELIVERY_STATUSES)[number];
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  failedAt: Date | null;
  parkedAt: Date | null;
  parkedReason: string | null;
  event: { type: string };
  attemptLog: { attempt: number; at: Date; statusCode: number | null; error: string | null; durationMs: number }[];
}) {
  return {
    id: row.id,
    eventId: row.eventId,
    subscriptionId: row.subscriptionId,
    orderId: row.orderId,
    sequence: row.seq,
    type: row.event.type,
    status: row.status,
    attempts: row.attempts,
    ...(row.status === 'pending' ? { nextAttemptAt: row.nextAttemptAt.toISOString() } : {}),
    ...(row.lastStatusCode !== null ? { lastStatusCode: row.lastStatusCode } : {}),
    ...(row.lastError ? { lastError: row.lastError } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.deliveredAt ? { deliveredAt: iso(row.deliveredAt) } : {}),
    ...(row.failedAt ? { failedAt: iso(row.failedAt) } : {}),
    ...(row.status === 'parked' && row.parkedAt ? { parkedAt: iso(row.parkedAt) } : {}),
    ...(row.status === 'parked' ? parkedReasonOf(row.parkedReason) : {}),
    attemptLog: row.attemptLog.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      ...(a.statusCode !== null ? { statusCode: a.statusCode } : {}),
      ...(a.error ? { error: a.error } : {}),
      durationMs: a.durationMs,
    })),
  };
}

/** A reason written by another release (or by hand) is not one the schema knows: it is shown as none. */
function parkedReasonOf(stored: string | null) {
  const parkedReason = DELIVERY_PARKED_REASONS.find((r) => r === stored);
  return parkedReason ? { parkedReason } : {};
}
