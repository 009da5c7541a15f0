import { createHash, randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../activities/db';
import { ENV_SUBSCRIPTION_ID } from '../../../activities/notifications/startup';
import {
  disableSubscription,
  removeSubscription,
  resendParkedDeliveries,
  subscriptionStatus,
} from '../../../activities/notifications/subscription-state';
import { temporalRelayWaker } from '../../../activities/notifications/waker';
import { newWebhookSecret } from '../../../activities/notifications/webhook-signature';
import { checkWebhookUrl } from '../../../activities/notifications/webhook-url';
import { NoQuerySchema, OptionalIdempotencyHeadersSchema } from '../../../domain/api';
import { errorResponses } from '../responses';
import { ALL_SHOPS, relayIds, SUBSCRIPTION_DISABLED_REASONS, subscribedEvents } from '../../../domain/notifications';
import type { RelayWaker } from '../../../activities/notifications/outbox';
import {
  CreateSubscriptionSchema,
  SubscriptionIdParamsSchema,
  SubscriptionListSchema,
  SubscriptionSchema,
  SubscriptionWithSecretSchema,
  UpdatedSubscriptionSchema,
  UpdateSubscriptionSchema,
} from '../../../domain/webhooks-api';
import type { Prisma } from '../../../prisma/generated/client';
import { ApiError, forbidden, idempotencyConflict, notFound } from '../../errors';
import { isKnownShop } from '../../services/known-shops';
import { type Principal, principalOf } from '../../plugins/app/auth';
import { registerDeliveryRoutes } from './deliveries';
import type { RoutesApp } from '../route-app';

/**
 * Shop webhooks: subscriptions (a shop's own key manages its own; ops manage any, `*` for every
 * shop), their delivery log, and the one-click replay of a delivery parked after three days of
 * failures. Signing and delivery are the notify relays' (activities/notifications). A subscription is
 * active, disabled (its endpoint answered 410 Gone, or PATCH; enabled again by PATCH) or removed
 * (DELETE, for good): activities/notifications/subscription-state.ts.
 */

// Every status these routes can answer, 413/415/429 included (the long fuzz run found an undocumented 415).
const errors = errorResponses({ key: true, body: true, notFound: true, conflict: true });
const ROTATION_GRACE_MS = 24 * 3_600_000;
/**
 * Active subscriptions a shop's own key may hold. Each is a relay whose drain holds one of colis-notify's activity slots
 * (20 per worker) while it posts: a shop with 20 subscriptions to an endpoint that never answers held them all, and
 * every customer mail and every other shop's webhook waited behind it. Ops' keys are not held to it.
 */
export const MAX_SHOP_SUBSCRIPTIONS = 5;

type SubscriptionRow = Awaited<ReturnType<Prisma.TransactionClient['webhookSubscription']['findUniqueOrThrow']>>;

/** A disable reason written by another release (or by hand) is not one the schema knows: it is shown as none. */
const disabledReasonOf = (stored: string | null) => SUBSCRIPTION_DISABLED_REASONS.find((r) => r === stored);

function subscriptionView(row: SubscriptionRow) {
  const grace = row.previousSecretUntil && row.previousSecretUntil.getTime() > Date.now() ? row.previousSecretUntil : undefined;
  const status = subscriptionStatus(row);
  const disabledReason = status === 'disabled' ? disabledReasonOf(row.disabledReason) : undefined;
  return {
    id: row.id,
    shopId: row.shopId,
    url: row.url,
    events: subscribedEvents(row.events),
    active: row.active,
    status,
    ...(status === 'disabled' && row.disabledAt ? { disabledAt: row.disabledAt.toISOString() } : {}),
    ...(disabledReason ? { disabledReason } : {}),
    ...(row.removedAt ? { removedAt: row.removedAt.toISOString() } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(grace ? { previousSecretValidUntil: grace.toISOString() } : {}),
  };
}

/** Which subscriptions a caller may see and change: a shop its own, ops all. */
const ownedBy = (principal: Principal): Prisma.WebhookSubscriptionWhereInput =>
  principal.role === 'ops' ? {} : { shopId: principal.name };

const webhooks: FastifyPluginAsyncZod = async (app) => {
  const waker = temporalRelayWaker(app.temporal);
  subscribeRoute(app);
  listSubscriptionsRoute(app);
  rotateSecretRoute(app);
  updateSubscriptionRoute(app, waker);
  removeSubscriptionRoute(app);
  registerDeliveryRoutes(app, waker);
};

async function findOwned(app: RoutesApp, principal: Principal, id: string) {
  const row = await app.db.webhookSubscription.findFirst({ where: { id, ...ownedBy(principal) } });
  if (!row) throw notFound(`webhook subscription ${id}`);
  return row;
}

function subscribeRoute(app: RoutesApp): void {
  app.post(
    '/webhooks/subscriptions',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe to status webhooks',
        description:
          'Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`, ' +
          "key = the base64 after `whsec_`). The secret is in this answer only (and in a rotation's). A shop's key subscribes for its " +
          `own orders, at most ${MAX_SHOP_SUBSCRIPTIONS} active (ops are not held to it); ops name the shop (\`*\`: every shop). ` +
          'In production a URL reaching a loopback, link-local or private address is refused. ' +
          'With an Idempotency-Key, a repeat answers the subscription already created.',
        headers: OptionalIdempotencyHeadersSchema,
        body: CreateSubscriptionSchema,
        response: { 201: SubscriptionWithSecretSchema, 200: SubscriptionWithSecretSchema, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { url, events = [], shopId: asked } = request.body;
      if (principal.role !== 'ops' && asked !== undefined && asked !== principal.name) {
        throw forbidden(`the key of shop ${principal.name} subscribes for its own orders only`);
      }
      const shopId = principal.role === 'ops' ? asked : principal.name;
      if (!shopId)
        throw new ApiError(400, 'validation_failed', 'ops must name the shop', [
          { path: 'body.shopId', message: 'required for ops keys (`*` for every shop)' },
        ]);
      if (shopId !== ALL_SHOPS && !(await isKnownShop(app.db, app.config.apiKeys, shopId)))
        throw new ApiError(400, 'validation_failed', `no shop ${shopId}`, [
          { path: 'body.shopId', message: "names no shop: neither an intake key's name nor a shop with orders (`*` for every shop)" },
        ]);
      const check = await checkWebhookUrl(url, { allowPrivate: app.config.allowPrivateWebhookUrls });
      if (!check.ok)
        throw new ApiError(400, 'validation_failed', `the webhook URL ${check.reason}`, [{ path: 'body.url', message: check.reason }]);
      const key = request.headers['idempotency-key'];
      const id = key
        ? `whsub_${createHash('sha256').update(`${principal.name}:${key}`).digest('base64url').slice(0, 24)}`
        : `whsub_${randomBytes(18).toString('base64url')}`;
      // An event type named twice is one subscription to it (stored once, as a repeat of the request compares it).
      const wanted = { id, key, shopId, url: check.url.href, events: [...new Set(events)] };
      const { status, row } = await createOrRepeat(app.db, wanted, principal.role === 'ops' ? undefined : MAX_SHOP_SUBSCRIPTIONS);
      if (status === 201) request.log.info({ subscriptionId: row.id, shopId }, 'webhook subscription created');
      return reply.code(status).send({ ...subscriptionView(row), secret: row.secret });
    },
  );
}

function listSubscriptionsRoute(app: RoutesApp): void {
  app.get(
    '/webhooks/subscriptions',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'List webhook subscriptions',
        description: 'A shop sees its own; ops see all. Secrets are never listed.',
        querystring: NoQuerySchema,
        response: { 200: SubscriptionListSchema, ...errors },
      },
    },
    async (request) => {
      const rows = await app.db.webhookSubscription.findMany({ where: ownedBy(principalOf(request)), orderBy: { createdAt: 'asc' } });
      return { items: rows.map(subscriptionView) };
    },
  );
}

