import type { StockLevel } from './allocation';
import type { PlanChoice } from './plan-choice';

/**
 * Stock an accepted order was promised from and has not reserved yet. Intake promises from what is on the shelf,
 * but the order reserves only once its workflow runs: a second or a few minutes later (behind the adaptive start
 * limit in a burst). Without holds, two orders for the last unit placed in that gap were both promised from it, and
 * the second learned it was a backorder only when it reserved. A promise therefore holds what it counts on, per
 * warehouse and SKU, until its order reserves (the reservation then accounts for it), ends, or the hold expires.
 */

export interface StockHold {
  warehouseCode: string;
  skuCode: string;
  quantity: number;
}

/**
 * How long an intake hold counts when its order never reserves (a workflow terminated by hand before its first step,
 * an API killed between commit and start): long enough for a start queued behind a burst, short enough that a lost
 * hold only makes promises pessimistic for minutes. Real time, whatever the business clock's scale.
 */
export const INTAKE_HOLD_MS = 15 * 60_000;

/**
 * How long a backorder's hold on the restock it waits for counts: the promise engine's horizon (30 working days) and
 * more. The order's reservation or end lets it go first; this only bounds a hold whose workflow was terminated by hand.
 */
export const BACKORDER_HOLD_MS = 60 * 86_400_000;

/**
 * Intake holds last minutes and a backorder's weeks: a hold with more than this left to run is a backorder's, the
 * restock units it was dated from, which no other order's reservation takes (activities/inventory.ts).
 */
export const BACKORDER_HOLD_AT_LEAST_MS = 86_400_000;

/** What a promise's plan takes, per warehouse and SKU (a restock it waits for included: see `netOfHolds`). */
export function stockHoldsOf(choice: PlanChoice | undefined): StockHold[] {
  const byKey = new Map<string, StockHold>();
  for (const shipment of choice?.shipments ?? []) {
    for (const line of shipment.option.lines) {
      const key = `${shipment.option.warehouseCode}\u0000${line.skuCode}`;
      const hold = byKey.get(key) ?? { warehouseCode: shipment.option.warehouseCode, skuCode: line.skuCode, quantity: 0 };
      hold.quantity += line.quantity;
      byKey.set(key, hold);
    }
  }
  return [...byKey.values()].filter((hold) => hold.quantity > 0);
}

export interface Restock {
  warehouseCode: string;
  skuCode: string;
  quantity: number;
  expectedAtMs: number;
}

/**
 * Stock and restocks as the next promise may count on them: each hold takes from its warehouse's shelf first, then
 * from that warehouse's restocks in order of arrival, as a promise that waited for a restock had used the shelf
 * first. A restock that arrived turned into shelf stock, so the same rule still holds after it.
 */
export function netOfHolds<S extends StockLevel, R extends Restock>(
  stock: readonly S[],
  restocks: readonly R[],
  holds: readonly StockHold[],
): { stock: S[]; restocks: R[]; tookAny: boolean } {
  const owed = new Map<string, number>();
  for (const hold of holds) {
    const key = `${hold.warehouseCode}\u0000${hold.skuCode}`;
    owed.set(key, (owed.get(key) ?? 0) + Math.max(0, hold.quantity));
  }
  if (owed.size === 0) return { stock: [...stock], restocks: [...restocks], tookAny: false };
  let tookAny = false;
  const take = (warehouseCode: string, skuCode: string, available: number): number => {
    const key = `${warehouseCode}\u0000${skuCode}`;
    const due = owed.get(key) ?? 0;
    const taken = Math.min(due, Math.max(0, available));
    if (taken > 0) {
      owed.set(key, due - taken);
      tookAny = true;
    }
    return available - taken;
  };
  const netStock = stock.map((level) => ({ ...level, available: take(level.warehouseCode, level.skuCode, level.available) }));
  const netRestocks = [...restocks]
    .sort((a, b) => a.expectedAtMs - b.expectedAtMs)
    .map((restock) => ({ ...restock, quantity: take(restock.warehouseCode, restock.skuCode, restock.quantity) }));
  return { stock: netStock, restocks: netRestocks.filter((restock) => restock.quantity > 0), tookAny };
}

/**
 * What a backorder's plan counts on beyond what the order has reserved already: the restock units (or shelf units
 * freed since) it waits for, per warehouse and SKU.
 */
export function holdsBeyondReserved(planned: readonly StockHold[], reserved: readonly StockHold[]): StockHold[] {
  const have = new Map<string, number>();
  for (const r of reserved)
    have.set(`${r.warehouseCode}\u0000${r.skuCode}`, (have.get(`${r.warehouseCode}\u0000${r.skuCode}`) ?? 0) + r.quantity);
  return planned.flatMap((hold) => {
    const quantity = hold.quantity - (have.get(`${hold.warehouseCode}\u0000${hold.skuCode}`) ?? 0);
    return quantity > 0 ? [{ ...hold, quantity }] : [];
  });
}

/**
 * What an order still holds after a reservation: of what its promise held, the units it waits for (its shortages, when it
 * backorders them), at the warehouses the promise counted on, in the order they were held; nothing else.
 */
export function holdsAfterReservation(held: readonly StockHold[], shortages: readonly { skuCode: string; missing: number }[]): StockHold[] {
  const waiting = new Map<string, number>();
  for (const shortage of shortages) waiting.set(shortage.skuCode, (waiting.get(shortage.skuCode) ?? 0) + Math.max(0, shortage.missing));
  const kept: StockHold[] = [];
  for (const hold of held) {
    const missing = waiting.get(hold.skuCode) ?? 0;
    const quantity = Math.min(missing, hold.quantity);
    if (quantity <= 0) continue;
    waiting.set(hold.skuCode, missing - quantity);
    kept.push({ warehouseCode: hold.warehouseCode, skuCode: hold.skuCode, quantity });
  }
  return kept;
}
