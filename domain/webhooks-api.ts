import { z } from 'zod';
import { cursorQuery, EntityIdSchema, limitQuery } from './api';
import { printedLine } from './text-fields';
import { DELIVERY_PARKED_REASONS, LocaleSchema, SUBSCRIPTION_DISABLED_REASONS, WebhookEventTypeSchema } from './notifications';

/** What the webhook and shop endpoints speak over HTTP. */

export const SubscriptionIdParamsSchema = z.object({
  id: z.string().regex(/^whsub_[A-Za-z0-9_-]{1,60}$/, 'subscription ids look like whsub_…'),
});
export const DeliveryIdParamsSchema = z.object({
  id: z.string().regex(/^msg_[A-Za-z0-9_-]{1,40}\.whsub_[A-Za-z0-9_-]{1,60}$/, 'not a delivery id'),
});

export const CreateSubscriptionSchema = z.object({
  url: z.string().trim().min(1).max(2000),
  /** Event types to receive; omitted or empty: all of them. */
  events: z.array(WebhookEventTypeSchema).max(50).optional(),
  /** Ops only: the shop the subscription is for (`*`, ALL_SHOPS, for every shop). A shop's own key subscribes for itself. */
  shopId: z
    .string()
    .regex(/^(\*|[A-Za-z0-9._-]{1,80})$/)
    .optional(),
});

/**
 * Enables or disables a subscription (PATCH). Disabled, it receives nothing and its pending deliveries are parked; enabled
 * again, it receives the events recorded from then on.
 */
export const UpdateSubscriptionSchema = z.strictObject({
  active: z.boolean().describe('true: enabled (again); false: disabled, as a 410 Gone from its endpoint disables it'),
  resendParked: z
    .boolean()
    .optional()
    .describe(
      'With active: true, the deliveries parked when it was disabled (by a 410 Gone or by PATCH) are sent again, in order, with the same webhook-id',
    ),
});

export const SUBSCRIPTION_STATUSES = ['active', 'disabled', 'removed'] as const;

export const SubscriptionSchema = z
  .object({
    id: z.string(),
    shopId: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    /** Receives events: status `active`. */
    active: z.boolean(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    /** Status `disabled`: since when, and why (its endpoint answered 410 Gone, or the shop disabled it). */
    disabledAt: z.string().optional(),
    disabledReason: z.enum(SUBSCRIPTION_DISABLED_REASONS).optional(),
    /** Status `removed`: since when. */
    removedAt: z.string().optional(),
    createdAt: z.string(),
    /** Until then, deliveries also carry a signature with the secret before the last rotation. */
    previousSecretValidUntil: z.string().optional(),
  })
  .meta({ id: 'WebhookSubscription' });

/** The subscription as a PATCH left it, with how many parked deliveries it put back on their way. */
export const UpdatedSubscriptionSchema = SubscriptionSchema.extend({ resentDeliveries: z.number().int().optional() }).meta({
  id: 'WebhookSubscriptionUpdated',
});

/** Shown once: when the subscription is created and when its secret is rotated. */
export const SubscriptionWithSecretSchema = SubscriptionSchema.extend({ secret: z.string() }).meta({ id: 'WebhookSubscriptionWithSecret' });
export const SubscriptionListSchema = z.object({ items: z.array(SubscriptionSchema) }).meta({ id: 'WebhookSubscriptionList' });

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'parked'] as const;

export const DeliveryListQuerySchema = z.object({
  orderId: EntityIdSchema.optional(),
  subscriptionId: z.string().max(80).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: limitQuery,
  cursor: cursorQuery.optional(),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    subscriptionId: z.string(),
    orderId: z.string(),
    sequence: z.number().int(),
    type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string().optional(),
    lastStatusCode: z.number().int().optional(),
    lastError: z.string().optional(),
    createdAt: z.string(),
    deliveredAt: z.string().optional(),
    failedAt: z.string().optional(),
    /** Status `parked`: not tried any more since then, because its subscription was disabled or removed. */
    parkedAt: z.string().optional(),
    parkedReason: z.enum(DELIVERY_PARKED_REASONS).optional(),
    attemptLog: z.array(
      z.object({
        attempt: z.number().int(),
        at: z.string(),
        statusCode: z.number().int().optional(),
        error: z.string().optional(),
        durationMs: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' });
export const DeliveryListSchema = z
  .object({ items: z.array(DeliverySchema), nextCursor: z.string().optional() })
  .meta({ id: 'WebhookDeliveryList' });

export const ShopParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/, 'shop ids are API key names') });
export const ShopSchema = z.object({ id: z.string(), displayName: z.string(), returnWindowDays: z.number().int() }).meta({ id: 'Shop' });
export const UpdateShopSchema = z
  .object({
    /** Signs the shop's customer mails: printed text (domain/human-text.ts). */
    displayName: printedLine(120).optional(),
    returnWindowDays: z.number().int().min(0).max(365).optional(),
  })
  .refine((body) => body.displayName !== undefined || body.returnWindowDays !== undefined, 'give displayName or returnWindowDays');

export { LocaleSchema };
