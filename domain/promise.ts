import { DAY_MS, realDurationMs } from './clock';
import type { ServiceLevel } from './order';

/**
 * The rules that were the whole promise before the engine (domain/promise-engine.ts): a fixed number of
 * calendar days per service level. They are kept as the baseline a simulation compares against
 * (`COLIS_DECISION_RULES=baseline`), and for the stall windows. Zod-free: workflows import it. The promise
 * a shop receives is described in domain/delivery-promise.ts.
 */

export const PROMISE_DAYS: Readonly<Record<ServiceLevel, number>> = { economy: 6, standard: 3, express: 1 };

export const STALL_WINDOW_HOURS: Readonly<Record<ServiceLevel, number>> = { economy: 72, standard: 48, express: 24 };

/**
 * The baseline promise: a fixed number of calendar days after receipt, whatever the stock, the cut-off or
 * the weekend. Under a demo `timeScale` it shrinks like every other business duration.
 */
export function promisedByFor(serviceLevel: ServiceLevel, receivedAtMs: number, timeScale = 1): string {
  return new Date(receivedAtMs + realDurationMs(PROMISE_DAYS[serviceLevel] * DAY_MS, timeScale)).toISOString();
}

/** Business hours without a scan after which a shipment is stuck; scale with `hoursToRealMs` for timers. */
export function stallWindowHours(serviceLevel: ServiceLevel): number {
  return STALL_WINDOW_HOURS[serviceLevel];
}
