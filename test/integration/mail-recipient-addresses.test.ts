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
 * Customer addresses as mail systems meet them: odd but valid ones (a plus, an apostrophe, a 64-character mailbox, an
 * internationalised domain) delivered once each, and refused ones. Refusals seen with an SMTP relay answering RCPT as Postfix does
 * (`550 5.1.1 <address>: Recipient address rejected: User unknown`): the order's first mail was tried again for a day
 * (some ten refusals the relay counts against the sender) and held the order's later mails back that day; and an address
 * with an apostrophe (`jean.o'neil@…`) left `jean.o'` in the worker's log and the mail's row, the pattern that takes
 * addresses out stopping at the apostrophe.
 */

let database: TestDatabase;
/** Postfix's words: a mailbox that does not exist (5.1.1), one that is full for now (4.2.2), a relay set up wrong (5.7.1). */
const smtp = smtpStub({
  recipientReply: (address) =>
    address.includes('gone')
      ? `550 5.1.1 <${address}>: Recipient address rejected: User unknown in virtual mailbox table`
      : address.includes('full')
        ? `452 4.2.2 <${address}>: Mailbox full`
        : address.includes('relay')
          ? `554 5.7.1 <${address}>: Relay access denied`
          : '250 ok',
});

beforeAll(async () => {
  database = await createTestDatabase(4);
  await smtp.listen();
});
afterAll(async () => {
  smtp.close();
  await database?.drop();
});

/** An order for `name` at `email` whose confirmed, shipped and delivered mails were written; drained once: its mails' rows. */
async function mailedOrder(tag: string, name: string, email: string) {
  const { db } = database;
  await createCustomer(db, { customerId: `cust-${tag}`, addressId: `addr-${tag}`, name });
  await db.customer.update({ where: { id: `cust-${tag}` }, data: { email } });
  const orderId = `ORD-MAILTO-${tag.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
  await insertOrder(db, { orderId, customerId: `cust-${tag}`, addressId: `addr-${tag}`, skuCode: 'MUG-CER-350', quantity: 1 });
  const milestones: Milestone[] = [
    { orderId, key: 'order_confirmed', mail: { milestone: 'order_confirmed', data: {} } },
    { orderId, key: 'shipped:SP1', mail: { milestone: 'shipped', data: {} } },
    { orderId, key: 'delivered:SP1', mail: { milestone: 'delivered', data: {} } },
  ];
  await withMilestones(db, noRelayWaker, async () => ({ result: undefined, milestones }));
  const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtp.url() }));
  const relay = createNotifyActivities({ db, mail: new MailRelay(db, settings.mail), webhooks: new WebhookRelay(db, settings.webhooks) });
  await new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
  return db.customerMail.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
}

describe('a customer address its mail server refuses', () => {
  it('as unknown (5.1.1): each of the order’s mails is given up on at its first refusal, none waits a day behind another', async () => {
    const rows = await mailedOrder('gone', 'Jean O’Neil', "jean.o'neil+gone@example.test");
    expect(rows.map((mail) => [mail.milestone, mail.status, mail.attempts])).toEqual([
      ['order_confirmed', 'failed', 1],
      ['shipped', 'failed', 1],
      ['delivered', 'failed', 1],
    ]);
    expect(rows[0]?.lastError).toContain('550 5.1.1');
  });

  it('for now (a full mailbox) or through our own relay (5.7.1): tried again later, the order’s later mails with it', async () => {
    for (const [tag, email] of [
      ['full', 'camille.full@example.test'],
      ['relay', 'camille.relay@example.test'],
    ] as const) {
      const rows = await mailedOrder(tag, 'Camille Martin', email);
      expect(rows.map((mail) => [mail.status, mail.attempts])).toEqual([
        ['pending', 1],
        ['pending', 0],
        ['pending', 0],
      ]);
    }
  });

  it('never leaves a part of the address or the name in the mail’s row', async () => {
    const rows = await mailedOrder('quoted', 'Jean-Baptiste Lefèvre', "jb.o'lefevre+gone@exämple.test");
    const error = rows[0]?.lastError ?? '';
    expect(error).toContain('Recipient address rejected');
    for (const part of ['jb', 'lefevre', 'xn--', 'exämple', 'Jean-Baptiste']) expect(error.toLowerCase()).not.toContain(part.toLowerCase());
  });
});

describe('customer addresses odd but valid', () => {
  it('each reach their mailbox once, an internationalised domain in its ASCII form at RCPT', async () => {
    const addresses = [
      ['plus', 'camille+colis@example.test', 'camille+colis@example.test'],
      ['apostrophe', "jean.o'neil@example.test", "jean.o'neil@example.test"],
      ['long', `${'l'.repeat(64)}@example.test`, `${'l'.repeat(64)}@example.test`],
      ['idn', 'lucie@exämple.test', 'lucie@xn--exmple-cua.test'],
      ['idntld', 'ivan@пример.рф', 'ivan@xn--e1afmkfd.xn--p1ai'],
    ] as const;
    for (const [tag, email, envelope] of addresses) {
      const rows = await mailedOrder(tag, 'Camille Martin', email);
      expect(
        rows.map((mail) => mail.status),
        tag,
      ).toEqual(['sent', 'sent', 'sent']);
      expect(
        smtp.received.filter((mail) => mail.to === envelope).map((mail) => headerOf(mail, 'X-Colis-Milestone')),
        tag,
      ).toEqual(['order_confirmed', 'shipped', 'delivered']);
    }
  });
});