function rotateSecretRoute(app: RoutesApp): void {
  app.post(
    '/webhooks/subscriptions/:id/rotate',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: "Rotate a subscription's secret",
        description:
          'Answers the new secret (once). For 24 hours deliveries carry two signatures, one per secret, so the receiver can switch without missing one. ' +
          'A disabled subscription can be rotated (before it is enabled again); a removed one cannot (409). ' +
          'A 409 when another rotation changed the secret meanwhile, and for the subscription behind COLIS_SHOP_WEBHOOK_URL (its variables set its secret).',
        params: SubscriptionIdParamsSchema,
        response: { 200: SubscriptionWithSecretSchema, ...errors },
      },
    },
    async (request) => {
      const current = await findOwned(app, principalOf(request), request.params.id);
      refuseEnvSubscription(current.id);
      if (current.removedAt) throw new ApiError(409, 'conflict', `webhook subscription ${current.id} was removed`);
      const { row, secret } = await rotateSecret(app.db, current);
      return { ...subscriptionView(row), secret };
    },
  );
}

function removeSubscriptionRoute(app: RoutesApp): void {
  app.delete(
    '/webhooks/subscriptions/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a subscription',
        description:
          'For good: nothing more is sent to it, and its deliveries still pending are parked (status `parked`, reason ' +
          '`subscription_removed`), never tried again. Its log stays readable. Removing it again answers it as it is. ' +
          'The subscription behind COLIS_SHOP_WEBHOOK_URL is removed by unsetting it (409 here).',
        params: SubscriptionIdParamsSchema,
        response: { 200: SubscriptionSchema, ...errors },
      },
    },
    async (request) => {
      const current = await findOwned(app, principalOf(request), request.params.id);
      refuseEnvSubscription(current.id);
      await removeSubscription(app.db, current.id);
      return subscriptionView(await app.db.webhookSubscription.findUniqueOrThrow({ where: { id: current.id } }));
    },
  );
}

