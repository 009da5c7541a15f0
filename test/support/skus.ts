import type { Db } from '../../activities/db';

/** A SKU only the calling test knows (a 300 g, 10 cm cube at 9.90 EUR), so no other test's orders take its stock. */
export async function createFixtureSku(db: Db, code: string, name = 'Fixture'): Promise<string> {
  await db.sku.create({
    data: { code, name, weightGrams: 300, lengthMm: 100, widthMm: 100, heightMm: 100, unitPriceCents: 990, currency: 'EUR' },
  });
  return code;
}
