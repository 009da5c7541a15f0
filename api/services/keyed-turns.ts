import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One caller at a time per key within this API process, first come first served, each waiting at most until its own
 * deadline. Address changes to one order take their turn here before they ask its workflow: thirty changes posted at
 * once each asked the workflow every 250 ms while it was refusing them ("already changing"), and that storm of refused
 * updates slowed the one change being made until it outlived the request's deadline (a 503 for a change that was then
 * applied). Several API processes still meet at the workflow, which refuses the twin as before.
 */
export class KeyedTurns {
  /** The last turn taken per key: it settles once every turn before it and itself are over. */
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `work` once every earlier turn of `key` is over; when that has not happened by `giveUpAtMs`, throws
   * `tooLate()` without running it. A turn that gives up still keeps its place, so the next in line waits for the
   * turn still running rather than meeting it at the workflow.
   */
  async take<T>(key: string, giveUpAtMs: number, tooLate: () => Error, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let done = () => {};
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    // Forget the key once the last turn taken is over, so a quiet order holds no memory.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    try {
      if (!(await settlesBefore(before, giveUpAtMs))) throw tooLate();
      return await work();
    } finally {
      done();
    }
  }

  /** Keys with a turn taken or waited for (for tests: none is kept once every turn is over). */
  get size(): number {
    return this.tails.size;
  }
}

/** True when `promise` settles before `deadlineMs` (epoch milliseconds). */
async function settlesBefore(promise: Promise<void>, deadlineMs: number): Promise<boolean> {
  const remaining = deadlineMs - Date.now();
  if (remaining <= 0) return false;
  const abort = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), sleep(remaining, false, { signal: abort.signal }).catch(() => false)]);
  } finally {
    abort.abort();
  }
}