function updateSubscriptionRoute(app: RoutesApp, waker: RelayWaker): void {
  app.patch(
    '/webhooks/subscriptions/:id',
    {
      config: { access: { roles: ['intake', 'ops'] } },
      schema: {
        tags: ['webhooks'],
        summary: 'Enable or disable a subscription',
        description:
          '`{"active": false}` disables it as a 410 Gone from its endpoint does: nothing is sent, no event is queued for it, and its ' +
          'pending deliveries are parked (status `parked`). `{"active": true}` enables it again: the events recorded from then on are ' +
          'sent; the deliveries parked by the disabling stay parked unless `resendParked` is true, which sends them again in order ' +
          "(`resentDeliveries` says how many; also on a subscription already active; ops may replay one). Enabling counts towards a shop key's " +
          `${MAX_SHOP_SUBSCRIPTIONS} active subscriptions (409 over it). A removed subscription cannot be enabled (409). ` +
          'Asking for the state it is already in answers it unchanged.',
        params: SubscriptionIdParamsSchema,
        body: UpdateSubscriptionSchema,
        response: { 200: UpdatedSubscriptionSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const current = await findOwned(app, principal, request.params.id);
      if (current.removedAt) throw new ApiError(409, 'conflict', `webhook subscription ${current.id} was removed`);
      if (request.body.resendParked && !request.body.active) {
        throw new ApiError(400, 'validation_failed', 'parked deliveries are sent again only to a subscription enabled', [
          { path: 'body.resendParked', message: 'only with active: true' },
        ]);
      }
      if (request.body.active && !current.active) {
        await enableSubscription(app.db, current, principal.role === 'ops' ? undefined : MAX_SHOP_SUBSCRIPTIONS);
        request.log.info({ subscriptionId: current.id, by: principal.name }, 'webhook subscription enabled');
      } else if (!request.body.active && current.active) {
        await disableSubscription(app.db, current.id, 'disabled_by_shop');
        request.log.info({ subscriptionId: current.id, by: principal.name }, 'webhook subscription disabled');
      }
      const view = subscriptionView(await app.db.webhookSubscription.findUniqueOrThrow({ where: { id: current.id } }));
      if (view.status !== 'active') return view;
      const resentDeliveries = request.body.resendParked ? await resendParkedDeliveries(app.db, current.id) : undefined;
      if (resentDeliveries) {
        request.log.info({ subscriptionId: current.id, resentDeliveries, by: principal.name }, 'parked webhook deliveries sent again');
      }
      // A relay ends once its subscription is disabled, and sleeps hours once drained. Woken whenever this active subscription
      // has deliveries to send, not only when this request changed something: if Temporal refused the wake-up of an earlier
      // PATCH (its 503 came after the change was committed), its repeat finds nothing to change and must still wake it.
      if (await hasPendingDeliveries(app.db, current.id)) await waker.wake([relayIds.webhooks(current.id)]);
      return resentDeliveries === undefined ? view : { ...view, resentDeliveries };
    },
  );
}

async function hasPendingDeliveries(db: Db, subscriptionId: string): Promise<boolean> {
  return (await db.webhookDelivery.findFirst({ where: { subscriptionId, status: 'pending' }, select: { id: true } })) !== null;
}

/**
 * Enables a disabled subscription, held to the shop's cap of active ones like a new subscription (under the same lock):
 * otherwise a shop could hold any number active by disabling and subscribing again. False when it was enabled or removed
 * meanwhile.
 */
async function enableSubscription(db: Db, current: { id: string; shopId: string }, maxActive?: number): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (maxActive !== undefined) await refuseOverCap(tx, current.shopId, maxActive, 'body.active');
    const { count } = await tx.webhookSubscription.updateMany({
      where: { id: current.id, active: false, removedAt: null },
      data: { active: true, disabledAt: null, disabledReason: null },
    });
    return count > 0;
  });
}

