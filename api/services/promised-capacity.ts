import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../activities/db';

/**
 * Pick days promised at intake, counted against warehouse capacity (`WarehouseCapacityDay.promised`) so
 * that later promises see them. Written in batches a few times a second, not in each intake's own
 * statement: every order of a burst would otherwise queue on the same warehouse-day row. Until written,
 * this process counts them itself (PlanningFacts adds `unwritten()`); were it killed before a write, the
 * next promises would only be a few orders more optimistic — the slot each shipment really books
 * (`booked`) is exact either way.
 */
export type PickDay = { warehouseCode: string; day: string };

/** Pick days a promise computed in this process counts on, before its order is committed (see `pend`). */
export interface PendingPickDays {
  readonly pickDays: readonly PickDay[];
}

/** A promise neither committed nor dropped (a request that failed in between) stops counting after this. */
const FORGET_UNCOMMITTED_MS = 60_000;

export class PromisedCapacity {
  /** Promised here and not committed yet: counted, never written (a twin's promise is dropped). */
  private readonly tentative = new Map<PendingPickDays, number>();
  private pending = new Map<string, number>();
  private writing = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly onWritten: () => void,
    private readonly log: FastifyBaseLogger,
    private readonly flushEveryMs = 200,
  ) {}

  /** Promised and not yet in the database, per `warehouse|day`. */
  unwritten(): ReadonlyMap<string, number> {
    if (this.writing.size === 0 && this.tentative.size === 0) return this.pending;
    const all = new Map(this.writing);
    for (const [key, count] of this.pending) all.set(key, (all.get(key) ?? 0) + count);
    const forgetBefore = Date.now() - FORGET_UNCOMMITTED_MS;
    for (const [entry, sinceMs] of this.tentative) {
      if (sinceMs < forgetBefore) this.tentative.delete(entry);
      else
        for (const { warehouseCode, day } of entry.pickDays)
          all.set(`${warehouseCode}|${day}`, (all.get(`${warehouseCode}|${day}`) ?? 0) + 1);
    }
    return all;
  }

  /**
   * Counts a promise's pick days from the instant it is computed, as stock holds do: the requests of a burst decide one
   * after the other on one shared read, and each must see the days the ones before it took, though none is committed yet.
   */
  pend(pickDays: readonly PickDay[]): PendingPickDays {
    const entry: PendingPickDays = { pickDays };
    if (pickDays.length > 0) this.tentative.set(entry, Date.now());
    return entry;
  }

  /** Its order was committed: the days are written with the next batch. */
  commit(entry: PendingPickDays): void {
    // Written even when forgotten meanwhile (a commit slower than a minute): the order was accepted with these days.
    this.tentative.delete(entry);
    this.add(entry.pickDays);
  }

  /** Its order was not accepted (a twin, a failed commit): the days are promised to nobody. */
  drop(entry: PendingPickDays): void {
    this.tentative.delete(entry);
  }

  add(pickDays: readonly PickDay[]): void {
    for (const { warehouseCode, day } of pickDays) {
      const key = `${warehouseCode}|${day}`;
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    }
    if (pickDays.length > 0 && !this.closed) this.timer ??= setTimeout(() => void this.flush(), this.flushEveryMs);
  }

  /**
   * Writes what is pending now in one statement (rows in key order, so two API processes never deadlock). A write
   * under way carries only what was pending when it began: what was added since waits for it, then goes in the next.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    this.timer = undefined;
    if (this.pending.size === 0) return;
    this.writing = this.pending;
    this.pending = new Map();
    const rows = [...this.writing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    try {
      await this.db.$executeRaw`
        INSERT INTO "WarehouseCapacityDay" ("warehouseCode", "day", "promised")
        SELECT d."warehouseCode", d."day"::date, d."count"
        FROM unnest(${rows.map(([key]) => key.split('|')[0] ?? '')}::text[], ${rows.map(([key]) => key.split('|')[1] ?? '')}::text[],
                    ${rows.map(([, count]) => count)}::int[]) AS d("warehouseCode", "day", "count")
        ON CONFLICT ("warehouseCode", "day") DO UPDATE SET "promised" = "WarehouseCapacityDay"."promised" + EXCLUDED."promised"`;
      this.writing = new Map();
      this.onWritten();
    } catch (error) {
      // Back into pending: the next write carries them.
      for (const [key, count] of this.writing) this.pending.set(key, (this.pending.get(key) ?? 0) + count);
      this.writing = new Map();
      this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not record promised pick days; retrying');
      if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), 1_000);
    }
  }
}
