import type { Db } from '../../activities/db';
import type { CustomerErasure, CustomerErasureParams } from '../../domain/erasure-api';
import { FINAL_ORDER_STAGES } from '../../domain/lifecycle';
import { FINAL_RETURN_STATUSES } from '../../domain/return-policy';
import { ApiError, notFound } from '../errors';
import { ERASURE_TRANSACTION_BUDGET, eraseOrderPersonalData } from './order-erasure';

/**
 * A shop's customer asked to be forgotten: every order the shop placed under that customer id has its personal data
 * erased (services/order-erasure.ts), in one transaction, at once rather than when retention would. Refused (409
 * `orders_under_way`) while one of those orders still needs it to be delivered or taken back: not final yet (or accepted
 * and not recorded), a return not closed, an escalation open. A customer id is the shop's own: another shop's customer
 * with the same id keeps everything.
 */

interface ShopOrder {
  id: string;
  status: string;
  erased: boolean;
}

export async function eraseCustomer(db: Db, target: CustomerErasureParams, erasedBy: string, now = new Date()): Promise<CustomerErasure> {
  const { id: shopId, customerId } = target;
  return db.$transaction(async (tx) => {
    // Locked in id order: two erasures of one customer (or the retention sweep) wait for each other, never deadlock.
    const orders = await tx.$queryRaw<ShopOrder[]>`
      SELECT "id", "status"::text AS "status", "personalDataErasedAt" IS NOT NULL AS "erased" FROM "Order"
      WHERE "shopId" = ${shopId} AND "customerId" = ${customerId}
      ORDER BY "id" FOR UPDATE`;
    const accepted = await tx.$queryRaw<{ orderId: string }[]>`
      SELECT i."orderId" FROM "OrderIntake" i
      WHERE i."submittedBy" = ${shopId} AND i."recordedAt" IS NULL AND i."input"->'request'->'customer'->>'id' = ${customerId}
        AND NOT EXISTS (SELECT 1 FROM "Order" o WHERE o."id" = i."orderId")`;
    if (orders.length === 0 && accepted.length === 0) throw notFound(`customer ${customerId} of shop ${shopId}`);
    const underWay = [...accepted.map((row) => `${row.orderId} (accepted)`), ...(await ordersUnderWay(tx, orders))];
    if (underWay.length > 0) {
      throw new ApiError(
        409,
        'orders_under_way',
        `customer ${customerId} has orders still under way: ${underWay.slice(0, 10).join(', ')}${underWay.length > 10 ? ' …' : ''}; ` +
          'their personal data is needed until they are over (delivered or ended, returns and escalations closed)',
        [{ path: 'params.customerId', message: `has ${underWay.length} order(s) still under way` }],
      );
    }
    const result: CustomerErasure = {
      shopId,
      customerId,
      ordersErased: 0,
      ordersAlreadyErased: orders.filter((order) => order.erased).length,
      addresses: 0,
      mailsGivenUp: 0,
      labelFiles: 0,
      erasedAt: now.toISOString(),
      erasedBy,
    };
    for (const order of orders.filter((each) => !each.erased)) {
      const erased = await eraseOrderPersonalData(tx, order.id, now);
      if (!erased) continue;
      result.ordersErased++;
      result.addresses += erased.addresses;
      result.mailsGivenUp += erased.mailsGivenUp;
      result.labelFiles += erased.labelFiles;
    }
    return result;
  }, ERASURE_TRANSACTION_BUDGET);
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** The orders among these still being delivered or taken back, each with why. */
async function ordersUnderWay(tx: Tx, orders: readonly ShopOrder[]): Promise<string[]> {
  const pending = orders.filter((order) => !order.erased);
  if (pending.length === 0) return [];
  const ids = pending.map((order) => order.id);
  const notFinal = pending
    .filter((order) => !(FINAL_ORDER_STAGES as readonly string[]).includes(order.status))
    .map((o) => `${o.id} (${o.status})`);
  const returns = await tx.$queryRaw<{ orderId: string; status: string }[]>`
    SELECT DISTINCT "orderId", "status"::text AS "status" FROM "Return"
    WHERE "orderId" = ANY(${ids}::text[]) AND "status"::text <> ALL(${[...FINAL_RETURN_STATUSES]}::text[])`;
  const escalations = await tx.$queryRaw<{ orderId: string }[]>`
    SELECT DISTINCT "orderId" FROM "Escalation" WHERE "orderId" = ANY(${ids}::text[]) AND "status" = 'open'`;
  return [
    ...notFinal,
    ...returns.map((row) => `${row.orderId} (return ${row.status})`),
    ...escalations.map((row) => `${row.orderId} (escalation open)`),
  ];
}
