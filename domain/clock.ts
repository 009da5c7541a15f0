/**
 * Business time versus wall-clock time.
 *
 * Colis reasons in business durations: a 48 h stall window, 2 days of transit, a 72 h backorder
 * wait. A time scale lets a demo live a day in a minute and leaves production at 1. Only durations
 * are scaled; timestamps stay real instants, so promised dates and estimates remain comparable.
 */

export const MINUTE_MS = 60_000;

/** The instants PostgreSQL stores and ISO 8601 writes with four digits: years 1 to 9999 in UTC. */
export const EARLIEST_STORABLE_MS = Date.parse('0001-01-01T00:00:00Z');
export const LATEST_STORABLE_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether PostgreSQL stores this instant: anything else (year 0, a NaN) would reach the database as an error. */
export const isStorableInstant = (ms: number): boolean => ms >= EARLIEST_STORABLE_MS && ms <= LATEST_STORABLE_MS;
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
