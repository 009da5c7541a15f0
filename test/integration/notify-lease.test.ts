import { createServer as createHttpServer } from 'node:http';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { noRelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { loadConfig } from '../../config';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder, pendingWebhook } from '../support/orders-in-db';
import { smtpStub } from '../support/smtp-stub';

/**
 * A mail relay that answers slowly (a tarpit, an overloaded relay: each reply just within nodemailer's 30 s socket timeout)
 * keeps a mail in flight longer than its claim. Another drain of the mail outbox (the activity's retry once a heartbeat is
 * missed) then claimed it and sent it again, with no crash at all (probe3 on npm start: 25 s per SMTP reply, a delivered
 * mail sent twice). Shortened here: a 300 ms claim, a relay that takes 1.5 s to accept the message.
 */

let database: TestDatabase;
const smtp = smtpStub({ acceptAfterMs: 1500 });

beforeAll(async () => {
  database = await createTestDatabase(4);
  await smtp.listen();
});
afterAll(async () => {
  smtp.close();
  await database?.drop();
});

describe('a customer mail sent through a slow relay', () => {
  it('is sent once, though it takes longer than its claim and another drain looks meanwhile', async () => {
    const { db } = database;
    await createCustomer(db, { customerId: 'cust-slow-relay', addressId: 'addr-slow-relay', name: 'Inès Moreau' });
    await db.customer.update({ where: { id: 'cust-slow-relay' }, data: { email: 'ines@example.test' } });
    const orderId = 'ORD-SLOWRELAY1';
    await insertOrder(db, { orderId, customerId: 'cust-slow-relay', addressId: 'addr-slow-relay', skuCode: 'MUG-CER-350', quantity: 1 });
    await withMilestones(db, noRelayWaker, async () => ({
      result: undefined,
      milestones: [{ orderId, key: 'delivered:slow', mail: { milestone: 'delivered' as const, data: {} } }],
    }));
    const smtpUrl = smtp.url();
    const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtpUrl }));
    const relay = createNotifyActivities({
      db,
      mail: new MailRelay(db, settings.mail, 300),
      webhooks: new WebhookRelay(db, settings.webhooks),
    });
    const drain = () => new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
    const first = drain();
    await new Promise((r) => setTimeout(r, 800));
    const second = drain();
    await Promise.all([first, second]);
    expect(smtp.received).toHaveLength(1);
    const row = await db.customerMail.findUniqueOrThrow({ where: { id: `${orderId}:delivered:slow` } });
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
  });
});

describe('a shop webhook posted to a slow endpoint', () => {
  // The same with an endpoint given longer than the claim (COLIS_WEBHOOK_TIMEOUT_MS of a minute): posted again by the next drain.
  it('is posted once, though the endpoint answers after the claim would have lapsed and another drain looks meanwhile', async () => {
    const { db } = database;
    const posted: string[] = [];
    const endpoint = createHttpServer((request, response) => {
      posted.push(String(request.headers['webhook-id']));
      request.resume();
      setTimeout(() => response.writeHead(204).end(), 1500);
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const address = endpoint.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const subscriptionId = 'whsub_slowendpoint';
      await pendingWebhook(db, { subscriptionId, url: `http://127.0.0.1:${port}/hooks`, tag: 'slow-hook1', name: 'Hugo Petit' });
      const settings = notifyConfigFrom(loadConfig({}));
      const relay = createNotifyActivities({
        db,
        mail: new MailRelay(db, settings.mail),
        webhooks: new WebhookRelay(db, { ...settings.webhooks, allowPrivateUrls: true, timeoutMs: 10_000, leaseMs: 300 }),
      });
      const drain = () => new MockActivityEnvironment().run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs: Date.now() });
      const first = drain();
      await new Promise((r) => setTimeout(r, 800));
      const second = drain();
      await Promise.all([first, second]);
      expect(posted).toHaveLength(1);
      const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId } });
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      endpoint.close();
    }
  });
});

/**
 * A send longer than the drain's heartbeat timeout (45 s) had the activity declared dead while it worked: the drain
 * heartbeated only between sends, so Temporal retried it beside the drain still sending, which held a second colis-notify
 * slot. The drain now heartbeats at each renewal of its claim. Shortened: a 300 ms claim (renewed every 100 ms), a relay
 * and an endpoint that take 1.5 s.
 */
describe('a drain sending slowly', () => {
  /** Heartbeats of a drain run on a fresh mock activity, counted while `inFlight` says a send is under way. */
  async function heartbeatsWhileSending(run: (env: MockActivityEnvironment) => Promise<unknown>, inFlight: () => boolean) {
    const env = new MockActivityEnvironment();
    let during = 0;
    env.on('heartbeat', () => {
      if (inFlight()) during += 1;
    });
    await run(env);
    return during;
  }

  it('heartbeats while a webhook is posted and while a mail is sent, not only between sends', async () => {
    const { db } = database;
    let posting = false;
    const endpoint = createHttpServer((request, response) => {
      posting = true;
      request.resume();
      setTimeout(() => {
        posting = false;
        response.writeHead(204).end();
      }, 1500);
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const address = endpoint.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const subscriptionId = 'whsub_heartbeat';
      await pendingWebhook(db, { subscriptionId, url: `http://127.0.0.1:${port}/hooks`, tag: 'heartbeat-hook1', name: 'Lina Roux' });
      await createCustomer(db, { customerId: 'cust-heartbeat', addressId: 'addr-heartbeat', name: 'Lina Roux' });
      await db.customer.update({ where: { id: 'cust-heartbeat' }, data: { email: 'lina@example.test' } });
      const orderId = 'ORD-HEARTBEAT1';
      await insertOrder(db, { orderId, customerId: 'cust-heartbeat', addressId: 'addr-heartbeat', skuCode: 'MUG-CER-350', quantity: 1 });
      await withMilestones(db, noRelayWaker, async () => ({
        result: undefined,
        milestones: [{ orderId, key: 'shipped:heartbeat', mail: { milestone: 'shipped' as const, data: {} } }],
      }));
      const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtp.url() }));
      const relay = createNotifyActivities({
        db,
        mail: new MailRelay(db, settings.mail, 300),
        webhooks: new WebhookRelay(db, { ...settings.webhooks, allowPrivateUrls: true, timeoutMs: 10_000, leaseMs: 300 }),
      });
      const posted = await heartbeatsWhileSending(
        (env) => env.run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs: Date.now() }),
        () => posting,
      );
      const sentBefore = smtp.received.length;
      let drainingMail = true;
      const mailed = await heartbeatsWhileSending(
        async (env) => {
          await env.run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
          drainingMail = false;
        },
        // The slow relay holds the message 1.5 s after its data: counted until it is in.
        () => drainingMail && smtp.received.length === sentBefore,
      );
      // About 15 each at one per 100 ms; before, none came between the drain's start and the answer.
      expect(posted).toBeGreaterThanOrEqual(3);
      expect(mailed).toBeGreaterThanOrEqual(3);
    } finally {
      endpoint.close();
    }
  });
});

