import type { Db } from '../../activities/db';
import { noRelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { ids } from '../../domain/ids';
import { ALL_SHOPS } from '../../domain/notifications';

/**
 * Orders written straight into the database, as intake would store them, for integration tests of the
 * activities that read them (allocation, pick slots, re-allocation, re-promise) without a workflow.
 */

/** A customer with one address (Lyon unless said otherwise). */
export async function createCustomer(
  db: Db,
  customer: { customerId: string; addressId: string; name: string },
  at: { line1?: string; city?: string; postalCode?: string; countryCode?: string } = {},
): Promise<void> {
  await db.customer.create({ data: { id: customer.customerId, name: customer.name } });
  await db.address.create({
    data: {
      id: customer.addressId,
      customerId: customer.customerId,
      name: customer.name,
      line1: at.line1 ?? '1 rue de la République',
      city: at.city ?? 'Lyon',
      postalCode: at.postalCode ?? '69002',
      countryCode: at.countryCode ?? 'FR',
    },
  });
}

/** A one-line standard order that backorders what is short, promised in ten days unless said otherwise. */
export async function insertOrder(
  db: Db,
  order: { orderId: string; customerId: string; addressId: string; skuCode: string; quantity: number; promisedBy?: Date },
): Promise<void> {
  const { orderId } = order;
  const promisedBy = order.promisedBy ?? new Date(Date.now() + 10 * 86_400_000);
  await db.order.create({
    data: {
      id: orderId,
      idempotencyKey: `idem-${orderId}`,
      requestHash: `hash-${orderId}`,
      source: 'test',
      customerId: order.customerId,
      shippingAddressId: order.addressId,
      serviceLevel: 'standard',
      backorderPolicy: 'backorder',
      promisedBy,
      workflowId: ids.orderWorkflowId(orderId),
      currency: 'EUR',
      lines: { create: [{ id: `${orderId}-L1`, lineNo: 1, skuCode: order.skuCode, quantity: order.quantity }] },
    },
  });
}

/**
 * A shop webhook waiting in the outbox: a subscription to every shop's events at `url`, and an order (its customer
 * `name`) whose `order.completed` milestone was recorded for it. Answers the order's id.
 */
export async function pendingWebhook(db: Db, hook: { subscriptionId: string; url: string; tag: string; name: string }): Promise<string> {
  await db.webhookSubscription.create({
    data: { id: hook.subscriptionId, shopId: ALL_SHOPS, url: hook.url, secret: `whsec_${'A'.repeat(43)}=` },
  });
  return orderWithWebhookEvents(db, { tag: hook.tag, name: hook.name, types: ['order.completed'] });
}

/**
 * An order (its customer `name`, ids from `tag`) whose webhook milestones of `types` were recorded, in that order, for
 * every active subscription that wants them. Answers the order's id.
 */
export async function orderWithWebhookEvents(
  db: Db,
  order: { tag: string; name: string; types: readonly ('order.accepted' | 'order.completed')[] },
): Promise<string> {
  const { tag } = order;
  await createCustomer(db, { customerId: `cust-${tag}`, addressId: `addr-${tag}`, name: order.name });
  const orderId = `ORD-${tag.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;
  await insertOrder(db, { orderId, customerId: `cust-${tag}`, addressId: `addr-${tag}`, skuCode: 'MUG-CER-350', quantity: 1 });
  for (const type of order.types) {
    await withMilestones(db, noRelayWaker, async () => ({
      result: undefined,
      milestones: [{ orderId, key: type, webhook: { type, data: {} } }],
    }));
  }
  return orderId;
}
