import { heartbeat, log } from '@temporalio/activity';
import { WEBHOOK_GIVE_UP_AFTER_MS, WEBHOOK_PAUSE_STATUSES, webhookNextAttemptAtMs } from '../../domain/notifications';
import { retryAfterMs } from '../../domain/retry-after';
import type { Db } from '../db';
import { signWebhook } from './webhook-signature';
import { guardedLookup, postWebhook } from './webhook-post';
import { checkWebhookUrl, isPrivateAddress } from './webhook-url';
import { untilRecorded, whileClaimRenewed } from './lease';
import { parkPendingDeliveries } from './subscription-state';

/**
 * Delivers one subscription's webhooks. Per order, only the oldest undelivered event is tried: the
 * next waits until it is delivered (or parked as failed after three days), so a shop receives an
 * order's events in sequence. Orders are independent: a failing one never holds the others back.
 * Every POST is recorded as a WebhookAttempt; a delivery is claimed (lease) while it is posted, so
 * two overlapping relay attempts never post it twice.
 *
 * What a refusal says is heeded: a 429 or 503 with `Retry-After` is not tried again before the pause it asks for
 * (domain/notifications.ts `webhookNextAttemptAtMs`: capped at a day, within the three days); a 410 Gone disables the
 * subscription and parks its pending deliveries (subscription-state.ts), in the transaction that records the attempt.
 */

export interface WebhookSettings {
  /** false in production: a URL that reaches a private address is refused at send time too (DNS may change). */
  allowPrivateUrls: boolean;
  /** How long an endpoint may take to answer. */
  timeoutMs: number;
  /** How long a claim on a delivery lasts (renewed while it is being posted); tests shorten it. */
  leaseMs?: number;
  /** How the URL check resolves a host (the system's resolver unless said); tests answer as a rebinding name would. */
  resolveHost?: (host: string) => Promise<string[]>;
}

const HEADS = 200;
const CONCURRENCY = 8;
const LEASE_MS = 60_000;

export type DrainOutcome = { nextDueAtMs: number | null; finished: boolean };

/** One POST's outcome: the status the endpoint answered (none when it did not), the error, the pause it asked for. */
interface PostOutcome {
  statusCode?: number;
  error?: string;
  pauseMs?: number;
}

export class WebhookRelay {
  constructor(
    private readonly db: Db,
    private readonly settings: WebhookSettings,
  ) {}

  private get leaseMs(): number {
    return this.settings.leaseMs ?? LEASE_MS;
  }

