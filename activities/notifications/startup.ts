import { ALL_SHOPS, relayIds } from '../../domain/notifications';
import type { Db } from '../db';
import type { NotifyConfig } from './config';
import type { RelayWaker } from './outbox';
import { removeSubscription } from './subscription-state';

/**
 * The subscription behind COLIS_SHOP_WEBHOOK_URL: every shop's events; removed (its pending deliveries parked) when the
 * variable goes. Each start with the variable set makes it active again, one disabled by a 410 Gone or by PATCH included.
 */
export const ENV_SUBSCRIPTION_ID = 'whsub_env';

export async function syncEnvSubscription(db: Db, config: NotifyConfig): Promise<void> {
  const env = config.envSubscription;
  if (!env) {
    await removeSubscription(db, ENV_SUBSCRIPTION_ID);
    return;
  }
  const data = {
    url: env.url,
    secret: env.secret,
    active: true,
    events: [] as string[],
    disabledAt: null,
    disabledReason: null,
    removedAt: null,
  };
  await db.webhookSubscription.upsert({
    where: { id: ENV_SUBSCRIPTION_ID },
    create: { id: ENV_SUBSCRIPTION_ID, shopId: ALL_SHOPS, ...data },
    update: data,
  });
}

/** At start-up: wakes every relay with work waiting, so nothing waits for a sweep after a restart. */
export async function wakeRelaysWithWork(db: Db, waker: RelayWaker): Promise<void> {
  const ids: string[] = [];
  if ((await db.customerMail.count({ where: { status: 'pending' } })) > 0) ids.push(relayIds.mail);
  const subscriptions = await db.webhookDelivery.findMany({
    where: { status: 'pending' },
    distinct: ['subscriptionId'],
    select: { subscriptionId: true },
  });
  ids.push(...subscriptions.map((s) => relayIds.webhooks(s.subscriptionId)));
  if (ids.length > 0) await waker.wake(ids);
}
