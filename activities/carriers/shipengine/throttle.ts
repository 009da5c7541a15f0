/**
 * ShipEngine limits requests per account: 200 a minute unless support raises it, 20 in the sandbox, then a 429 with
 * `Retry-After` ("Usage & Rate Limits"). Every activity of a worker shares one account, so a peak that sends more
 * would have each activity find the limit for itself, and once it is hit, keep sending into it until each one's own
 * 429 comes back. This throttle keeps this process's requests within the account's rate and, once ShipEngine asks
 * for a pause, holds every request of the process until the pause is over.
 *
 * A request waits here for its turn at most `maxWaitMs`; a longer wait is handed back to the caller as the time to
 * come back (`CarrierApiError.retryAfterMs`, which the activity gives Temporal as the next retry's delay), rather than
 * holding an activity slot for it. A request handed back takes no turn. Per process: two workers with the same key share the account's rate, so each is
 * configured with its share (`COLIS_SHIPENGINE_REQUESTS_PER_MINUTE`).
 */

export interface ThrottleOptions {
  requestsPerMinute: number;
  /** The longest a request waits for its turn before it is handed back (default 5 s). */
  maxWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class ThrottleWait extends Error {
  constructor(readonly waitMs: number) {
    super(`ShipEngine's request rate for this account is used up for the next ${Math.ceil(waitMs / 1_000)} s`);
  }
}

const WINDOW_MS = 60_000;

export class ShipEngineThrottle {
  private readonly perMinute: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /**
   * When each request of the last minute left or will leave, in order: a request may leave once fewer than
   * `perMinute` left in the minute before it, so no sliding minute (nor any fixed one) holds more than the quota.
   */
  private starts: number[] = [];
  private head = 0;
  private pausedUntilMs = 0;

  constructor(options: ThrottleOptions) {
    this.perMinute = options.requestsPerMinute;
    this.maxWaitMs = options.maxWaitMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Waits for this request's turn, or throws `ThrottleWait` with how long it would have had to wait. */
  async turn(): Promise<void> {
    const now = this.now();
    this.forgetBefore(now - WINDOW_MS);
    const inWindow = this.starts.length - this.head;
    const last = inWindow > 0 ? (this.starts[this.starts.length - 1] ?? now) : now;
    const quotaFreesAt = inWindow >= this.perMinute ? (this.starts[this.starts.length - this.perMinute] ?? now) + WINDOW_MS : now;
    // Turns are handed out in order of asking: never before the one given last.
    const at = Math.max(now, last, quotaFreesAt, this.pausedUntilMs);
    const waitMs = at - now;
    if (waitMs > this.maxWaitMs) throw new ThrottleWait(waitMs);
    this.starts.push(at);
    if (waitMs > 0) await this.sleep(waitMs);
  }

  /** ShipEngine refused a request and asked for a pause: no request of this process leaves before it ends. */
  pause(waitMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.now() + waitMs);
  }

  private forgetBefore(ms: number): void {
    while (this.head < this.starts.length && (this.starts[this.head] ?? ms) < ms) this.head += 1;
    if (this.head > 1_024 && this.head * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
  }
}
