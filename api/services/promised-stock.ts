import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../activities/db';
import type { StockHold } from '../../domain/promised-stock';

/**
 * The stock intake's promises hold until their orders reserve it (domain/promised-stock.ts). A hold exists in this
 * process from the moment its promise is computed, so the next promise computed here sees it even before the order
 * is committed; it is written to `PromisedStock` in the statement that commits the order's row, and forgotten if the
 * order was not accepted after all (a twin of a request already placed). A promise whose stock read began before the hold's row
 * was written (reads are reused for up to a second) subtracts it itself: `unseen(readAtMs)`.
 *
 * Reservation, under lock, is what never oversells: holds only keep promises from counting the same units twice.
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
  private expiring: Promise<void> | undefined;

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

  /**
   * The order's intake row committed with its holds' rows (api/services/intake.ts writes both in one statement, so no
   * reservation can come before them): reads begun from now on find them in the database.
   */
  written(pending: PendingHold): void {
    const entry = pending as Entry;
    if (entry.holds.length === 0) return;
    entry.writtenAtMs = Date.now();
    this.expireOld();
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

  /** Waits for an expiry under way (the API is closing). */
  async close(): Promise<void> {
    await this.expiring;
  }

  /** Deletes holds past their end (reads ignore them already): keeps the table to orders under way. */
  private expireOld(): void {
    const nowMs = Date.now();
    if (this.expiring || nowMs - this.lastExpiryMs < EXPIRY_EVERY_MS) return;
    this.lastExpiryMs = nowMs;
    this.expiring = this.db.$executeRaw`
      DELETE FROM "PromisedStock" WHERE "holdUntil" < now()`
      .then(
        () => undefined,
        (error: unknown) =>
          this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not expire old stock holds'),
      )
      .finally(() => {
        this.expiring = undefined;
      });
  }
}
