import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
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
 * DNS rebinding against the webhook relay in production: the URL check (checkWebhookUrl) is answered a public address,
 * as a rebinding name answers it first; the connection then resolves the name again and gets the loopback (here:
 * `localhost` through the system resolver). fetch resolved it on its own and connected inside (probe4).
 */
const answeredOutside = async () => ['93.184.216.34'];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(4);
});
afterAll(async () => {
  await database?.drop();
});

async function oneDelivery(
  subscriptionId: string,
  url: string,
  allowPrivateUrls: boolean,
  resolveHost: (host: string) => Promise<string[]> = answeredOutside,
) {
  const { db } = database;
  const n = subscriptionId.slice(-1);
  await pendingWebhook(db, { subscriptionId, url, tag: `rebind-${n}`, name: 'Léa Roux' });
  const settings = notifyConfigFrom(loadConfig({}));
  const relay = createNotifyActivities({
    db,
    mail: new MailRelay(db, settings.mail),
    webhooks: new WebhookRelay(db, { ...settings.webhooks, allowPrivateUrls, timeoutMs: 3_000, resolveHost }),
  });
  await new MockActivityEnvironment().run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs: Date.now() });
  return db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId } });
}

const portOf = (server: { address(): unknown }) => {
  const address = server.address();
  return typeof address === 'object' && address !== null && 'port' in address ? Number(address.port) : 0;
};

describe('a shop webhook whose host name resolves outside at the check and inside at the connection', () => {
  it('is not sent inside in production: no connection reaches the loopback, the attempt says why', async () => {
    // A plain TCP listener (PostgreSQL's, Temporal's port): any connection at all is the defect, TLS or not.
    let connections = 0;
    const inside = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => inside.listen(0, resolve));
    try {
      const delivery = await oneDelivery('whsub_rebinding1', `https://localhost:${portOf(inside)}/hooks`, false);
      expect(connections).toBe(0);
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
      expect(delivery.lastError).toMatch(/localhost resolves to (127\.0\.0\.1|::1): a loopback, link-local or private address, refused/);
    } finally {
      inside.close();
    }
  });

  it('is sent to a receiver on this machine by its name in development, where private addresses are allowed', async () => {
    const posted: string[] = [];
    const receiver = createHttpServer((request, response) => {
      posted.push(String(request.headers['webhook-id']));
      request.resume();
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, resolve));
    try {
      const delivery = await oneDelivery('whsub_rebinding2', `http://localhost:${portOf(receiver)}/hooks`, true);
      expect(posted).toHaveLength(1);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204 });
    } finally {
      receiver.close();
    }
  });
});

describe('a shop webhook whose host name the DNS never answers for, in production', () => {
  it('is a failed attempt within the POST timeout, not a drain held as long as the resolver tries', async () => {
    const began = Date.now();
    const never = () => new Promise<string[]>(() => {});
    const attempt = oneDelivery('whsub_unanswered3', 'https://blackholed-dns.shop.example/hooks', false, never);
    const outcome = await Promise.race([
      attempt,
      new Promise<'still resolving'>((resolve) => setTimeout(() => resolve('still resolving'), 30_000)),
    ]);
    expect(outcome).not.toBe('still resolving');
    expect(outcome).toMatchObject({ status: 'pending', attempts: 1 });
    expect(outcome === 'still resolving' ? '' : outcome.lastError).toMatch(/not resolved within 3000 ms/);
    expect(Date.now() - began).toBeLessThan(30_000);
  });
});
