import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { recordMilestones } from '../../activities/notifications/outbox';
import { removeSubscription } from '../../activities/notifications/subscription-state';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { loadConfig } from '../../config';
import { HOUR_MS } from '../../domain/clock';
import { WEBHOOK_GIVE_UP_AFTER_MS, WEBHOOK_RETRY_AFTER_CAP_MS } from '../../domain/notifications';
import { applyMigrations, MIGRATIONS_DIR } from '../../prisma/migrate';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/database';
import { orderWithWebhookEvents } from '../support/orders-in-db';
import { type ShopReceiver, startSubscribedShopReceiver } from '../support/shop-receiver';

/**
 * What a shop's endpoint says beyond "no": a 429 or 503 with `Retry-After` (wait at least this long), and a 410 Gone (this
 * endpoint is gone for good, Standard Webhooks' way of unsubscribing). The relay is drained at instants the test picks
 * (`nowMs`, the relay workflow's clock), so the due dates it stores are read, never waited for.
 */

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(4);
});
afterAll(async () => {
  await database?.drop();
});

const FIRST_RETRY_MS = 5_000;
let orders = 0;

async function orderWithEvents(types: readonly ('order.accepted' | 'order.completed')[]): Promise<string> {
  orders += 1;
  return orderWithWebhookEvents(database.db, { tag: `answers${orders}`, name: 'Inès Morel', types });
}

function drainer(subscriptionId: string) {
  const { db } = database;
  const settings = notifyConfigFrom(loadConfig({}));
  const relay = createNotifyActivities({
    db,
    mail: new MailRelay(db, settings.mail),
    webhooks: new WebhookRelay(db, { ...settings.webhooks, allowPrivateUrls: true, timeoutMs: 5_000 }),
  });
  return (nowMs: number) => new MockActivityEnvironment().run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs });
}

let subscriptions = 0;
async function subscribedReceiver(): Promise<{ receiver: ShopReceiver; subscriptionId: string }> {
  subscriptions += 1;
  const subscriptionId = `whsub_answers${subscriptions}`;
  return { receiver: await startSubscribedShopReceiver(database.db, subscriptionId), subscriptionId };
}

/** One event refused with `answer` by a drain at t0 (just after the event is recorded); the delivery as stored after it. */
async function refusedOnce(
  answer: { answer: number; retryAfter?: string },
  before?: { firstAttemptAt: (t0: number) => Date; attempts: number },
) {
  const { receiver, subscriptionId } = await subscribedReceiver();
  try {
    receiver.mode = answer;
    const orderId = await orderWithEvents(['order.accepted']);
    const t0 = Date.now();
    if (before)
      await database.db.webhookDelivery.updateMany({
        where: { subscriptionId, orderId },
        data: { firstAttemptAt: before.firstAttemptAt(t0), attempts: before.attempts },
      });
    await drainer(subscriptionId)(t0);
    expect(receiver.refused).toBe(1);
    return { t0, delivery: await database.db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId, orderId } }) };
  } finally {
    await receiver.close();
  }
}

