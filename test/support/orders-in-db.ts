import type { Db } from '../../activities/db';
import { ids } from '../../domain/ids';

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
