import { z } from 'zod';
import { SkuCodeSchema } from './order';
import { pathSegmentLine } from './text-fields';

/**
 * The stock side's contracts: what the inventory activities return to workflows and what the API
 * accepts and answers for stock (GET /inventory, restock). Plain JSON, so they cross the workflow boundary.
 */

export const HeldReservationSchema = z.object({
  reservationId: z.string(),
  orderLineId: z.string(),
  skuCode: z.string(),
  warehouseCode: z.string(),
  quantity: z.number().int().positive(),
});
export type HeldReservation = z.infer<typeof HeldReservationSchema>;

export const LineShortageSchema = z.object({
  orderLineId: z.string(),
  skuCode: z.string(),
  missing: z.number().int().positive(),
});
export type LineShortage = z.infer<typeof LineShortageSchema>;

/**
 * `held`: every reservation of the order still held (earlier calls' included), so a retry answers the same.
 * `shortages`: what no warehouse could hold, per order line, after counting held and consumed units as covered.
 */
export const ReservationResultSchema = z.object({
  held: z.array(HeldReservationSchema),
  shortages: z.array(LineShortageSchema),
});
export type ReservationResult = z.infer<typeof ReservationResultSchema>;

export const RestockRequestSchema = z.object({
  warehouseCode: z.string().trim().min(1).max(20),
  skuCode: SkuCodeSchema,
  quantity: z.number().int().positive().max(1_000_000),
  /** The receipt's reference (delivery note, ASN): replaying it changes nothing. The expected restock's, when announced. */
  reference: pathSegmentLine(200),
});
export type RestockRequest = z.infer<typeof RestockRequestSchema>;

export const InventoryLevelViewSchema = z.object({
  warehouseCode: z.string(),
  skuCode: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
});
export type InventoryLevelView = z.infer<typeof InventoryLevelViewSchema>;

/** A level as ops list it: with what accepted orders were promised from it and have not reserved yet. */
export const ListedInventoryLevelSchema = InventoryLevelViewSchema.extend({
  promised: z
    .number()
    .int()
    .describe('Units accepted orders were promised from here and have not reserved yet: new promises count them as taken'),
});
export type ListedInventoryLevel = z.infer<typeof ListedInventoryLevelSchema>;

export const RestockResultSchema = InventoryLevelViewSchema.extend({
  /** False when the reference was already received: the level is returned as it stands. */
  applied: z.boolean(),
});
export type RestockResult = z.infer<typeof RestockResultSchema>;

/** A warehouse and SKU whose level differs from the sum of its ledger movements. */
export const LedgerMismatchSchema = z.object({
  warehouseCode: z.string(),
  skuCode: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  ledgerOnHand: z.number().int(),
  ledgerReserved: z.number().int(),
});
export type LedgerMismatch = z.infer<typeof LedgerMismatchSchema>;
