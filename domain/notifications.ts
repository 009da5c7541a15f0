import { z } from 'zod';
import { PARCEL_LOSS_CAUSES } from './parcel-loss';
import { REPROMISE_REASONS } from './repromise-reasons';

/** The shop id of a webhook subscription for every shop's orders. */
export const ALL_SHOPS = '*';

/**
 * The vocabulary of telling people: the milestones a customer gets a mail for, the languages those
 * mails are written in, and the status events a shop can subscribe to as webhooks. Pure: shared by
 * the activities that record them, the relays that send them and the API that lists them.
 */

export const LOCALES = ['fr', 'en'] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;

/** Where French is what a customer most likely reads (France with its overseas departments, Monaco, Belgium, Luxembourg, Switzerland). */
const FRENCH_SPEAKING = new Set(['FR', 'MC', 'BE', 'LU', 'CH', 'RE', 'GP', 'MQ', 'GF', 'YT', 'PF', 'NC', 'PM', 'BL', 'MF', 'WF']);

/**
 * The language of an order's mails: the one the order asks for when Colis writes it (`fr-BE`, `fr-Latn-CA` → fr; its
 * language subtag, so North Frisian `frr` is not French), else the destination country's, else English.
 */
export function localeFor(requested: string | undefined, destinationCountry: string): Locale {
  const language = requested?.split('-')[0]?.toLowerCase();
  const asked = LocaleSchema.safeParse(language);
  if (asked.success) return asked.data;
  return FRENCH_SPEAKING.has(destinationCountry.toUpperCase()) ? 'fr' : 'en';
}

/** The longest language tag taken: the 35 characters RFC 5646 §4.4.1 asks storage to allow. */
const LOCALE_TAG_MAX_CHARS = 35;

/**
 * A well-formed BCP 47 tag, as the platform's own Intl reads them (`es-419`, `zh-Hant-TW`, `fil`, `sr-Latn`), whose language
 * is an ISO 639 code: the 5–8 letter languages the grammar reserves name none, and `french` is a shop's mistake to be told.
 */
