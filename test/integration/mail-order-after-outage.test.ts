import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { noRelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { loadConfig } from '../../config';
import type { Milestone } from '../../domain/notifications';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';
import { headerOf, smtpStub } from '../support/smtp-stub';

/**
 * An order's mails reach the customer in the journey's order, also across a mail relay outage. Seen on npm start with the
 * SMTP relay stopped for a minute: "confirmed" and "shipped" failed and waited for their retry (30 s, then 2 min), the
 * "out for delivery" and "delivered" mails written meanwhile were due at once and went first when the relay came back, and
 * the customer read "delivered" before "confirmed".
 */

let database: TestDatabase;
const smtp = smtpStub();

beforeAll(async () => {
  database = await createTestDatabase(4);
  await smtp.listen();
});
afterAll(async () => {
  smtp.close();
  await database?.drop();
});

describe("an order's customer mails across a mail relay outage", () => {
  it('reach the customer in the journey order: the mails that waited for their retry go before the ones written since', async () => {
    const { db } = database;
    await createCustomer(db, { customerId: 'cust-outage', addressId: 'addr-outage', name: 'Inès Moreau' });
    await db.customer.update({ where: { id: 'cust-outage' }, data: { email: 'ines@example.test' } });
    const orderId = 'ORD-MAILOUTAGE1';
    await insertOrder(db, { orderId, customerId: 'cust-outage', addressId: 'addr-outage', skuCode: 'MUG-CER-350', quantity: 1 });
    const smtpUrl = smtp.url();
    const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtpUrl }));
    const relay = createNotifyActivities({ db, mail: new MailRelay(db, settings.mail), webhooks: new WebhookRelay(db, settings.webhooks) });
    const drain = (nowMs: number) => new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs });
    const write = (milestones: Milestone[]) => withMilestones(db, noRelayWaker, async () => ({ result: undefined, milestones }));

    // The relay is down: the confirmation and the shipping mail fail and wait for their retry.
    smtp.down = true;
    await write([{ orderId, key: 'order_confirmed', mail: { milestone: 'order_confirmed', data: {} } }]);
    await drain(Date.now());
    await write([{ orderId, key: 'shipped:SP1', mail: { milestone: 'shipped', data: {} } }]);
    await drain(Date.now());
    const waiting = await db.customerMail.findMany({ where: { orderId, status: 'pending' } });
    expect(waiting.map((mail) => mail.status)).toEqual(['pending', 'pending']);

    // Back up before their retry is due; the parcel is delivered meanwhile.
    smtp.down = false;
    await write([{ orderId, key: 'delivered:S1', mail: { milestone: 'delivered', data: {} } }]);
    await drain(Date.now());
    await drain(Date.now() + 24 * 60 * 60_000);

    expect(smtp.received.map((mail) => headerOf(mail, 'X-Colis-Milestone'))).toEqual(['order_confirmed', 'shipped', 'delivered']);
    const rows = await db.customerMail.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((mail) => mail.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
