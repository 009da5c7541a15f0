/**
 * Business time versus wall-clock time.
 *
 * Colis reasons in business durations: a 48 h stall window, 2 days of transit, a 72 h backorder
 * wait. A time scale lets a demo live a day in a minute and leaves production at 1. Only durations
 * are scaled; timestamps stay real instants, so promised dates and estimates remain comparable.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Real milliseconds for a business duration under `timeScale` (business seconds per real second). */
export function realDurationMs(businessMs: number, timeScale: number): number {
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${timeScale}`);
  return Math.max(1, Math.round(businessMs / timeScale));
}

export function hoursToRealMs(hours: number, timeScale: number): number {
  return realDurationMs(hours * HOUR_MS, timeScale);
}

export function daysToRealMs(days: number, timeScale: number): number {
  return realDurationMs(days * DAY_MS, timeScale);
}
