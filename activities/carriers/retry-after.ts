import { retryAfterMs } from '../../domain/retry-after';

/**
 * A carrier's `Retry-After` (read by domain/retry-after.ts): how long it asks to be left alone after a 429 or a 503.
 * ShipEngine sends it on 429, in seconds ("Usage & Rate Limits"). What cannot be read asks for nothing: Temporal's own
 * backoff applies then.
 */

/**
 * The longest wait honoured: the carrier activities' maximum retry interval (CARRIER_COMMAND and RATE_SHOP
 * in workflows/activity-options.ts). A carrier asking for more is retried no later than Temporal's own backoff
 * would have retried it; a larger ask must not park a booking for hours on one header.
 */
export const RETRY_AFTER_CEILING_MS = 60_000;

/**
 * Up to this share of the wait is added at random before calling again. ShipEngine's limit counts every request
 * of the account, and it warns that callers all retrying at the moment it named are all limited again: the
 * activities refused together come back spread over a fifth of the wait, never sooner than asked.
 */
export const RETRY_AFTER_SPREAD = 0.2;

/** `waitMs` and a random part of RETRY_AFTER_SPREAD of it: when to call a carrier again that asked for `waitMs`. */
export function spreadWaitMs(waitMs: number, random: () => number = Math.random): number {
  return waitMs + Math.floor(random() * waitMs * RETRY_AFTER_SPREAD);
}

/** The wait a carrier asked for, in ms, at most RETRY_AFTER_CEILING_MS; undefined for no header, garbage, or no wait. */
export function carrierWaitMs(header: string | null | undefined, nowMs: number): number | undefined {
  const waitMs = retryAfterMs(header, nowMs);
  return waitMs === undefined ? undefined : Math.min(waitMs, RETRY_AFTER_CEILING_MS);
}
