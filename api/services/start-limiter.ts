/**
 * How many accepted orders may be in their first, machine-bound stretch at once (started, not yet
 * reserved and planned): the adaptive limit the order starter holds new starts to.
 *
 * Little's law sets it from what is measured: with `rate` orders leaving that stretch per second and
 * `baselineMs` the time one takes when nothing queues (the fastest recent median), keeping
 * N = rate × baseline × HEADROOM orders in flight lets at most HEADROOM × baseline pass per order.
 * When the workers have room, more in flight means more done, the measured rate rises and N with it
 * (at most doubling per update, from a floor that lets the first orders through); once they are
 * saturated the rate stops rising, N stops growing, and a burst waits in PostgreSQL — drained at the
 * rate the workers sustain, without anyone tuning a number.
 */

export interface StartLimiterOptions {
  /** Never fewer than this in flight (default 8): the probe that measures a cold system. */
  minLimit?: number;
  /** Never more (default 2000). */
  maxLimit?: number;
  /** In-flight time allowed, as a multiple of the unloaded time (default 2). */
  headroom?: number;
  /** Completions counted over this window for the rate (default 10 s). */
  rateWindowMs?: number;
  /** The unloaded time is the lowest per-update median over this window (default 120 s). */
  baselineWindowMs?: number;
}

export class StartLimiter {
  private limit: number;
  private readonly completions: { atMs: number; latencyMs: number }[] = [];
  private readonly medians: { atMs: number; medianMs: number }[] = [];
  private readonly options: Required<StartLimiterOptions>;

  constructor(options: StartLimiterOptions = {}) {
    this.options = { minLimit: 8, maxLimit: 2000, headroom: 2, rateWindowMs: 10_000, baselineWindowMs: 120_000, ...options };
    this.limit = this.options.minLimit;
  }

  /** The current limit on orders in flight. */
  get current(): number {
    return this.limit;
  }

  allows(inFlight: number): boolean {
    return inFlight < this.limit;
  }

  /** An order left the machine-bound stretch `latencyMs` after its start. */
  completed(atMs: number, latencyMs: number): void {
    this.completions.push({ atMs, latencyMs });
  }

  /** Re-derives the limit from the completions so far; call about once a second. */
  update(nowMs: number): number {
    const { rateWindowMs, baselineWindowMs, headroom, minLimit, maxLimit } = this.options;
    while ((this.completions[0]?.atMs ?? nowMs) < nowMs - rateWindowMs) this.completions.shift();
    while ((this.medians[0]?.atMs ?? nowMs) < nowMs - baselineWindowMs) this.medians.shift();
    if (this.completions.length === 0) return this.limit;
    const latencies = this.completions.map((c) => c.latencyMs).sort((a, b) => a - b);
    this.medians.push({ atMs: nowMs, medianMs: latencies[Math.floor(latencies.length / 2)] ?? 0 });
    const baselineMs = Math.max(1, Math.min(...this.medians.map((m) => m.medianMs)));
    const span = Math.max(1_000, Math.min(rateWindowMs, nowMs - (this.completions[0]?.atMs ?? nowMs)));
    const ratePerMs = this.completions.length / span;
    const target = Math.ceil(ratePerMs * baselineMs * headroom) + minLimit;
    this.limit = Math.max(minLimit, Math.min(maxLimit, target, this.limit * 2));
    return this.limit;
  }
}
