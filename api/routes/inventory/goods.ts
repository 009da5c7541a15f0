import type { Db } from '../../../activities/db';
import { ApiError } from '../../errors';

/**
 * A receipt or an expected restock for a warehouse or SKU that does not exist is a 400 naming the field, checked before
 * anything is written (an Idempotency-Key stays free for the corrected request).
 */
export async function refuseUnknownGoods(db: Db, { warehouseCode, skuCode }: { warehouseCode: string; skuCode: string }): Promise<void> {
  const [warehouse, sku] = await Promise.all([
    db.warehouse.findUnique({ where: { code: warehouseCode }, select: { code: true } }),
    db.sku.findUnique({ where: { code: skuCode }, select: { code: true } }),
  ]);
  const details = [
    ...(warehouse ? [] : [{ path: 'body.warehouseCode', message: `warehouse ${warehouseCode} does not exist` }]),
    ...(sku ? [] : [{ path: 'body.skuCode', message: `SKU ${skuCode} does not exist` }]),
  ];
  if (details.length > 0) {
    throw new ApiError(400, sku ? 'validation_failed' : 'unknown_sku', details.map((d) => d.message).join('; '), details);
  }
}