  /** One POST of a signed event; what the endpoint answered, or why nothing was answered. */
  private async post(url: string, event: { id: string; timestampSeconds: number; body: string; secrets: string[] }): Promise<PostOutcome> {
    try {
      // Within the POST's timeout too: the check resolves the host outside the request, and a name whose DNS servers never
      // answer held the drain as long as the system resolver kept trying, past the timeout the shop was promised.
      const check = await withinTimeout(
        checkWebhookUrl(url, {
          allowPrivate: this.settings.allowPrivateUrls,
          ...(this.settings.resolveHost ? { resolve: this.settings.resolveHost } : {}),
        }),
        this.settings.timeoutMs,
      );
      if (!check.ok) throw new Error(`the URL ${check.reason}`);
      // The connection resolves the host again: in production, to an address the check would allow, or not at all.
      const allowPrivate = this.settings.allowPrivateUrls;
      const { statusCode, retryAfter } = await postWebhook(check.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Colis-Webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(event.timestampSeconds),
          'webhook-signature': signWebhook(event),
        },
        body: event.body,
        timeoutMs: this.settings.timeoutMs,
        lookup: guardedLookup((address) => !allowPrivate && isPrivateAddress(address)),
      });
      const failed = statusCode < 200 || statusCode >= 300;
      // An HTTP-date is on the wall clock: read as a pause from now, it is added to the relay's clock when recorded.
      const pauseMs = WEBHOOK_PAUSE_STATUSES.includes(statusCode) ? retryAfterMs(retryAfter, Date.now()) : undefined;
      return { statusCode, ...(failed ? { error: `HTTP ${statusCode}` } : {}), ...(pauseMs !== undefined ? { pauseMs } : {}) };
    } catch (caught) {
      return { error: attemptError(caught) };
    }
  }

  async drain(subscriptionId: string, nowMs: number, budgetMs: number): Promise<DrainOutcome> {
    const subscription = await this.db.webhookSubscription.findUnique({ where: { id: subscriptionId } });
    if (!subscription) return { nextDueAtMs: null, finished: true };
    const startedAt = Date.now();
    for (;;) {
      const heads = await this.heads(subscriptionId);
      const due = heads.filter((h) => h.nextAttemptAt.getTime() <= nowMs);
      if (due.length === 0 || !subscription.active) break;
      let attempted = 0;
      // The budget is looked at after every batch, not once all the heads are through: a dead endpoint that lets each POST
      // run to its timeout would otherwise keep the drain for 25 rounds of it, past the activity's own timeout.
      for (let i = 0; i < due.length && Date.now() - startedAt <= budgetMs; i += CONCURRENCY) {
        const tried = await Promise.all(due.slice(i, i + CONCURRENCY).map((d) => this.deliver(d.id, nowMs)));
        attempted += tried.filter(Boolean).length;
        heartbeat();
      }
      // Every due head still leased by an attempt that died: looking again at once would spin until
      // the budget ends; the relay comes back after its minimum wait, by when the lease may be over.
      if (attempted === 0 || Date.now() - startedAt > budgetMs) break;
    }
    const heads = await this.heads(subscriptionId);
    const next = heads.reduce<number | null>(
      (min, h) => (min === null || h.nextAttemptAt.getTime() < min ? h.nextAttemptAt.getTime() : min),
      null,
    );
    // Read again: a 410 during this drain disabled it. A removed or disabled subscription's relay ends (its pending
    // deliveries are parked); re-enabling it wakes a new one with the next event.
    const active = (await this.db.webhookSubscription.findUnique({ where: { id: subscriptionId }, select: { active: true } }))?.active;
    return { nextDueAtMs: active ? next : null, finished: !active };
  }

  /**
   * The oldest undelivered event of every order, soonest due first: ordered by order id alone, a
   * dead endpoint's backlog of more than HEADS orders would starve every order past the first HEADS
   * until those were parked three days later.
   */
  private heads(subscriptionId: string) {
    return this.db.$queryRaw<{ id: string; nextAttemptAt: Date }[]>`
      SELECT "id", "nextAttemptAt" FROM (
        SELECT DISTINCT ON ("orderId") "id", "nextAttemptAt" FROM "WebhookDelivery"
        WHERE "subscriptionId" = ${subscriptionId} AND "status" = 'pending'
        ORDER BY "orderId", "seq"
      ) AS "head"
      ORDER BY "nextAttemptAt", "id" LIMIT ${HEADS}`;
  }

  private async deliver(deliveryId: string, nowMs: number): Promise<boolean> {
    if (!(await this.claim(deliveryId))) return false;
    const delivery = await this.db.webhookDelivery.findUniqueOrThrow({
      where: { id: deliveryId },
      include: { event: true, subscription: true },
    });
    // Read with the claim, not at the drain's start: a rotation meanwhile signs with the new secret too.
    const subscription = delivery.subscription;
    const body = JSON.stringify(delivery.event.payload);
    // The send instant, on the wall clock: what the receiver compares with its own clock.
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const secrets = [subscription.secret];
    if (subscription.previousSecret && subscription.previousSecretUntil && subscription.previousSecretUntil.getTime() > Date.now()) {
      secrets.push(subscription.previousSecret);
    }
    const began = Date.now();
    const renewClaim = () =>
      this.db.webhookDelivery.updateMany({
        where: { id: deliveryId, status: 'pending' },
        data: { leaseUntil: new Date(Date.now() + this.leaseMs) },
      });
    const { statusCode, error, pauseMs } = await whileClaimRenewed(
      renewClaim,
      this.leaseMs,
      () => this.post(subscription.url, { id: delivery.event.id, timestampSeconds, body, secrets }),
      () => heartbeat(),
    );
    // What the endpoint answered is recorded even through a database outage (untilRecorded): otherwise the delivery, left
    // claimed and pending, was posted again once the claim lapsed.
    const outcome = { began, durationMs: Date.now() - began, statusCode, error, pauseMs, nowMs };
    await untilRecorded(
      () => this.record(delivery, outcome),
      this.leaseMs / 2,
      () => heartbeat(),
    );
    if (error !== undefined) {
      log.warn('webhook delivery failed', {
        deliveryId,
        subscriptionId: subscription.id,
        attempt: delivery.attempts + 1,
        error: error.slice(0, 200),
      });
    }
    if (statusCode === 410) log.warn('webhook endpoint gone (410): subscription disabled', { subscriptionId: subscription.id });
    return true;
  }

  /**
   * Claims a delivery for one POST (a lease), when it is still what the drain picked: pending and unclaimed, its
   * subscription still active, and still its order's oldest pending event. The drain picks every order's oldest event
   * before it posts a batch: a subscription removed meanwhile was still posted the order's next events, and a parked
   * delivery replayed meanwhile (ops' replay) was overtaken by its order's next event, picked before the replay.
   */
  private async claim(deliveryId: string): Promise<boolean> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const claimed = await this.db.$executeRaw`
      UPDATE "WebhookDelivery" AS "d" SET "leaseUntil" = ${leaseUntil}
      WHERE "d"."id" = ${deliveryId} AND "d"."status" = 'pending' AND ("d"."leaseUntil" IS NULL OR "d"."leaseUntil" < ${now})
        AND EXISTS (SELECT 1 FROM "WebhookSubscription" AS "s" WHERE "s"."id" = "d"."subscriptionId" AND "s"."active")
        AND NOT EXISTS (
          SELECT 1 FROM "WebhookDelivery" AS "older"
          WHERE "older"."subscriptionId" = "d"."subscriptionId" AND "older"."orderId" = "d"."orderId"
            AND "older"."status" = 'pending' AND "older"."seq" < "d"."seq")`;
    return claimed > 0;
  }

  /**
   * One attempt's outcome: its WebhookAttempt row, and the delivery delivered, due again, given up on (failed), or, for a
   * 410 Gone, parked with every pending delivery of its subscription, which is disabled.
   */
  private record(
    delivery: { id: string; subscriptionId: string; attempts: number; firstAttemptAt: Date | null; replayedAt: Date | null },
    outcome: { began: number; durationMs: number; statusCode?: number; error?: string; pauseMs?: number; nowMs: number },
  ) {
    const { began, durationMs, statusCode, error, pauseMs, nowMs } = outcome;
    const deliveryId = delivery.id;
    const attempt = delivery.attempts + 1;
    const firstAttemptAt = delivery.firstAttemptAt ?? new Date(nowMs);
    const windowStartMs = Math.max(firstAttemptAt.getTime(), delivery.replayedAt?.getTime() ?? 0);
    const gone = statusCode === 410;
    const giveUp = error !== undefined && !gone && nowMs - windowStartMs >= WEBHOOK_GIVE_UP_AFTER_MS;
    const now = new Date();
    const settled =
      error === undefined
        ? { status: 'delivered' as const, deliveredAt: now }
        : gone
          ? {} // parked below with the subscription's other pending deliveries; one parked meanwhile keeps its reason
          : {
              nextAttemptAt: new Date(
                webhookNextAttemptAtMs({ attempt, nowMs, windowStartMs, ...(pauseMs !== undefined ? { pauseMs } : {}) }),
              ),
            };
    // A 410 takes the subscription's row first, as a DELETE or PATCH does before it parks deliveries: taking this
    // delivery's row first, one of them racing this record would wait for the other (a deadlock).
    const disable = gone
      ? [
          this.db.webhookSubscription.updateMany({
            where: { id: delivery.subscriptionId, active: true, removedAt: null },
            data: { active: false, disabledAt: now, disabledReason: 'endpoint_gone' },
          }),
        ]
      : [];
    return this.db.$transaction([
      ...disable,
      this.db.webhookAttempt.create({
        data: {
          deliveryId,
          attempt,
          at: new Date(began),
          statusCode: statusCode ?? null,
          error: error?.slice(0, 500) ?? null,
          durationMs,
        },
      }),
      this.db.webhookDelivery.update({
        where: { id: deliveryId },
        data: {
          attempts: attempt,
          firstAttemptAt,
          lastStatusCode: statusCode ?? null,
          lastError: error?.slice(0, 500) ?? null,
          leaseUntil: null,
          ...settled,
        },
      }),
      // Only a delivery still pending is given up on: one parked meanwhile (its subscription removed) stays parked.
      ...(giveUp
        ? [this.db.webhookDelivery.updateMany({ where: { id: deliveryId, status: 'pending' }, data: { status: 'failed', failedAt: now } })]
        : []),
      ...(gone ? [parkPendingDeliveries(this.db, delivery.subscriptionId, 'endpoint_gone', now)] : []),
    ]);
  }
}

/** `work`, or a failure naming the timeout once `timeoutMs` has passed without it. */
async function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the host was not resolved within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a failed attempt tells the shop (`lastError`, the attempt log): fetch's own "TypeError: fetch failed" hides why, so
 * the cause is added (`connect ECONNREFUSED 127.0.0.1:9`, `getaddrinfo ENOTFOUND shop.example`, a TLS error).
 */
export function attemptError(caught: unknown): string {
  if (!(caught instanceof Error)) return String(caught);
  const cause = caught.cause instanceof Error ? caught.cause : undefined;
  const why = cause ? `: ${cause.message || ('code' in cause ? String(cause.code) : cause.name)}` : '';
  return `${caught.name}: ${caught.message}${why}`;
}
