import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { rotateSecret } from '../../api/routes/webhooks';
import { loadConfig } from '../../config';
import { ALL_SHOPS } from '../../domain/notifications';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { orderWithWebhookEvents } from '../support/orders-in-db';

/**
 * What a shop does to its subscription while the relay is draining it (a probe on npm start, a hostile receiver): the
 * drain read the subscription once, at its start, and went on with what it read. A subscription removed during a drain
 * was still posted the order's next events; one rotated was still signed with the old secret alone, though the receiver
 * had been told it could switch at once; and a parked delivery replayed during a drain was overtaken by its order's next
 * event, which the drain had already picked as the order's oldest. The receiver acts from inside the first POST.
 */

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(4);
});
afterAll(async () => {
  await database?.drop();
});

interface Posted {
  id: string;
  orderId: string;
  sequence: number;
  timestamp: string;
  signatures: string[];
  body: string;
}

/** A receiver that records every POST and runs `onPost` (once per POST) before it answers 204. */
async function receiver(onPost: (posted: Posted, index: number) => Promise<void>) {
  const posts: Posted[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as { orderId: string; sequence: number };
      const posted = {
        id: String(request.headers['webhook-id']),
        orderId: event.orderId,
        sequence: event.sequence,
        timestamp: String(request.headers['webhook-timestamp']),
        signatures: String(request.headers['webhook-signature']).split(' '),
        body,
      };
      posts.push(posted);
      await onPost(posted, posts.length - 1);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { posts, url: `http://127.0.0.1:${port}/hooks`, close: () => server.close() };
}

/** Standard Webhooks' signature, computed here rather than by Colis's signer. */
function expectedSignature(secret: string, posted: Posted): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${posted.id}.${posted.timestamp}.${posted.body}`).digest('base64')}`;
}

const orderWithEvents = (tag: string, types: readonly ('order.accepted' | 'order.completed')[]) =>
  orderWithWebhookEvents(database.db, { tag, name: 'Camille Girard', types });

async function subscribe(id: string, url: string): Promise<string> {
  const secret = `whsec_${Buffer.alloc(32, id).toString('base64')}`;
  await database.db.webhookSubscription.create({ data: { id, shopId: ALL_SHOPS, url, secret } });
  return secret;
}

function drainer(subscriptionId: string, limits: { timeoutMs: number; budgetMs?: number } = { timeoutMs: 5_000 }) {
  const { db } = database;
  const settings = notifyConfigFrom(loadConfig({}));
  const relay = createNotifyActivities({
    db,
    mail: new MailRelay(db, settings.mail),
    webhooks: new WebhookRelay(db, { ...settings.webhooks, allowPrivateUrls: true, timeoutMs: limits.timeoutMs }),
    ...(limits.budgetMs ? { budgetMs: limits.budgetMs } : {}),
  });
  return () => new MockActivityEnvironment().run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs: Date.now() });
}

