import { type DeliveryParkedReason, SUBSCRIPTION_DISABLED_REASONS, type SubscriptionDisabledReason } from '../../domain/notifications';
import type { Prisma } from '../../prisma/generated/client';
import type { Db } from '../db';

/**
 * A webhook subscription's three states, and what each does to its deliveries: active (receives events), disabled (its
 * endpoint answered 410 Gone or the shop disabled it; enabled again by the shop) and removed (for good). Leaving active
 * parks every pending delivery in the same transaction, so nothing is tried for a subscription that no longer receives,
 * and nothing lingers as "pending". While it is not active no delivery is queued for it (outbox.ts reads `active`).
 *
 * A delivery being posted at that instant is parked too; what its endpoint answers is still recorded (a 2xx as
 * delivered: it was), but it is not tried again.
 */

type Client = Db | Prisma.TransactionClient;

export type SubscriptionStatus = 'active' | 'disabled' | 'removed';

export function subscriptionStatus(row: { active: boolean; removedAt: Date | null }): SubscriptionStatus {
  return row.removedAt ? 'removed' : row.active ? 'active' : 'disabled';
}

/** Parks every pending delivery of the subscription: not tried again, listed as `parked` with why. */
export function parkPendingDeliveries(db: Client, subscriptionId: string, reason: DeliveryParkedReason, at: Date) {
  return db.webhookDelivery.updateMany({
    where: { subscriptionId, status: 'pending' },
    data: { status: 'parked', parkedAt: at, parkedReason: reason, leaseUntil: null },
  });
}

/**
 * Disables an active subscription and parks its pending deliveries, as one transaction; `count` 0 when it was not active
 * (already disabled, or removed: the first reason given stays).
 */
export async function disableSubscription(db: Db, subscriptionId: string, reason: SubscriptionDisabledReason, at = new Date()) {
  return db.$transaction(async (tx) => {
    const { count } = await tx.webhookSubscription.updateMany({
      where: { id: subscriptionId, active: true, removedAt: null },
      data: { active: false, disabledAt: at, disabledReason: reason },
    });
    if (count > 0) await parkPendingDeliveries(tx, subscriptionId, reason, at);
    return { count };
  });
}

/**
 * Puts back on their way the deliveries parked when the subscription was disabled (not those of a removal, which cannot
 * be enabled again): pending now, their three days of retries counted from now (`replayedAt`), the relay sending each
 * order's in sequence. Answers how many.
 */
export async function resendParkedDeliveries(db: Db, subscriptionId: string, at = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    // Only while it is active (held so until commit): a disabling at the same instant parks them again after this.
    const active = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "WebhookSubscription" WHERE "id" = ${subscriptionId} AND "active" AND "removedAt" IS NULL FOR SHARE`;
    if (active.length === 0) return 0;
    const { count } = await tx.webhookDelivery.updateMany({
      where: { subscriptionId, status: 'parked', parkedReason: { in: [...SUBSCRIPTION_DISABLED_REASONS] } },
      data: { status: 'pending', nextAttemptAt: at, replayedAt: at, parkedAt: null, parkedReason: null, failedAt: null, leaseUntil: null },
    });
    return count;
  });
}

/** Removes a subscription (for good) and parks its pending deliveries, as one transaction; a second removal changes nothing. */
export async function removeSubscription(db: Db, subscriptionId: string, at = new Date()) {
  return db.$transaction(async (tx) => {
    const { count } = await tx.webhookSubscription.updateMany({
      where: { id: subscriptionId, removedAt: null },
      data: { active: false, removedAt: at },
    });
    if (count > 0) await parkPendingDeliveries(tx, subscriptionId, 'subscription_removed', at);
    return { count };
  });
}
