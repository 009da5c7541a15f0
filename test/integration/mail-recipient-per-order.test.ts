import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { noRelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { createOrderActivities } from '../../activities/orders';
import { loadConfig } from '../../config';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { DEFAULT_ORDER, orderInputFor } from '../support/journey';
import { headerOf, smtpStub } from '../support/smtp-stub';

/**
 * An order's mails go to the customer it was placed for. They were addressed from the Customer row, keyed by the shop's own
 * customer id and rewritten by every order under that id: seen on npm start, a second order under the same id
 * ("CUST-SHARED", with another name and e-mail and `notifyCustomer: false`) got the first order's "shipped" and
 * "out for delivery" mails, its tracking link and token included. Two shops both numbering customers "CUST-1" meet the same.
 */

let database: TestDatabase;
let db: Db;
const smtp = smtpStub();
/** What each accepted mail was: its envelope recipient, its greeting line, its milestone. */
const sent = () =>
  smtp.received.map((mail) => ({
    to: mail.to,
    greeting: /^(Hello|Bonjour) [^\r\n]*,$/m.exec(mail.message)?.[0] ?? '?',
    milestone: headerOf(mail, 'X-Colis-Milestone'),
  }));

beforeAll(async () => {
  database = await createTestDatabase(4);
  db = database.db;
  await smtp.listen();
});
afterAll(async () => {
  smtp.close();
  await database?.drop();
});

const order = (orderId: string, shop: string, customer: { id: string; name: string; email?: string }, notifyCustomer?: boolean) =>
  orderInputFor(orderId, shop, {
    customer,
    shipTo: { ...DEFAULT_ORDER.shipTo, name: customer.name },
    locale: 'en',
    ...(notifyCustomer === undefined ? {} : { notifyCustomer }),
  });

async function drainMails(): Promise<void> {
  const smtpUrl = smtp.url();
  const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtpUrl }));
  const relay = createNotifyActivities({ db, mail: new MailRelay(db, settings.mail), webhooks: new WebhookRelay(db, settings.webhooks) });
  await new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
}

const shipped = (orderId: string) =>
  withMilestones(db, noRelayWaker, async () => ({
    result: undefined,
    milestones: [{ orderId, key: 'shipped:T1', mail: { milestone: 'shipped' as const, data: {} } }],
  }));

describe("an order's customer mails", () => {
  it('go to the name and address the order was placed with, though another shop places an order under the same customer id', async () => {
    const orders = createOrderActivities(db);
    await orders.recordOrder(order('ORD-RCPT-A', 'shop-a', { id: 'CUST-1', name: 'Alice Martin', email: 'alice@a.test' }));
    await orders.recordOrder(order('ORD-RCPT-B', 'shop-b', { id: 'CUST-1', name: 'Mallory', email: 'mallory@b.test' }, false));
    await shipped('ORD-RCPT-A');
    await drainMails();

    const toA = sent().filter((mail) => mail.to === 'alice@a.test');
    expect(toA.map((mail) => [mail.milestone, mail.greeting])).toEqual([
      ['order_confirmed', 'Hello Alice Martin,'],
      ['shipped', 'Hello Alice Martin,'],
    ]);
    expect(sent().filter((mail) => mail.to === 'mallory@b.test')).toEqual([]);
  });

  it('are still written and sent when a later order under the same customer id gives no e-mail', async () => {
    const orders = createOrderActivities(db);
    await orders.recordOrder(order('ORD-RCPT-C', 'shop-c', { id: 'CUST-2', name: 'Chloé Petit', email: 'chloe@c.test' }));
    await orders.recordOrder(order('ORD-RCPT-D', 'shop-d', { id: 'CUST-2', name: 'Chloé Petit' }));
    await shipped('ORD-RCPT-C');
    await drainMails();

    expect(
      sent()
        .filter((mail) => mail.to === 'chloe@c.test')
        .map((mail) => mail.milestone),
    ).toEqual(['order_confirmed', 'shipped']);
    expect(await db.customerMail.findMany({ where: { orderId: 'ORD-RCPT-C', status: { not: 'sent' } } })).toEqual([]);
  });
});