describe('a receiver asking for a pause (429 or 503 with Retry-After)', () => {
  it('is not tried again before the seconds it asked for, then is', async () => {
    const { receiver, subscriptionId } = await subscribedReceiver();
    try {
      receiver.mode = { answer: 429, retryAfter: '120' };
      const orderId = await orderWithEvents(['order.accepted']);
      const drain = drainer(subscriptionId);
      const t0 = Date.now();
      await drain(t0);
      const delivery = await database.db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId, orderId } });
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 429 });
      expect(delivery.nextAttemptAt.getTime()).toBe(t0 + 120_000);
      // Our own schedule would have tried at t0 + 5 s: nothing is posted then, nor a minute later.
      await drain(t0 + FIRST_RETRY_MS);
      await drain(t0 + 60_000);
      expect(receiver.refused).toBe(1);
      receiver.mode = 'ok';
      await drain(t0 + 120_000);
      expect(receiver.received.map((r) => r.orderId)).toEqual([orderId]);
    } finally {
      await receiver.close();
    }
  });

  it('Retry-After: 2 waits at least 2 s, and no less than our own first retry (5 s)', async () => {
    const { t0, delivery } = await refusedOnce({ answer: 429, retryAfter: '2' });
    expect(delivery.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 + 2_000);
    expect(delivery.nextAttemptAt.getTime()).toBe(t0 + FIRST_RETRY_MS);
  });

  it('a 503 with an HTTP-date waits until that date', async () => {
    const at = new Date(Date.now() + 90_000);
    const { delivery } = await refusedOnce({ answer: 503, retryAfter: at.toUTCString() });
    // An HTTP-date has whole seconds: the date asked for, to the second, less the moment between t0 and the answer.
    expect(delivery.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(at.getTime() - 5_000);
    expect(delivery.nextAttemptAt.getTime()).toBeLessThanOrEqual(at.getTime());
  });

  it('garbage, a date in the past, and a Retry-After on another status leave our own schedule', async () => {
    for (const answer of [
      { answer: 429, retryAfter: 'soon' },
      { answer: 429, retryAfter: '-30' },
      { answer: 503, retryAfter: '1.5' },
      { answer: 503, retryAfter: 'Wed, 99 Foo 2026 99:00:00 GMT' },
      { answer: 503, retryAfter: new Date(Date.now() - HOUR_MS).toUTCString() },
      { answer: 500, retryAfter: '120' },
    ]) {
      const { t0, delivery } = await refusedOnce(answer);
      expect(delivery.nextAttemptAt.getTime(), JSON.stringify(answer)).toBe(t0 + FIRST_RETRY_MS);
    }
  });

  it('an absurd pause is capped at 24 h, and never carried past the three days of retries', async () => {
    const absurd = await refusedOnce({ answer: 429, retryAfter: '999999999999' });
    expect(WEBHOOK_RETRY_AFTER_CAP_MS).toBe(24 * HOUR_MS);
    expect(absurd.delivery.nextAttemptAt.getTime()).toBe(absurd.t0 + WEBHOOK_RETRY_AFTER_CAP_MS);
    // First tried 71 hours ago: the window of retries closes in an hour, and the delivery is tried once more then.
    const late = await refusedOnce(
      { answer: 503, retryAfter: String(5 * 3_600) },
      {
        firstAttemptAt: (t0) => new Date(t0 - 71 * HOUR_MS),
        attempts: 1,
      },
    );
    expect(late.delivery.status).toBe('pending');
    expect(late.delivery.nextAttemptAt.getTime()).toBe(late.t0 - 71 * HOUR_MS + WEBHOOK_GIVE_UP_AFTER_MS);
  });
});

