import type { Db } from '../db';
import type { RelayWaker } from './outbox';

/**
 * How long a relay's wake-up mark may stand before the relay counts as gone: a live relay clears it as it begins each
 * drain, within seconds of the signal that set it (or of its own drain before it, when it was busy).
 */
export const STALLED_RELAY_AFTER_MS = 2 * 60_000;

/** How often a notify worker looks for such relays. */
export const STALLED_RELAY_CHECK_EVERY_MS = 60_000;

/**
 * Wakes the relays whose wake-up mark has stood past STALLED_RELAY_AFTER_MS: a relay terminated in Temporal (or lost
 * with its namespace's history) never clears it, and a writer re-sends a wake-up only when it writes a minute after the
 * mark, so what it had to send waited for the shop's next event, on a quiet shop for good. Each is marked again
 * (re-dated) before its signal-with-start, so two workers looking at once wake it about once. Returns the relays woken.
 */
export async function wakeStalledRelays(db: Db, waker: RelayWaker, nowMs = Date.now()): Promise<string[]> {
  const stalled = await db.$queryRaw<{ id: string }[]>`
    UPDATE "NotificationRelay" SET "updatedAt" = now()
    WHERE "wakePending" = true AND "updatedAt" < ${new Date(nowMs - STALLED_RELAY_AFTER_MS)}
    RETURNING "id"`;
  const ids = stalled.map((row) => row.id).sort();
  if (ids.length > 0) await waker.wake(ids);
  return ids;
}

/** Runs wakeStalledRelays every STALLED_RELAY_CHECK_EVERY_MS until stopped; a failed look is logged and tried at the next. */
export function watchStalledRelays(db: Db, waker: RelayWaker, log: (message: string) => void): { stop(): void } {
  const timer = setInterval(() => {
    wakeStalledRelays(db, waker).then(
      (ids) => {
        if (ids.length > 0) log(`woke ${ids.length} notification relay(s) whose wake-up had gone unanswered: ${ids.join(', ')}`);
      },
      (error: unknown) => log(`could not look for stalled notification relays: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, STALLED_RELAY_CHECK_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
