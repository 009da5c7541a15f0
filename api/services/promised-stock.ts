import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../activities/db';
import { STOCK_HOLD_TTL_MS, type StockHold } from '../../domain/promised-stock';

/**
 * The stock intake's promises hold until their orders reserve it (domain/promised-stock.ts). A hold exists in this
 * process from the moment its promise is computed, so the next promise computed here sees it even before the order
 * is committed; it is written to `PromisedStock` once the order's row is, and forgotten if the order was not
 * accepted after all (a twin of a request already placed). A promise whose stock read began before the hold's row
 * was written (reads are reused for up to a second) subtracts it itself: `unseen(readAtMs)`.
 *
 * A hold not written (the API killed between the order's commit and the hold's, or PostgreSQL refusing it) makes
 * the next promises a little optimistic, as before holds existed: reservation, under lock, is what never oversells.
 */
export interface PendingHold {
  readonly holds: readonly StockHold[];
}

interface Entry extends PendingHold {
  pendingSinceMs: number;
  /** Real time the row was written; undefined while in this process only. */
  writtenAtMs?: number;
}

/** Written holds stay in memory this long: longer than any stock read is reused. */
const REMEMBER_WRITTEN_MS = 10_000;
/** A hold neither written nor dropped (a request that failed in between) stops counting after this. */
const FORGET_UNWRITTEN_MS = 60_000;
/** Expired rows are deleted at most this often (their reads ignore them anyway). */
const EXPIRY_EVERY_MS = 60_000;

export class PromisedStockHolds {
  private entries = new Set<Entry>();
  private lastExpiryMs = 0;

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Holds a promise's stock in this process at once: the next promise computed here counts it as taken. */
  pend(holds: readonly StockHold[]): PendingHold {
    const entry: Entry = { holds, pendingSinceMs: Date.now() };
    if (holds.length > 0) this.entries.add(entry);
    return entry;
  }

  /** The order was not accepted (a twin, a failed commit): its promise holds nothing. */
  drop(pending: PendingHold): void {
    this.entries.delete(pending as Entry);
  }

  /** The order is committed: its holds go to `PromisedStock` for every process's promises. Never throws. */
  async write(orderId: string, pending: PendingHold): Promise<void> {
    const entry = pending as Entry;
    if (entry.holds.length === 0) return;
    const holds = [...entry.holds].sort((a, b) => compare(a.warehouseCode, b.warehouseCode) || compare(a.skuCode, b.skuCode));
    try {
      await this.db.$executeRaw`
        INSERT INTO "PromisedStock" ("orderId", "warehouseCode", "skuCode", "quantity")
        SELECT ${orderId}, h."warehouseCode", h."skuCode", h."quantity"
        FROM unnest(${holds.map((h) => h.warehouseCode)}::text[], ${holds.map((h) => h.skuCode)}::text[],
                    ${holds.map((h) => h.quantity)}::int[]) AS h("warehouseCode", "skuCode", "quantity")
        ON CONFLICT DO NOTHING`;
      entry.writtenAtMs = Date.now();
    } catch (error) {
      this.entries.delete(entry);
      this.log.warn(
        { orderId, err: error instanceof Error ? error.message : String(error) },
        'could not record the stock an order was promised',
      );
    }
    await this.expireOld();
  }

  /** Holds a stock read begun at `readAtMs` cannot have found in `PromisedStock`. */
  unseen(readAtMs: number): StockHold[] {
    const nowMs = Date.now();
    const unseen: StockHold[] = [];
    for (const entry of this.entries) {
      const stale =
        entry.writtenAtMs === undefined
          ? entry.pendingSinceMs < nowMs - FORGET_UNWRITTEN_MS
          : entry.writtenAtMs < nowMs - REMEMBER_WRITTEN_MS;
      if (stale) this.entries.delete(entry);
      else if (entry.writtenAtMs === undefined || entry.writtenAtMs > readAtMs) unseen.push(...entry.holds);
    }
    return unseen;
  }

  /** Deletes holds whose orders never reserved (reads ignore them already): keeps the table to recent orders. */
  private async expireOld(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.lastExpiryMs < EXPIRY_EVERY_MS) return;
    this.lastExpiryMs = nowMs;
    await this.db.$executeRaw`
      DELETE FROM "PromisedStock" WHERE "promisedAt" < now() - make_interval(secs => ${STOCK_HOLD_TTL_MS / 1000})`.catch((error: unknown) =>
      this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not expire old stock holds'),
    );
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
