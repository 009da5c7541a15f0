import type { Prisma } from '../prisma/generated/client';

type Tx = Prisma.TransactionClient;

/**
 * The parcels (shipment or return ids) whose order's personal data was erased, read under a share lock on each order. An
 * erasure (api/services/order-erasure.ts) locks its order for update: it either committed before this read, and is seen
 * here, or waits for the caller's transaction and then erases what it wrote. Read without the lock, a carrier's scan
 * stored while an erasure ran kept its words and place ("left with the neighbour at 12") for good.
 */
export async function parcelsOfErasedOrders(tx: Tx, parcels: { shipmentIds: string[]; returnIds: string[] }): Promise<Set<string>> {
  const erased = new Set<string>();
  if (parcels.shipmentIds.length > 0) {
    const rows = await tx.$queryRaw<{ id: string; erased: boolean }[]>`
      SELECT s."id", o."personalDataErasedAt" IS NOT NULL AS "erased" FROM "Shipment" s JOIN "Order" o ON o."id" = s."orderId"
      WHERE s."id" = ANY(${parcels.shipmentIds}::text[]) ORDER BY o."id" FOR SHARE OF o`;
    for (const row of rows) if (row.erased) erased.add(row.id);
  }
  if (parcels.returnIds.length > 0) {
    const rows = await tx.$queryRaw<{ id: string; erased: boolean }[]>`
      SELECT r."id", o."personalDataErasedAt" IS NOT NULL AS "erased" FROM "Return" r JOIN "Order" o ON o."id" = r."orderId"
      WHERE r."id" = ANY(${parcels.returnIds}::text[]) ORDER BY o."id" FOR SHARE OF o`;
    for (const row of rows) if (row.erased) erased.add(row.id);
  }
  return erased;
}
