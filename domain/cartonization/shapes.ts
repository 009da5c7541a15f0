import { z } from 'zod';

export const CartonItemSchema = z.object({
  skuCode: z.string(),
  lengthMm: z.number().int().positive(),
  widthMm: z.number().int().positive(),
  heightMm: z.number().int().positive(),
  weightGrams: z.number().int().nonnegative(),
  quantity: z.number().int().positive(),
});
export type CartonItem = z.infer<typeof CartonItemSchema>;

export const BoxSpecSchema = z.object({
  id: z.string(),
  code: z.string(),
  innerLengthMm: z.number().int().positive(),
  innerWidthMm: z.number().int().positive(),
  innerHeightMm: z.number().int().positive(),
  maxWeightGrams: z.number().int().positive(),
  tareWeightGrams: z.number().int().nonnegative(),
  costCents: z.number().int().nonnegative(),
});
export type BoxSpec = z.infer<typeof BoxSpecSchema>;

export const PlannedPackageSchema = z.object({
  /** Null when the item ships in its own packaging: it fits no box. */
  boxId: z.string().nullable(),
  boxCode: z.string().nullable(),
  lengthMm: z.number().int().positive(),
  widthMm: z.number().int().positive(),
  heightMm: z.number().int().positive(),
  /** Contents plus tare. */
  weightGrams: z.number().int().nonnegative(),
  billableWeightGrams: z.number().int().nonnegative(),
  contents: z.array(z.object({ skuCode: z.string(), quantity: z.number().int().positive() })),
  boxCostCents: z.number().int().nonnegative(),
});
export type PlannedPackage = z.infer<typeof PlannedPackageSchema>;

export const PackingPlanSchema = z.object({
  packages: z.array(PlannedPackageSchema),
  totalBoxCostCents: z.number().int().nonnegative(),
  totalBillableWeightGrams: z.number().int().nonnegative(),
  /** Sum of `rateForBillableGrams` over the packages: an estimate, the booked rate comes from the carrier. */
  estimatedShippingCents: z.number().int().nonnegative(),
});
export type PackingPlan = z.infer<typeof PackingPlanSchema>;

export type RateForBillableGrams = (billableWeightGrams: number) => number;

export interface PlanPackagesOptions {
  rateForBillableGrams?: RateForBillableGrams;
  /** The heaviest package a carrier takes, box included: a box is filled to at most this less its tare. */
  maxPackageGrams?: number;
}
