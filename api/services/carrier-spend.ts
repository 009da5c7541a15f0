import type { Db } from '../../activities/db';

/**
 * What carriers were paid and what choosing them saved, over the labels bought in a window: the one
 * definition that the process chart's booking box and the fulfilment report both show. Each purchased
 * label counts once, at its purchase (a voided label was refunded and counts nowhere); its saving is
 * what the fastest service quoted for its shipment would have cost, minus what this label cost. Both in
 * the order's currency: a label charged in another counts at its converted cost (`Label.costCents`).
 */
export interface CarrierSpend {
  labels: number;
  shipments: number;
  spendCents: number;
  savedCents: number;
  currency: string | null;
}

export async function carrierSpend(db: Db, from: Date, to: Date): Promise<CarrierSpend> {
  const rows = await db.$queryRaw<{ labels: number; shipments: number; spend: number; saved: number; currency: string | null }[]>`
    SELECT count(*)::int AS labels,
           count(DISTINCT l."shipmentId")::int AS shipments,
           coalesce(sum(coalesce(l."costCents", l."amountCents")), 0)::int AS spend,
           coalesce(sum(s."fastestCostCents" - coalesce(l."costCents", l."amountCents")) FILTER (WHERE s."fastestCostCents" IS NOT NULL), 0)::int AS saved,
           min(s.currency) AS currency
    FROM "Label" l
    -- Each label's shipment and order by key: joined by hash, the planner read every shipment and order in history.
    CROSS JOIN LATERAL (
      SELECT s."fastestCostCents", o.currency FROM "Shipment" s JOIN "Order" o ON o.id = s."orderId" WHERE s.id = l."shipmentId" LIMIT 1
    ) s
    WHERE l.status = 'purchased' AND l."purchasedAt" >= ${from} AND l."purchasedAt" < ${to}`;
  const row = rows[0];
  return {
    labels: row?.labels ?? 0,
    shipments: row?.shipments ?? 0,
    spendCents: row?.spend ?? 0,
    savedCents: row?.saved ?? 0,
    currency: row?.currency ?? null,
  };
}
