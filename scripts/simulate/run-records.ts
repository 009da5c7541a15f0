import type { Db } from '../../activities/db';

/** What a finished simulation run left in PostgreSQL, read for its figures (metrics.ts). */

/** The accepted orders with their shipments, as the run left them. */
export function readOrders(db: Db, ids: string[]) {
  return db.order.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      status: true,
      originalPromisedBy: true,
      promisedBy: true,
      serviceLevel: true,
      shippingAddress: { select: { countryCode: true, postalCode: true, region: true } },
      lines: { select: { id: true, skuCode: true, quantity: true } },
      shipments: {
        select: {
          id: true,
          warehouseCode: true,
          status: true,
          carrierCode: true,
          deliveredAt: true,
          packagingCostCents: true,
          shippingCostCents: true,
          riskPremiumCents: true,
          replacesShipmentId: true,
          lines: { select: { orderLineId: true, skuCode: true, quantity: true } },
        },
      },
    },
  });
}

export type MeasuredOrder = Awaited<ReturnType<typeof readOrders>>[number];
export type MeasuredShipment = MeasuredOrder['shipments'][number];

/** The integrity counts (stock oversold, labels Colis recorded), and the orders repromised, escalated or reallocated. */
export function readIntegrityCounts(db: Db, ids: string[]) {
  return Promise.all([
    db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "InventoryLevel" WHERE "onHand" < 0 OR "reserved" < 0 OR "reserved" > "onHand"`,
    db.label.count(),
    db.promiseChange.groupBy({ by: ['orderId'], where: { orderId: { in: ids } } }),
    db.escalation.count({ where: { orderId: { in: ids } } }),
    db.shipmentReallocation.count({ where: { orderId: { in: ids } } }),
    // Told "late" needlessly: delivered by the date the order had before its first change.
    db.$queryRaw<{ n: number }[]>`
      WITH first AS (
        SELECT DISTINCT ON ("orderId") "orderId", "oldPromisedBy" FROM "PromiseChange"
        WHERE "orderId" = ANY(${ids}) ORDER BY "orderId", "createdAt", "id")
      SELECT count(*)::int AS n FROM first f
      WHERE (SELECT max(s."deliveredAt") FROM "Shipment" s WHERE s."orderId" = f."orderId" AND s."status" = 'delivered')
            <= f."oldPromisedBy"`,
    // Surprised: delivered after the intake promise with no change made before that promise passed.
    db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "Order" o
      WHERE o."id" = ANY(${ids}) AND o."originalPromisedBy" IS NOT NULL
        AND (SELECT max(s."deliveredAt") FROM "Shipment" s WHERE s."orderId" = o."id" AND s."status" = 'delivered')
            > o."originalPromisedBy"
        AND NOT EXISTS (SELECT 1 FROM "PromiseChange" pc WHERE pc."orderId" = o."id" AND pc."createdAt" < o."originalPromisedBy")`,
  ]);
}

export type IntegrityCounts = Awaited<ReturnType<typeof readIntegrityCounts>>;
