import { DAY_MS, realDurationMs } from './clock';
import type { ServiceLevel } from './order';

/**
 * The delivery promise a service level makes when the order source gives none, and how long a parcel of that
 * service may go without a scan before it counts as stuck. Days are plain calendar days (no holiday calendar):
 * the promise is a customer-facing commitment with slack, not a carrier's transit estimate.
 */

export const PROMISE_DAYS: Readonly<Record<ServiceLevel, number>> = { economy: 6, standard: 3, express: 1 };

export const STALL_WINDOW_HOURS: Readonly<Record<ServiceLevel, number>> = { economy: 72, standard: 48, express: 24 };

/**
 * The promised delivery instant for an order received at `receivedAtMs`. Under a demo `timeScale` the promise
 * shrinks like every other business duration, so a demo order's promise is minutes away, not days.
 */
export function promisedByFor(serviceLevel: ServiceLevel, receivedAtMs: number, timeScale = 1): string {
  return new Date(receivedAtMs + realDurationMs(PROMISE_DAYS[serviceLevel] * DAY_MS, timeScale)).toISOString();
}

/** Business hours without a scan after which a shipment is stuck; scale with `hoursToRealMs` for timers. */
export function stallWindowHours(serviceLevel: ServiceLevel): number {
  return STALL_WINDOW_HOURS[serviceLevel];
}
