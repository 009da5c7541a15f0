/**
 * Fixed one-minute windows per bucket, in this process's memory (each API process limits on its
 * own). Buckets are named by the caller: an API key's name, a carrier, a client address. The number
 * of buckets is bounded, so a flood of made-up names cannot grow memory: the oldest windows go first.
 */

export interface Verdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends: the Retry-After of a refusal. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;
const MAX_BUCKETS = 50_000;

export class RateLimiter {
  private readonly windows = new Map<string, { startedMs: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request against `bucket`, allowed while the window holds fewer than `perMinute`. */
  take(bucket: string, perMinute: number): Verdict {
    const now = this.now();
    let window = this.windows.get(bucket);
    if (!window || now - window.startedMs >= WINDOW_MS) {
      if (window) this.windows.delete(bucket);
      window = { startedMs: now, count: 0 };
      this.windows.set(bucket, window);
      this.evict(now);
    }
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.startedMs + WINDOW_MS - now) / 1000));
    return { allowed: window.count <= perMinute, limit: perMinute, remaining: Math.max(0, perMinute - window.count), resetSeconds };
  }

  /** Whether `bucket` is already over `perMinute` in its current window, without counting. */
  exhausted(bucket: string, perMinute: number): Verdict | undefined {
    const window = this.windows.get(bucket);
    const now = this.now();
    if (!window || now - window.startedMs >= WINDOW_MS || window.count < perMinute) return undefined;
    return {
      allowed: false,
      limit: perMinute,
      remaining: 0,
      resetSeconds: Math.max(1, Math.ceil((window.startedMs + WINDOW_MS - now) / 1000)),
    };
  }

  /** Map iteration is insertion order, and a renewed window is re-inserted: the first entries are the oldest. */
  private evict(now: number): void {
    if (this.windows.size <= MAX_BUCKETS) return;
    for (const [bucket, window] of this.windows) {
      if (this.windows.size <= MAX_BUCKETS * 0.9) break;
      if (now - window.startedMs >= WINDOW_MS || this.windows.size > MAX_BUCKETS) this.windows.delete(bucket);
    }
  }
}
