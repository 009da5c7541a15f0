import { heartbeat, log } from '@temporalio/activity';
import { WEBHOOK_GIVE_UP_AFTER_MS, webhookRetryDelayMs } from '../../domain/notifications';
import type { Db } from '../db';
import { signWebhook } from './webhook-signature';
import { guardedLookup, postWebhook } from './webhook-post';
import { checkWebhookUrl, isPrivateAddress } from './webhook-url';
import { untilRecorded, whileClaimRenewed } from './lease';

/**
 * Delivers one subscription's webhooks. Per order, only the oldest undelivered event is tried: the
 * next waits until it is delivered (or parked as failed after three days), so a shop receives an
 * order's events in sequence. Orders are independent: a failing one never holds the others back.
 * Every POST is recorded as a WebhookAttempt; a delivery is claimed (lease) while it is posted, so
 * two overlapping relay attempts never post it twice.
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

export class WebhookRelay {
  constructor(
    private readonly db: Db,
    private readonly settings: WebhookSettings,
  ) {}

  private get leaseMs(): number {
    return this.settings.leaseMs ?? LEASE_MS;
  }

  /** One POST of a signed event; what the endpoint answered, or why nothing was answered. */
  private async post(
    url: string,
    event: { id: string; timestampSeconds: number; body: string; secrets: string[] },
  ): Promise<{ statusCode?: number; error?: string }> {
    try {
      const check = await checkWebhookUrl(url, {
        allowPrivate: this.settings.allowPrivateUrls,
        ...(this.settings.resolveHost ? { resolve: this.settings.resolveHost } : {}),
      });
      if (!check.ok) throw new Error(`the URL ${check.reason}`);
      // The connection resolves the host again: in production, to an address the check would allow, or not at all.
      const allowPrivate = this.settings.allowPrivateUrls;
      const statusCode = await postWebhook(check.url, {
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
      return { statusCode, ...(failed ? { error: `HTTP ${statusCode}` } : {}) };
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
    // A removed subscription's relay ends once nothing is left for it.
    return { nextDueAtMs: subscription.active ? next : null, finished: !subscription.active };
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
    const { statusCode, error } = await whileClaimRenewed(renewClaim, this.leaseMs, () =>
      this.post(subscription.url, { id: delivery.event.id, timestampSeconds, body, secrets }),
    );
    // What the endpoint answered is recorded even through a database outage (untilRecorded): otherwise the delivery, left
    // claimed and pending, was posted again once the claim lapsed.
    const outcome = { began, durationMs: Date.now() - began, statusCode, error, nowMs };
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

  /** One attempt's outcome: its WebhookAttempt row, and the delivery delivered, parked as failed, or due again. */
  private record(
    delivery: { id: string; attempts: number; firstAttemptAt: Date | null; replayedAt: Date | null },
    outcome: { began: number; durationMs: number; statusCode: number | undefined; error: string | undefined; nowMs: number },
  ) {
    const { began, durationMs, statusCode, error, nowMs } = outcome;
    const deliveryId = delivery.id;
    const attempt = delivery.attempts + 1;
    const firstAttemptAt = delivery.firstAttemptAt ?? new Date(nowMs);
    const windowStartMs = Math.max(firstAttemptAt.getTime(), delivery.replayedAt?.getTime() ?? 0);
    const giveUp = error !== undefined && nowMs - windowStartMs >= WEBHOOK_GIVE_UP_AFTER_MS;
    return this.db.$transaction([
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
          ...(error === undefined
            ? { status: 'delivered', deliveredAt: new Date() }
            : giveUp
              ? { status: 'failed', failedAt: new Date() }
              : { nextAttemptAt: new Date(nowMs + webhookRetryDelayMs(attempt)) }),
        },
      }),
    ]);
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
