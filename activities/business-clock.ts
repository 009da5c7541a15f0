import { type BusinessClock, businessClock, REAL_TIME, rescaled } from '../domain/business-clock';
import type { Db } from './db';

/**
 * The business clock every process of one deployment shares, kept in PostgreSQL so that the API (which
 * promises), the workers (which book pick days) and the carrier simulator read the same calendar, and a
 * restart does not move business time back. A new time scale continues the calendar from where it is.
 */
export async function loadBusinessClock(db: Db, scale: number, nowMs = Date.now()): Promise<BusinessClock> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('colis:business-clock'))`;
      const row = await tx.businessClock.findUnique({ where: { id: 1 } });
      const stored: BusinessClock | undefined = row
        ? { scale: row.scale, realOriginMs: row.realOrigin.getTime(), businessOriginMs: row.businessOrigin.getTime() }
        : undefined;
      if (stored && stored.scale === scale) return stored.scale === 1 ? REAL_TIME : stored;
      // Real time is real time; a faster clock carries on from the stored calendar, or starts now.
      const next = scale === 1 ? REAL_TIME : stored ? rescaled(stored, scale, nowMs) : businessClock(scale, nowMs);
      const origins = scale === 1 ? { realOrigin: new Date(nowMs), businessOrigin: new Date(nowMs) } : toRow(next);
      await tx.businessClock.upsert({ where: { id: 1 }, create: { id: 1, scale, ...origins }, update: { scale, ...origins } });
      return next;
      // Several processes start at once on a busy machine: waiting for the lock beats failing the start.
    },
    { maxWait: 30_000, timeout: 30_000 },
  );
}

/** Sets the calendar outright: a simulation starts its week on the Monday it scripts. */
export async function setBusinessClock(db: Db, clock: BusinessClock): Promise<void> {
  await db.businessClock.upsert({
    where: { id: 1 },
    create: { id: 1, scale: clock.scale, ...toRow(clock) },
    update: { scale: clock.scale, ...toRow(clock) },
  });
}

function toRow(clock: BusinessClock) {
  return { realOrigin: new Date(clock.realOriginMs), businessOrigin: new Date(clock.businessOriginMs) };
}

const cached = new WeakMap<Db, { clock: BusinessClock; readAtMs: number }>();
const CACHE_MS = 30_000;

/**
 * The deployment's business clock as stored, for activities that read the calendar (transit days, pick
 * days): read at most every 30 s, real time when no process has set one.
 */
export async function currentBusinessClock(db: Db, nowMs = Date.now()): Promise<BusinessClock> {
  const hit = cached.get(db);
  if (hit && nowMs - hit.readAtMs < CACHE_MS) return hit.clock;
  const row = await db.businessClock.findUnique({ where: { id: 1 } });
  const clock =
    !row || row.scale === 1
      ? REAL_TIME
      : { scale: row.scale, realOriginMs: row.realOrigin.getTime(), businessOriginMs: row.businessOrigin.getTime() };
  cached.set(db, { clock, readAtMs: nowMs });
  return clock;
}