/**
 * The database lost right after a send (PostgreSQL killed -9, restarted within seconds): the send is done, its record
 * fails. The relay gave up at the first failed write, the row stayed claimed and pending, and the next drain once the
 * claim lapsed sent the mail or the webhook again (a hostile drill, PostgreSQL killed -9 four times in a minute: 8 mails
 * and 5 webhooks delivered twice). The outage is played by the relay's database failing its next writes as node-postgres
 * does while the server is gone; the claim is 2 s, the second drain comes after it lapsed.
 */
const lost = () => new Error('Connection terminated unexpectedly');

/** `db` whose `pick` operation fails its first `failures` calls as a lost connection does. */
function failingFirst(
  db: TestDatabase['db'],
  failures: number,
  pick: (prop: string) => 'model' | 'transaction' | undefined,
  method = 'update',
) {
  let left = failures;
  const failOnce = () => {
    if (left > 0) {
      left -= 1;
      throw lost();
    }
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      const kind = typeof prop === 'string' ? pick(prop) : undefined;
      if (kind === 'transaction')
        return (...args: unknown[]) => {
          failOnce();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      if (kind === 'model')
        return new Proxy(value as object, {
          get(model, name, modelReceiver) {
            const method2 = Reflect.get(model, name, modelReceiver);
            if (name !== method || typeof method2 !== 'function') return method2;
            return async (...args: unknown[]) => {
              failOnce();
              return method2.apply(model, args);
            };
          },
        });
      return value;
    },
  }) as TestDatabase['db'];
}

describe('a send whose record meets a database outage', () => {
  it('sends a customer mail once: the relay records it once the database answers again', async () => {
    const { db } = database;
    const quick = smtpStub();
    await quick.listen();
    try {
      await createCustomer(db, { customerId: 'cust-pg-lost', addressId: 'addr-pg-lost', name: 'Léa Garnier' });
      await db.customer.update({ where: { id: 'cust-pg-lost' }, data: { email: 'lea@example.test' } });
      const orderId = 'ORD-PGLOSTMAIL1';
      await insertOrder(db, { orderId, customerId: 'cust-pg-lost', addressId: 'addr-pg-lost', skuCode: 'MUG-CER-350', quantity: 1 });
      await withMilestones(db, noRelayWaker, async () => ({
        result: undefined,
        milestones: [{ orderId, key: 'shipped:pg-lost', mail: { milestone: 'shipped' as const, data: {} } }],
      }));
      const smtpUrl = quick.url();
      const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtpUrl }));
      const outage = failingFirst(db, 2, (prop) => (prop === 'customerMail' ? 'model' : undefined));
      const relay = createNotifyActivities({
        db,
        mail: new MailRelay(outage, settings.mail, 2_000),
        webhooks: new WebhookRelay(db, settings.webhooks),
      });
      const drain = () => new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
      await drain().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 2_300));
      await drain().catch(() => undefined);
      expect(quick.received).toHaveLength(1);
      const row = await db.customerMail.findUniqueOrThrow({ where: { id: `${orderId}:shipped:pg-lost` } });
      expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      quick.close();
    }
  });

  it('posts a shop webhook once: the relay records the answer once the database answers again', async () => {
    const { db } = database;
    const posted: string[] = [];
    const endpoint = createHttpServer((request, response) => {
      posted.push(String(request.headers['webhook-id']));
      request.resume();
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const address = endpoint.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const subscriptionId = 'whsub_pglost';
      await pendingWebhook(db, { subscriptionId, url: `http://127.0.0.1:${port}/hooks`, tag: 'pg-lost-hook1', name: 'Noé Lambert' });
      const settings = notifyConfigFrom(loadConfig({}));
      const outage = failingFirst(db, 2, (prop) => (prop === '$transaction' ? 'transaction' : undefined));
      const relay = createNotifyActivities({
        db,
        mail: new MailRelay(db, settings.mail),
        webhooks: new WebhookRelay(outage, { ...settings.webhooks, allowPrivateUrls: true, timeoutMs: 10_000, leaseMs: 2_000 }),
      });
      const drain = () => new MockActivityEnvironment().run(relay.drainRelay, { relayId: `webhooks:${subscriptionId}`, nowMs: Date.now() });
      await drain().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 2_300));
      await drain().catch(() => undefined);
      expect(posted).toHaveLength(1);
      const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { subscriptionId } });
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      endpoint.close();
    }
  });
});
