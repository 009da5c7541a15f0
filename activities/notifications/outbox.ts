import { createHash } from 'node:crypto';
import type { Milestone, WebhookPayload } from '../../domain/notifications';
import { ALL_SHOPS, relayIds, subscribedEvents } from '../../domain/notifications';
import { webhookDataWithoutPersonalData } from '../../domain/personal-data';
import type { Prisma } from '../../prisma/generated/client';
import type { Db } from '../db';

/**
 * The transactional outbox of customer mails and shop webhooks. The activity that changes an order's
 * state calls `recordMilestones` inside the same transaction: the mail row and the webhook events
 * commit together with the change or not at all, each keyed so a retry or a replay writes nothing
 * twice. Relays (workflows/notify) send them; `RelayWaker` tells the relays there is work, once per
 * burst (a relay already told is not told again until it has looked).
 *
 * Without a subscription that wants an event type, no event row is written: webhooks then cost
 * nothing, neither here nor in Temporal.
 */

export type Tx = Prisma.TransactionClient;

/** Starts or wakes the relay workflows; a no-op where no notify worker runs. */
export interface RelayWaker {
  wake(relayIds: readonly string[]): Promise<void>;
}

export const noRelayWaker: RelayWaker = { wake: async () => {} };

const digest = (text: string, length: number) => createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, length);

/** Deterministic, so a mail re-sent after a crash between the send and its record carries the same Message-ID. */
export const mailMessageId = (mailId: string) => `<${digest(`mail:${mailId}`, 32)}@mail.colis.invalid>`;
/** The event's `webhook-id`: the same for every attempt, so a receiver drops a repeat. */
export const webhookEventId = (dedupeKey: string) => `msg_${digest(`event:${dedupeKey}`, 27)}`;

interface OrderFacts {
  shopId: string | null;
  locale: 'fr' | 'en';
  customerMails: boolean;
  hasEmail: boolean;
  /** Its personal data was erased: no mail (no address is left), webhooks without personal texts. */
  erased: boolean;
}

/**
 * Whom an order's mails go to: the name and e-mail the order was placed with. An order written by a release before it kept
 * them (no name of its own) reads its Customer row, as that release did.
 */
export function recipientOf(order: {
  customerName: string | null;
  customerEmail: string | null;
  customer: { name: string; email: string | null };
}): { name: string; email: string | null } {
  return order.customerName === null ? order.customer : { name: order.customerName, email: order.customerEmail };
}

/** Writes what the milestones call for; returns the relays to wake once the transaction commits. */
export async function recordMilestones(tx: Tx, milestones: readonly Milestone[], now: Date = new Date()): Promise<string[]> {
  const facts = new Map<string, OrderFacts | null>();
  const relays = new Set<string>();
  for (const milestone of milestones) {
    let order = facts.get(milestone.orderId);
    if (order === undefined) {
      const row = await tx.order.findUnique({
        where: { id: milestone.orderId },
        select: {
          shopId: true,
          locale: true,
          customerMails: true,
          customerName: true,
          customerEmail: true,
          customer: { select: { name: true, email: true } },
          personalDataErasedAt: true,
        },
      });
      order = row
        ? {
            shopId: row.shopId,
            locale: row.locale,
            customerMails: row.customerMails && row.personalDataErasedAt === null,
            hasEmail: !!recipientOf(row).email,
            erased: row.personalDataErasedAt !== null,
          }
        : null;
      facts.set(milestone.orderId, order);
    }
    if (!order) continue;
    if (milestone.mail && order.customerMails && order.hasEmail) {
      const id = `${milestone.orderId}:${milestone.key}`;
      const { count } = await tx.customerMail.createMany({
        data: [
          {
            id,
            orderId: milestone.orderId,
            milestone: milestone.mail.milestone,
            locale: order.locale,
            data: milestone.mail.data as Prisma.InputJsonValue,
            messageId: mailMessageId(id),
            nextAttemptAt: now,
          },
        ],
        skipDuplicates: true,
      });
      // A row already there and still unsent (a retry after a failed wake-up) needs its relay woken too.
      const unsent = count > 0 || (await tx.customerMail.count({ where: { id, status: 'pending' } })) > 0;
      if (unsent) relays.add(relayIds.mail);
    }
    if (milestone.webhook) {
      const told = order.erased
        ? { ...milestone.webhook, data: webhookDataWithoutPersonalData(milestone.webhook.type, milestone.webhook.data) }
        : milestone.webhook;
      for (const relay of await recordWebhookEvent(tx, { ...milestone, webhook: told }, order.shopId, now)) relays.add(relay);
    }
  }
  return flagRelays(tx, [...relays]);
}