describe('a receiver answering 410 Gone', () => {
  it('disables its subscription, parks every pending delivery of it, and queues nothing more for it until it is enabled', async () => {
    const { db } = database;
    const { receiver, subscriptionId } = await subscribedReceiver();
    try {
      receiver.mode = { answer: 410 };
      const orderId = await orderWithEvents(['order.accepted', 'order.completed']);
      const outcome = await drainer(subscriptionId)(Date.now());
      expect(receiver.refused).toBe(1);
      // The relay ends: nothing is left for it to try.
      expect(outcome).toEqual({ nextDueAtMs: null, finished: true });
      const subscription = await db.webhookSubscription.findUniqueOrThrow({ where: { id: subscriptionId } });
      expect(subscription).toMatchObject({ active: false, disabledReason: 'endpoint_gone', removedAt: null });
      expect(subscription.disabledAt).toBeInstanceOf(Date);
      const deliveries = await db.webhookDelivery.findMany({ where: { subscriptionId, orderId }, orderBy: { seq: 'asc' } });
      expect(deliveries.map((d) => [d.seq, d.status, d.attempts, d.lastStatusCode, d.parkedReason])).toEqual([
        [1, 'parked', 1, 410, 'endpoint_gone'],
        [2, 'parked', 0, null, 'endpoint_gone'],
      ]);
      expect(deliveries.every((d) => d.parkedAt instanceof Date)).toBe(true);
      // An event recorded while it is disabled is not queued for it.
      const later = await orderWithEvents(['order.accepted']);
      expect(await db.webhookDelivery.count({ where: { subscriptionId, orderId: later } })).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});

describe('a subscription removed while an event for it is being recorded', () => {
  it('waits for the event, then parks its delivery with the rest: nothing is left pending for it', async () => {
    const { db } = database;
    const { receiver, subscriptionId } = await subscribedReceiver();
    try {
      const orderId = await orderWithEvents([]);
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let recorded = () => {};
      const written = new Promise<void>((resolve) => {
        recorded = resolve;
      });
      // The milestone's transaction has written the delivery and not committed yet when the removal comes.
      const recording = db.$transaction(async (tx) => {
        await recordMilestones(tx, [{ orderId, key: 'order.accepted', webhook: { type: 'order.accepted', data: {} } }]);
        recorded();
        await gate;
      });
      await written;
      let removedFirst = false;
      const removing = removeSubscription(db, subscriptionId).then(() => {
        removedFirst = true;
      });
      // Without waiting for the recording, the removal parks what it sees at once, and the delivery committed after it
      // stays pending for good; waiting, it cannot finish before the recording commits.
      await Promise.race([removing, new Promise((resolve) => setTimeout(resolve, 300))]);
      const finishedBeforeCommit = removedFirst;
      release();
      await recording;
      await removing;
      expect(
        await db.webhookDelivery.findMany({ where: { subscriptionId, orderId }, select: { status: true, parkedReason: true } }),
      ).toEqual([{ status: 'parked', parkedReason: 'subscription_removed' }]);
      expect(finishedBeforeCommit).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});

describe('a database migrated from the release before', () => {
  it("parks what a removed subscription had left pending, and says when it was removed; an active one's stay pending", async () => {
    const empty = await createEmptyDatabase();
    const before = mkdtempSync(join(tmpdir(), 'colis-migrations-'));
    const client = new pg.Client({ connectionString: empty.url });
    try {
      cpSync(MIGRATIONS_DIR, before, { recursive: true });
      for (const name of ['20261206180000_webhook_subscription_states', '20261206180100_park_removed_deliveries'])
        rmSync(join(before, name), { recursive: true });
      await applyMigrations(empty.url, before);
      await client.connect();
      // Rows as the release before left them; their order and event are beside the point (foreign keys off for the session).
      await client.query(`SET session_replication_role = replica`);
      await client.query(`
        INSERT INTO "WebhookSubscription" ("id", "shopId", "url", "secret", "active", "updatedAt") VALUES
          ('whsub_gone', 'shop-a', 'https://shop.example/a', 'whsec_x', false, '2026-12-01T10:00:00Z'),
          ('whsub_live', 'shop-a', 'https://shop.example/b', 'whsec_y', true, '2026-12-01T10:00:00Z')`);
      await client.query(`
        INSERT INTO "WebhookDelivery" ("id", "eventId", "subscriptionId", "orderId", "seq") VALUES
          ('msg_1.whsub_gone', 'msg_1', 'whsub_gone', 'ORD-1', 1),
          ('msg_1.whsub_live', 'msg_1', 'whsub_live', 'ORD-1', 1)`);
      await applyMigrations(empty.url);
      const subscriptions = await client.query(`SELECT "id", "removedAt" FROM "WebhookSubscription" ORDER BY "id"`);
      expect(subscriptions.rows).toEqual([
        { id: 'whsub_gone', removedAt: new Date('2026-12-01T10:00:00Z') },
        { id: 'whsub_live', removedAt: null },
      ]);
      const deliveries = await client.query(`SELECT "id", "status", "parkedReason" FROM "WebhookDelivery" ORDER BY "id"`);
      expect(deliveries.rows).toEqual([
        { id: 'msg_1.whsub_gone', status: 'parked', parkedReason: 'subscription_removed' },
        { id: 'msg_1.whsub_live', status: 'pending', parkedReason: null },
      ]);
    } finally {
      await client.end().catch(() => {});
      rmSync(before, { recursive: true, force: true });
      await empty.drop();
    }
  });
});
