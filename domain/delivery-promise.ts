import { z } from 'zod';
import { UNDATED_REASONS } from './promise-undated';

/**
 * The delivery promise as a shop receives it from `POST /orders` and shows it to its customer (computed by
 * domain/promise-engine.ts, or by the baseline rules of domain/promise.ts). Schemas here, apart from the
 * zod-free rules, so the workflow bundle carries no zod.
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
    /** Why nothing could date the order, when `confidence` is 0 (no stock and no restock expected, no pick slot left…). */
    reason: z.string().optional(),
    /** `reason` as a code a program can act on (domain/promise-undated.ts); absent on promises made before it existed. */
    reasonCode: z.enum(UNDATED_REASONS).optional(),
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
        reasonCode: z.enum(UNDATED_REASONS).optional(),
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
