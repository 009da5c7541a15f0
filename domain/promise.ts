import { z } from 'zod';
import { DAY_MS, realDurationMs } from './clock';
import type { ServiceLevel } from './order';

/**
 * The delivery promise as a shop receives it from `POST /orders` and shows it to its customer, and the
 * rules that were the whole promise before the engine (domain/promise-engine.ts): a fixed number of
 * calendar days per service level. Those rules are kept as the baseline a simulation compares against
 * (`COLIS_DECISION_RULES=baseline`), and for the stall windows.
 */

export const PROMISE_BASES = ['in_stock', 'backorder', 'partial', 'restock_unknown', 'fixed_days'] as const;

export const PromiseShipmentSchema = z.object({
  warehouseCode: z.string(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive() })),
  /** When the parcels leave the warehouse at the latest. */
  shipBy: z.iso.datetime({ offset: true }),
  carrierCode: z.string(),
  serviceCode: z.string(),
  /** P(this shipment delivered by `deliverBy`), from the learned transit times. */
  onTimeProbability: z.number().min(0).max(1),
  /** Boxes and carrier, as the published rate cards price them. */
  estimatedCostCents: z.number().int().nonnegative(),
});
export type PromiseShipment = z.infer<typeof PromiseShipmentSchema>;

export const DeliveryPromiseSchema = z
  .object({
    /** The customer has everything by then. */
    deliverBy: z.iso.datetime({ offset: true }),
    /** The last parcel leaves its warehouse by then. */
    shipBy: z.iso.datetime({ offset: true }),
    /** P(every parcel delivered by `deliverBy`), 0–1; 0 when nothing can be dated (no stock, no restock expected). */
    confidence: z.number().min(0).max(1),
    /** `in_stock`; `backorder` (dated from an expected restock); `partial` (ship-available: what is on the shelf);
     *  `restock_unknown` (nothing to date it from; re-promised once stock is known); `fixed_days` (baseline rules). */
    basis: z.enum(PROMISE_BASES),
    /** How the promise is kept: which warehouse ships what, with which service. */
    shipments: z.array(PromiseShipmentSchema),
    estimatedCostCents: z.number().int().nonnegative(),
    currency: z.string().length(3),
    /** The caller's own `promisedBy`: kept (then it is `deliverBy`) or refused, with the reason. */
    requested: z
      .object({
        promisedBy: z.iso.datetime({ offset: true }),
        met: z.boolean(),
        confidence: z.number().min(0).max(1),
        reason: z.string().optional(),
      })
      .optional(),
    /** Under a demo clock, the same dates in business time (what a customer would read on a real calendar). */
    businessTime: z
      .object({ deliverBy: z.iso.datetime({ offset: true }), shipBy: z.iso.datetime({ offset: true }), timeScale: z.number() })
      .optional(),
    computedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'DeliveryPromise' });
export type DeliveryPromise = z.infer<typeof DeliveryPromiseSchema>;

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
