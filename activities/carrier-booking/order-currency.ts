import { DEFAULT_CURRENCY } from '../../domain/money';
import type { Db } from '../db';

/** The currency the order is kept in: quotes are compared, and label costs counted, in it. */
export async function orderCurrencyOf(db: Db, shipmentId: string): Promise<string> {
  return (
    (await db.shipment.findUnique({ where: { id: shipmentId }, select: { order: { select: { currency: true } } } }))?.order.currency ??
    DEFAULT_CURRENCY
  );
}