/**
 * Creates the subscription, or answers the one an earlier request under the same Idempotency-Key created (a repeat
 * with another URL, shop or event list is a conflict). Two such requests at once both miss it, and the second
 * insert meets the first's row: it is answered as the repeat it is, not as a 409.
 */
async function createOrRepeat(
  db: Db,
  wanted: { id: string; key: string | undefined; shopId: string; url: string; events: string[] },
  maxActive?: number,
): Promise<{ status: 200 | 201; row: SubscriptionRow }> {
  const repeat = async () => {
    const existing = await db.webhookSubscription.findUnique({ where: { id: wanted.id } });
    if (!existing) return undefined;
    if (
      existing.url !== wanted.url ||
      existing.shopId !== wanted.shopId ||
      subscribedEvents(existing.events).join(',') !== wanted.events.join(',')
    )
      throw idempotencyConflict(
        `Idempotency-Key "${wanted.key}" was already used for a different subscription`,
        'was already used for a different subscription',
      );
    return { status: 200 as const, row: existing };
  };
  const repeated = await repeat();
  if (repeated) return repeated;
  try {
    const row = await db.$transaction(async (tx) => {
      if (maxActive !== undefined) await refuseOverCap(tx, wanted.shopId, maxActive);
      return tx.webhookSubscription.create({
        data: { id: wanted.id, shopId: wanted.shopId, url: wanted.url, events: wanted.events, secret: newWebhookSecret() },
      });
    });
    return { status: 201, row };
  } catch (error) {
    const raced =
      wanted.key !== undefined && error instanceof Error && 'code' in error && error.code === 'P2002' ? await repeat() : undefined;
    if (raced) return raced;
    throw error;
  }
}

/**
 * A shop's subscriptions are counted and added one request at a time (a lock per shop, held to the transaction's end):
 * eight subscribes at once each counted before any had inserted, and all eight were made past the cap.
 */
async function refuseOverCap(tx: Prisma.TransactionClient, shopId: string, maxActive: number, path = 'body.url'): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`colis:webhook-subscriptions:${shopId}`}))`;
  if ((await tx.webhookSubscription.count({ where: { shopId, active: true } })) < maxActive) return;
  const why = `shop ${shopId} already holds ${maxActive} active subscriptions: remove one (DELETE) or subscribe one URL to more event types`;
  throw new ApiError(409, 'conflict', why, [{ path, message: why }]);
}

/** The subscription behind COLIS_SHOP_WEBHOOK_URL is its variables' to change: each start writes them back over it. */
function refuseEnvSubscription(id: string): void {
  if (id !== ENV_SUBSCRIPTION_ID) return;
  throw new ApiError(
    409,
    'conflict',
    `webhook subscription ${id} is configured by COLIS_SHOP_WEBHOOK_URL and COLIS_SHOP_WEBHOOK_SECRET: change them and restart`,
  );
}

/**
 * A new secret over the one read: of two rotations at once one wins, and the other is refused rather than answered a
 * secret that was never stored. The secret it replaces signs too for the grace period.
 */
export async function rotateSecret(db: Db, current: { id: string; secret: string }) {
  const secret = newWebhookSecret();
  const { count } = await db.webhookSubscription.updateMany({
    where: { id: current.id, secret: current.secret, removedAt: null },
    data: { secret, previousSecret: current.secret, previousSecretUntil: new Date(Date.now() + ROTATION_GRACE_MS) },
  });
  if (count === 0) {
    // Removed meanwhile (a DELETE racing this rotation) is said as such: a retry would be refused for that reason anyway.
    const now = await db.webhookSubscription.findUnique({ where: { id: current.id }, select: { removedAt: true } });
    if (!now || now.removedAt) throw new ApiError(409, 'conflict', `webhook subscription ${current.id} was removed`);
    throw new ApiError(409, 'conflict', `webhook subscription ${current.id} changed meanwhile (another rotation): read it and retry`);
  }
  return { row: await db.webhookSubscription.findUniqueOrThrow({ where: { id: current.id } }), secret };
}

export default webhooks;
