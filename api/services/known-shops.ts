import type { Db } from '../../activities/db';
import type { ConfiguredApiKey } from '../../config/api-keys';

/**
 * A shop is an intake key's name: its orders come in under it. One Colis knows is a configured intake key, or a shop it
 * has a row for (its orders were written, or its settings set, under a key since retired). Ops naming any other shop,
 * a typo most likely, would subscribe webhooks or set a return window that no order ever reads.
 */
export async function isKnownShop(db: Db, apiKeys: readonly ConfiguredApiKey[], shopId: string): Promise<boolean> {
  if (apiKeys.some((key) => key.role === 'intake' && key.name === shopId)) return true;
  return (await db.shop.findUnique({ where: { id: shopId }, select: { id: true } })) !== null;
}
