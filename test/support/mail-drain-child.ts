import { MockActivityEnvironment } from '@temporalio/testing';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { createDb } from '../../activities/db';
import { loadConfig } from '../../config';

/**
 * A mail drain in a process of its own, for a test to kill -9 in the middle of a send: DATABASE_URL and COLIS_SMTP_URL
 * as a worker has them, MAIL_LEASE_MS its claim. Prints "draining" once its drain has begun.
 */
const config = loadConfig(process.env);
const db = createDb(config.DATABASE_URL ?? '', 2);
const settings = notifyConfigFrom(config);
const relay = createNotifyActivities({
  db,
  mail: new MailRelay(db, settings.mail, Number(process.env.MAIL_LEASE_MS)),
  webhooks: new WebhookRelay(db, settings.webhooks),
});
process.stdout.write('draining\n');
await new MockActivityEnvironment().run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
await db.$disconnect();