describe('a subscription changed while its relay is draining it', () => {
  it('removed: the events after the one in flight are not posted', async () => {
    const subscriptionId = 'whsub_removedinflight';
    const endpoint = await receiver(async (_posted, index) => {
      if (index === 0) await database.db.webhookSubscription.update({ where: { id: subscriptionId }, data: { active: false } });
    });
    try {
      await subscribe(subscriptionId, endpoint.url);
      const orderId = await orderWithEvents('removed-inflight', ['order.accepted', 'order.completed']);
      await drainer(subscriptionId)();
      expect(endpoint.posts.map((p) => p.sequence)).toEqual([1]);
      const second = await database.db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId, orderId, seq: 2 } });
      expect(second.attempts).toBe(0);
    } finally {
      endpoint.close();
    }
  });

  it('rotated: the events after the rotation carry a signature by the new secret', async () => {
    const subscriptionId = 'whsub_rotatedinflight';
    let rotated = '';
    const endpoint = await receiver(async (_posted, index) => {
      if (index !== 0) return;
      const current = await database.db.webhookSubscription.findUniqueOrThrow({ where: { id: subscriptionId } });
      rotated = (await rotateSecret(database.db, current)).secret;
    });
    try {
      const original = await subscribe(subscriptionId, endpoint.url);
      await orderWithEvents('rotated-inflight', ['order.accepted', 'order.completed']);
      await drainer(subscriptionId)();
      const [first, second] = endpoint.posts;
      expect(endpoint.posts).toHaveLength(2);
      expect(first?.signatures).toEqual([expectedSignature(original, first as Posted)]);
      // Both secrets sign during the grace period: the receiver may have switched already, or not yet.
      expect(second?.signatures).toEqual([expectedSignature(rotated, second as Posted), expectedSignature(original, second as Posted)]);
    } finally {
      endpoint.close();
    }
  });

  it("replayed: a parked delivery put back during a drain leaves before its order's next event", async () => {
    const subscriptionId = 'whsub_replayinflight';
    const { db } = database;
    let replayedOrder = '';
    const endpoint = await receiver(async (_posted, index) => {
      if (index !== 0) return;
      // As POST /webhooks/deliveries/<id>/replay does, while the drain posts its first batch.
      const now = new Date();
      await db.webhookDelivery.updateMany({
        where: { subscriptionId, orderId: replayedOrder, seq: 1 },
        data: { status: 'pending', nextAttemptAt: now, replayedAt: now, failedAt: null, leaseUntil: null },
      });
    });
    try {
      await subscribe(subscriptionId, endpoint.url);
      // Eight orders fill the first batch of posts; the replayed order's next event is in the second.
      for (let n = 1; n <= 8; n += 1) await orderWithEvents(`replay-busy${n}`, ['order.accepted']);
      replayedOrder = await orderWithEvents('replay-parked', ['order.accepted', 'order.completed']);
      await db.webhookDelivery.updateMany({
        where: { subscriptionId, orderId: replayedOrder, seq: 1 },
        data: { status: 'failed', failedAt: new Date(), attempts: 30 },
      });
      await db.webhookDelivery.updateMany({
        where: { subscriptionId, orderId: replayedOrder, seq: 2 },
        data: { nextAttemptAt: new Date(Date.now() - 1_000) },
      });
      await db.webhookDelivery.updateMany({
        where: { subscriptionId, orderId: { not: replayedOrder } },
        data: { nextAttemptAt: new Date(Date.now() - 60_000) },
      });
      const drain = drainer(subscriptionId);
      await drain();
      await drain();
      const sequences = endpoint.posts.filter((p) => p.orderId === replayedOrder).map((p) => p.sequence);
      expect(sequences).toEqual([1, 2]);
    } finally {
      endpoint.close();
    }
  });
});

/**
 * An endpoint that takes every connection and never answers (a firewall dropping packets, a hung load balancer), with a
 * backlog of orders: the drain went through every order's head (up to 200, eight at a time, each waiting its timeout)
 * before it looked at its budget. 25 rounds of 10 s is over four minutes: each drain outlived its 2-minute activity
 * timeout, was retried while it still posted, and one dead shop's relay held several of the notify worker's slots.
 */
describe("a dead endpoint's backlog", () => {
  it('is drained a batch at a time within the budget, the rest left due for the next drain', async () => {
    const subscriptionId = 'whsub_deadbacklog';
    const sockets: Socket[] = [];
    const blackhole = createTcpServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    try {
      const address = blackhole.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await subscribe(subscriptionId, `http://127.0.0.1:${port}/hooks`);
      for (let n = 1; n <= 40; n += 1) await orderWithEvents(`dead-backlog${n}`, ['order.accepted']);
      await drainer(subscriptionId, { timeoutMs: 400, budgetMs: 500 })();
      const tried = await database.db.webhookDelivery.count({ where: { subscriptionId, attempts: { gt: 0 } } });
      // A batch of eight starts while the budget lasts (one or two of them here), none after it; the rest wait for the next drain.
      expect([8, 16]).toContain(tried);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
    }
  });
});
