import { Context } from '@temporalio/activity';
import { CarrierApiError, toApplicationFailure as carrierFailure, isCarrierError } from '../carriers/errors';
import { RETRY_AFTER_CEILING_MS, spreadWaitMs } from '../carriers/retry-after';

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Carrier errors leave as typed failures: rejections non-retryable, outages and timeouts retried, and a carrier's
 * asked wait (Retry-After) as the next attempt's delay, no longer than this activity's own retry policy backs off.
 */
export async function carrierCall<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isCarrierError(error)) throw carrierFailure(error, policyMaximumIntervalMs());
    throw error;
  }
}

/**
 * The running activity's maximum retry interval, as the server sent it (the worker hands it over in ms); the
 * ceiling when the server sent none or no activity runs.
 */
function policyMaximumIntervalMs(): number {
  try {
    const maximum = Context.current().info.retryPolicy?.maximumInterval;
    return typeof maximum === 'number' && maximum > 0 ? Math.min(maximum, RETRY_AFTER_CEILING_MS) : RETRY_AFTER_CEILING_MS;
  } catch {
    return RETRY_AFTER_CEILING_MS;
  }
}

/**
 * The longest a carrier's asked wait is sat out inside one attempt (the rate shop's quick attempts, a purchase's
 * refusals before it gives the booking back). A carrier asking for longer is taken as unavailable for now: the
 * rate shop leaves it out, the booking goes elsewhere, rather than call it again before it said.
 */
export const WAIT_WITHIN_ATTEMPT_CEILING_MS = 5_000;

/**
 * The pause before asking a carrier again within one attempt: our backoff, or the wait the carrier asked for (spread)
 * when longer; undefined when it asked for more than an attempt sits out (WAIT_WITHIN_ATTEMPT_CEILING_MS).
 */
export function pauseBeforeAskingAgain(error: unknown, backoffMs: number): number | undefined {
  const askedMs = error instanceof CarrierApiError ? (error.retryAfterMs ?? 0) : 0;
  if (askedMs > WAIT_WITHIN_ATTEMPT_CEILING_MS) return undefined;
  return askedMs > backoffMs ? spreadWaitMs(askedMs) : backoffMs;
}

/**
 * Now, for dating scans on receipt: the wall clock, or the server's time for this attempt when it is
 * ahead (a time-skipping test server, whose simulated carriers date their scans on its clock).
 */
export function receivedNowMs(): number {
  try {
    return Math.max(Date.now(), Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return Date.now();
  }
}
