import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { eraseCustomer } from '../../api/services/customer-erasure';
import { loadConfig } from '../../config';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertOrderWithPersonalData, PERSONAL } from '../support/personal-data';
import { type SmtpStub, smtpStub } from '../support/smtp-stub';

/**
 * A customer mail being sent and its order's erasure exclude each other. The mail relay claimed a mail, read the customer's
 * name and address, and sent them: an erasure that committed meanwhile gave the mail up, and it left all the same, after
 * the erasure, with the erased name. Now a send holds its mail's row until it is written down, and the erasure waits for
 * it (never longer than a send may take: a stuck relay is cut off); a mail of a live order still leaves once, even when the
 * process sending it is killed -9 in the middle of the send.
 */

let database: TestDatabase;
const shopId = 'shop-mail-erasure';
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase(8);
});
afterAll(async () => database?.drop());

async function stuckRelay(): Promise<SmtpStub> {
  const smtp = smtpStub();
  smtp.holding = true;
  await smtp.listen();
  return smtp;
}

async function orderWithMailDue(): Promise<{ orderId: string; customerId: string; mailId: string }> {
  n++;
  const order = { orderId: `MAILERASE-${n}`, customerId: `CUST-MAILERASE-${n}` };
  await insertOrderWithPersonalData(database.db, { ...order, shopId, overDaysAgo: 5 });
  // The fixture's other mail is sent already: this one is the order's mail due now.
  return { ...order, mailId: `${order.orderId}:action_needed` };
}

function drainWith(smtpUrl: string, options: { leaseMs?: number; sendWithinMs?: number } = {}) {
  const { db } = database;
  const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: smtpUrl }));
  const relay = createNotifyActivities({
    db,
    mail: new MailRelay(db, settings.mail, options.leaseMs ?? 60_000, options.sendWithinMs),
    webhooks: new WebhookRelay(db, settings.webhooks),
  });
  return new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
}

async function until(what: string, check: () => boolean | Promise<boolean>, withinMs = 60_000): Promise<void> {
  const giveUpAt = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`not ${what} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const erasedAt = async (orderId: string) => (await database.db.order.findUniqueOrThrow({ where: { id: orderId } })).personalDataErasedAt;

describe("a customer mail in flight when its order's personal data is erased", () => {
  it('leaves before the erasure commits, never after: the erasure waits for the send', async () => {
    const { db } = database;
    const smtp = await stuckRelay();
    try {
      const { orderId, customerId, mailId } = await orderWithMailDue();
      const drain = drainWith(smtp.url());
      await until('at the end of its data', () => smtp.held.length === 1);

      let erasureCommitted = false;
      const erasure = eraseCustomer(db, { id: shopId, customerId }, 'ops-test').then((result) => {
        erasureCommitted = true;
        return result;
      });
      // The relay has not taken the mail yet: the erasure does not commit under it.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect({ erasureCommitted, erasedAt: await erasedAt(orderId) }).toEqual({ erasureCommitted: false, erasedAt: null });

      smtp.release();
      expect(smtp.received).toHaveLength(1);
      expect(erasureCommitted).toBe(false);
      const result = await erasure;
      await drain;

      // It left once, while the name was still the customer's; written down as sent, then its personal keys erased.
      expect(result).toMatchObject({ ordersErased: 1, mailsGivenUp: 0 });
      expect(smtp.received[0]?.message).toContain('Vasseur');
      const mail = await db.customerMail.findUniqueOrThrow({ where: { id: mailId } });
      expect(mail).toMatchObject({ status: 'sent', attempts: 1 });
      expect(JSON.stringify(mail.data)).not.toContain(PERSONAL.scanPlace);
      expect(await erasedAt(orderId)).not.toBeNull();
    } finally {
      smtp.close();
    }
  });

  it('is cut off when the relay is stuck: the erasure waits a bounded time, and the mail never leaves', async () => {
    const { db } = database;
    const smtp = await stuckRelay();
    try {
      const { customerId, mailId } = await orderWithMailDue();
      const drain = drainWith(smtp.url(), { sendWithinMs: 3_000 });
      await until('at the end of its data', () => smtp.held.length === 1);

      const startedAt = Date.now();
      const result = await eraseCustomer(db, { id: shopId, customerId }, 'ops-test');
      const waitedMs = Date.now() - startedAt;
      await drain;

      // The send was cut off (3 s here) and the erasure went on: well within its transaction's budget.
      expect(waitedMs).toBeLessThan(25_000);
      expect(result).toMatchObject({ ordersErased: 1, mailsGivenUp: 1 });
      // The relay answering now finds the connection dropped: the mail was never taken.
      smtp.release();
      expect(smtp.received).toHaveLength(0);
      expect(smtp.dropped).toHaveLength(1);
      const mail = await db.customerMail.findUniqueOrThrow({ where: { id: mailId } });
      expect(mail).toMatchObject({ status: 'failed', lastError: 'personal data erased' });
    } finally {
      smtp.close();
    }
  });
});

describe('a customer mail of a live order whose sender is killed -9 in the middle of the send', () => {
  it('still leaves, once, from the next drain once the claim lapses', async () => {
    const { db } = database;
    const stuck = await stuckRelay();
    const quick = smtpStub();
    await quick.listen();
    try {
      const { orderId, mailId } = await orderWithMailDue();
      await db.order.update({ where: { id: orderId }, data: { status: 'fulfilling' } });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../support/mail-drain-child.ts', import.meta.url))],
        {
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, COLIS_SMTP_URL: stuck.url(), MAIL_LEASE_MS: '3000' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await until('at the end of its data', () => stuck.held.length === 1, 120_000);
      child.kill('SIGKILL');
      await exited;

      // The next drain finds the claim lapsed (3 s) and the row free: PostgreSQL ended the dead sender's transaction.
      await until(
        'sent by the next drain',
        async () => {
          await drainWith(quick.url(), { leaseMs: 3_000 });
          return (await db.customerMail.findUniqueOrThrow({ where: { id: mailId } })).status === 'sent';
        },
        60_000,
      );
      stuck.release();
      expect(stuck.received).toHaveLength(0);
      expect(quick.received).toHaveLength(1);
      expect(await db.customerMail.findUniqueOrThrow({ where: { id: mailId } })).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      stuck.close();
      quick.close();
    }
  });
});
