import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';

/**
 * One timer per wait: a workflow that waits for "a signal, or the next deadline" re-checks its state at
 * every signal, but keeps the timer it has as long as that timer rings no later than needed. A deadline
 * that moves later (a scan pushes the stall window on) is checked when the timer rings, and only then
 * re-armed; a deadline that moves earlier re-arms at once. Each timer is a billable action and two
 * history events, so a parcel scanned ten times still costs one.
 */
export class Alarm {
  private armedForMs: number | undefined;
  private scope: CancellationScope | undefined;
  private rang = false;

  /**
   * Waits until `ready()` holds or the alarm rings, with the alarm ringing no later than `deadlineMs`
   * (none: wait for `ready()` only). Resolves true when `ready()` holds, false when the alarm rang.
   */
  async wait(ready: () => boolean, deadlineMs: number | undefined, summary: string): Promise<boolean> {
    if (deadlineMs !== undefined && (this.armedForMs === undefined || deadlineMs < this.armedForMs)) this.arm(deadlineMs, summary);
    await condition(() => ready() || this.rang);
    if (ready()) return true;
    this.rang = false;
    return false;
  }

  /** Drops the timer (the wait it served is over). */
  disarm(): void {
    this.scope?.cancel();
    this.scope = undefined;
    this.armedForMs = undefined;
  }

  private arm(atMs: number, summary: string): void {
    this.disarm();
    this.armedForMs = atMs;
    const scope = new CancellationScope();
    this.scope = scope;
    void scope
      .run(() => sleep(Math.max(1, atMs - Date.now()), { summary }))
      .then(
        () => {
          if (this.scope !== scope) return;
          this.scope = undefined;
          this.armedForMs = undefined;
          this.rang = true;
        },
        (error: unknown) => {
          if (!isCancellation(error)) throw error;
        },
      );
  }
}