async function recordWebhookEvent(tx: Tx, milestone: Milestone, shopId: string | null, now: Date): Promise<string[]> {
  const webhook = milestone.webhook;
  if (!webhook) return [];
  // FOR SHARE until this transaction ends: a subscription removed or disabled meanwhile (DELETE, PATCH, a 410 Gone) waits
  // for these deliveries to commit and then parks them with the rest. Read without it, a removal committed between this
  // read and the insert below parked what it saw, and the delivery inserted after stayed pending for good.
  const shops = shopId ? [shopId, ALL_SHOPS] : [ALL_SHOPS];
  const subscriptions = await tx.$queryRaw<{ id: string; events: unknown }[]>`
    SELECT "id", "events" FROM "WebhookSubscription" WHERE "active" AND "shopId" = ANY(${shops}::text[])
    ORDER BY "id" FOR SHARE`;
  const wanted = subscriptions.filter((s) => {
    const events = subscribedEvents(s.events);
    return events.length === 0 || events.includes(webhook.type);
  });
  if (wanted.length === 0) return [];
  const dedupeKey = `${milestone.orderId}:${milestone.key}`;
  const known = await tx.webhookEvent.findUnique({
    where: { dedupeKey },
    select: { deliveries: { where: { status: 'pending' }, select: { subscriptionId: true } } },
  });
  if (known) return known.deliveries.map((d) => relayIds.webhooks(d.subscriptionId));
  // The order row's counter gives the sequence; its row lock orders concurrent writers of one order.
  const [counter] = await tx.$queryRaw<{ eventSeq: number }[]>`
    UPDATE "Order" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = ${milestone.orderId} RETURNING "eventSeq"`;
  if (!counter) return [];
  const id = webhookEventId(dedupeKey);
  const payload: WebhookPayload = {
    type: webhook.type,
    timestamp: now.toISOString(),
    orderId: milestone.orderId,
    sequence: counter.eventSeq,
    data: webhook.data,
  };
  await tx.webhookEvent.create({
    data: {
      id,
      orderId: milestone.orderId,
      shopId: shopId ?? '',
      seq: counter.eventSeq,
      type: webhook.type,
      payload: payload as unknown as Prisma.InputJsonValue,
      dedupeKey,
      createdAt: now,
    },
  });
  await tx.webhookDelivery.createMany({
    data: wanted.map((s) => ({
      id: `${id}.${s.id}`,
      eventId: id,
      subscriptionId: s.id,
      orderId: milestone.orderId,
      seq: counter.eventSeq,
      nextAttemptAt: now,
      createdAt: now,
    })),
    skipDuplicates: true,
  });
  return wanted.map((s) => relayIds.webhooks(s.id));
}

/**
 * Marks the relays as having work; returns those not already marked, and those marked over a minute
 * ago (a wake-up lost when a worker died between the commit and the signal): only they need a signal.
 */
export async function flagRelays(tx: Tx, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "NotificationRelay" ("id", "wakePending", "updatedAt")
    SELECT unnest(${[...ids]}::text[]), true, now()
    ON CONFLICT ("id") DO UPDATE SET "wakePending" = true, "updatedAt" = now()
      WHERE "NotificationRelay"."wakePending" = false OR "NotificationRelay"."updatedAt" < now() - interval '1 minute'
    RETURNING "id"`;
  return rows.map((r) => r.id);
}

/**
 * Runs `body` in one transaction with the milestones it returns, then wakes the relays that need it.
 * A failed wake-up unmarks them and fails the activity: its retry finds everything written, marks
 * the relays again and wakes them.
 */
export async function withMilestones<T>(
  db: Db,
  waker: RelayWaker,
  body: (tx: Tx) => Promise<{ result: T; milestones: readonly Milestone[] }>,
): Promise<T> {
  const { result, relays } = await db.$transaction(async (tx) => {
    const { result, milestones } = await body(tx);
    return { result, relays: await recordMilestones(tx, milestones) };
  });
  if (relays.length > 0) {
    try {
      await waker.wake(relays);
    } catch (error) {
      await db.notificationRelay.updateMany({ where: { id: { in: relays } }, data: { wakePending: false } });
      throw error;
    }
  }
  return result;
}