function isLanguageTag(tag: string): boolean {
  if (!/^[A-Za-z]{2,3}(?:-|$)/.test(tag)) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/**
 * A BCP 47 language tag as shops send them: `fr`, `fr-FR`, `en-GB`, and the longer forms browsers and shop platforms
 * send too (`es-419`, `zh-Hant-TW`, `fil`). Only two-letter tags with a two-letter region were taken: an order for a
 * customer whose language Colis does not write, tagged `es-419`, was refused whole (400 on body.locale) instead of
 * getting its mails in the destination's language.
 */
export const LocaleTagSchema = z
  .string()
  .max(LOCALE_TAG_MAX_CHARS)
  .refine(isLanguageTag, 'locale is a BCP 47 language tag such as "fr", "en-GB" or "es-419"')
  .describe(
    "Language of the customer mails: a BCP 47 tag; its language counts (fr or en; any other gets the destination country's, else English). Default: from the destination country.",
  );

export const MAIL_MILESTONES = [
  'order_confirmed',
  'shipped',
  'promise_changed',
  'out_for_delivery',
  'delivered',
  'action_needed',
  'return_started',
  'reshipped',
  'replacement_refunded',
  /** The order ended cancelled: nothing of it will be sent. Says nothing of why (the reason may be ops' own words). */
  'order_cancelled',
] as const;
export const MailMilestoneSchema = z.enum(MAIL_MILESTONES);
export type MailMilestone = z.infer<typeof MailMilestoneSchema>;

/** What a mail's template needs beyond the order's own rows; never a name, an address or an e-mail. */
export const MailDataSchema = z.object({
  promisedBy: z.string().optional(),
  previousPromisedBy: z.string().optional(),
  /** promise_changed: the wording in English (kept for mails queued before `reasonCode`), and its code. */
  reason: z.string().optional(),
  reasonCode: z.enum(REPROMISE_REASONS).optional(),
  carrierCode: z.string().optional(),
  trackingNumber: z.string().optional(),
  /** delivery_failed or available_for_pickup: what the customer has to do something about. */
  problem: z.enum(['delivery_failed', 'available_for_pickup']).optional(),
  location: z.string().optional(),
  returnId: z.string().optional(),
  labelUrl: z.string().optional(),
  /** The date by which a return label must be used. */
  returnBy: z.string().optional(),
  items: z.array(z.object({ skuCode: z.string(), quantity: z.number().int() })).optional(),
  /** reshipped: why the parcel was given up (mails queued before it have the English `reason` only). */
  lossCause: z.enum(PARCEL_LOSS_CAUSES).optional(),
  /** replacement_refunded: what the shop owes the customer for the goods not sent again, in minor units. */
  amountCents: z.number().int().nonnegative().optional(),
  currency: z.string().length(3).optional(),
  /** replacement_refunded: part of the replacement did ship (the rest was short); absent, none of it did. */
  partial: z.boolean().optional(),
});
export type MailData = z.infer<typeof MailDataSchema>;

export const WEBHOOK_EVENT_TYPES = [
  'order.accepted',
  'order.promise_changed',
  'order.cancelled',
  'order.completed',
  'shipment.shipped',
  'shipment.tracking_updated',
  'shipment.delivered',
  'shipment.exception',
  'shipment.reshipped',
  'return.created',
  'return.label_created',
  'return.in_transit',
  'return.received',
  'return.inspected',
  'return.cancelled',
  'refund.due',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/**
 * The body of every webhook, as the Standard Webhooks convention recommends (`type`, `timestamp`,
 * `data`), plus the order and its event sequence, so a receiver can put events back in order and
 * drop a repeat whatever order the network delivers them in.
 */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  orderId: string;
  /** 1, 2, 3 … per order, without gaps for a subscription that receives every event type. */
  sequence: number;
  data: Record<string, unknown>;
}

/** A milestone as the journey records it: the mail it calls for and the webhook event it raises. */
export interface Milestone {
  orderId: string;
  /** Unique within the order: the mail's and the event's idempotency key (`shipped:<tracking number>`). */
  key: string;
  mail?: { milestone: MailMilestone; data: MailData };
  webhook?: { type: WebhookEventType; data: Record<string, unknown> };
}

/**
 * The most characters of free text (a cancelled order's reason) a webhook's data carries: the cancel request's own bound
 * (domain/journey.ts), so a shop's or ops' reason arrives whole; the workflow's own words for an order it ended (the
 * shortages it could not fill) are cut there (domain/text-cut.ts).
 */
export const WEBHOOK_TEXT_MAX_CHARS = 500;

/** Which relay sends what: one for customer mail, one per webhook subscription. */
export const relayIds = {
  mail: 'mail',
  webhooks: (subscriptionId: string) => `webhooks:${subscriptionId}`,
  workflowId: (relayId: string) => `notify-${relayId.replace(':', '-')}`,
} as const;

const HOUR_MS = 3_600_000;

/**
 * When a failed webhook delivery is tried again, after its `attempts`-th failure: quickly at first
 * (a blip), then every ten hours; parked as failed once three days have passed since the first try.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * HOUR_MS, 5 * HOUR_MS, 10 * HOUR_MS] as const;
export const WEBHOOK_GIVE_UP_AFTER_MS = 72 * HOUR_MS;

export function webhookRetryDelayMs(failures: number): number {
  return WEBHOOK_RETRY_DELAYS_MS[Math.min(Math.max(failures, 1), WEBHOOK_RETRY_DELAYS_MS.length) - 1] ?? 10 * HOUR_MS;
}

/**
 * The longest pause a receiver's `Retry-After` may ask of a delivery: a day. A receiver asking for more (a misconfigured
 * header, `Retry-After: 999999999`) is tried again after a day, and the three-day window still bounds it.
 */
export const WEBHOOK_RETRY_AFTER_CAP_MS = 24 * HOUR_MS;

/** The answers whose `Retry-After` is heeded: too many requests, and unavailable for a while (RFC 9110 §10.2.3). */
export const WEBHOOK_PAUSE_STATUSES: readonly number[] = [429, 503];

/**
 * When a failed delivery is tried again: our schedule (`webhookRetryDelayMs`), or later when the receiver asked for a
 * pause, that pause capped at WEBHOOK_RETRY_AFTER_CAP_MS and never past the end of its three days of retries (then it is
 * tried once more at the window's end, and parked if that fails too). Never earlier than our schedule: a receiver asking
 * for 1 s after a failure still gets our 5 s.
 */
export function webhookNextAttemptAtMs(failure: { attempt: number; nowMs: number; windowStartMs: number; pauseMs?: number }): number {
  const ours = failure.nowMs + webhookRetryDelayMs(failure.attempt);
  if (failure.pauseMs === undefined) return ours;
  const asked = failure.nowMs + Math.min(failure.pauseMs, WEBHOOK_RETRY_AFTER_CAP_MS);
  return Math.max(ours, Math.min(asked, failure.windowStartMs + WEBHOOK_GIVE_UP_AFTER_MS));
}

/**
 * Why a subscription stopped receiving without being removed: its endpoint answered 410 Gone (Standard Webhooks' "this
 * endpoint is gone for good"), or the shop disabled it (PATCH). It is enabled again with PATCH `{ "active": true }`.
 */
export const SUBSCRIPTION_DISABLED_REASONS = ['endpoint_gone', 'disabled_by_shop'] as const;
export type SubscriptionDisabledReason = (typeof SUBSCRIPTION_DISABLED_REASONS)[number];

/**
 * Why a delivery was parked without being given up on after three days: its subscription was disabled (for either reason
 * above) or removed. A parked delivery is never tried again on its own; ops may replay it once its subscription is active.
 */
export const DELIVERY_PARKED_REASONS = [...SUBSCRIPTION_DISABLED_REASONS, 'subscription_removed'] as const;
export type DeliveryParkedReason = (typeof DELIVERY_PARKED_REASONS)[number];

/** Mails: a relay or mail server outage is retried for a day, then the mail is marked failed. */
export const MAIL_RETRY_DELAYS_MS = [30_000, 2 * 60_000, 10 * 60_000, HOUR_MS, 4 * HOUR_MS] as const;
export const MAIL_GIVE_UP_AFTER_MS = 24 * HOUR_MS;

/**
 * The longest one mail's send may take, SMTP conversation included: past it the connection to the relay is dropped (the
 * relay takes a mail only once it answered its end of data, so none is taken after) and the mail is retried. A send holds
 * its mail's row (activities/notifications/mail-relay.ts), and an order's erasure waits for it: this bounds that wait.
 */
export const MAIL_SEND_WITHIN_MS = 20_000;

export function mailRetryDelayMs(failures: number): number {
  return MAIL_RETRY_DELAYS_MS[Math.min(Math.max(failures, 1), MAIL_RETRY_DELAYS_MS.length) - 1] ?? 4 * HOUR_MS;
}

/** A subscription's event filter as stored (a JSON array): anything unreadable counts as "all". */
export function subscribedEvents(stored: unknown): string[] {
  return Array.isArray(stored) ? stored.filter((e): e is string => typeof e === 'string') : [];
}
