import { createServer, type Server } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { loadConfig } from '../../config';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { pendingWebhook } from '../support/orders-in-db';

/**
 * A shop endpoint that answers a webhook with `101 Switching Protocols` (a WebSocket server, a proxy gone wrong, or a
 * shop that means harm). node:http hands such a socket to an `upgrade` listener and, with none, neither answers, fails nor
 * times the request out: the POST never settled, its claim was renewed for as long as the worker ran (the delivery, and
 * every later event of its order, stood still), and the drain held its colis-notify slot for good; each retry of the drain
 * met the next order's head and held one more, until mails and every other shop's webhooks had no slot left.
 */

let database: TestDatabase;
let endpoint: Server;
let posts = 0;

beforeAll(async () => {
  database = await createTestDatabase(4);
  endpoint = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      posts += 1;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  endpoint?.close();
  await database?.drop();
});

describe('a webhook endpoint answering 101 Switching Protocols', () => {
  it('is a failed attempt recorded within the timeout, tried again later, and the drain ends', async () => {
    const { db } = database;
    const address = endpoint.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const subscriptionId = 'whsub_switching';
    await pendingWebhook(db, { subscriptionId, url: `http://127.0.0.1:${port}/hooks`, tag: 'switching1', name: 'Zoé Marchand' });
    const settings = notifyConfigFrom(loadConfig({}));
    const relay = createNotifyActivities({
      db,
      mail: new MailRelay(db, settings.mail),
      webhooks: new WebhookRelay(db, { ...settings.webhooks, allowPrivateUrls: true, timeoutMs: 2_000 }),
    });
    const drained = new MockActivityEnvironment().run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs: Date.now() });
    // Far past the 2 s timeout on a loaded machine; the old relay never came back at all.
    const outcome = await Promise.race([
      drained,
      new Promise<'still posting'>((resolve) => setTimeout(() => resolve('still posting'), 30_000)),
    ]);
    expect(outcome).not.toBe('still posting');
    expect(posts).toBe(1);
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId } });
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 101, lastError: 'HTTP 101', leaseUntil: null });
    expect(delivery.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
  });
});
