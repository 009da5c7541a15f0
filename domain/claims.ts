import { z } from 'zod';
import { cursorQuery, EntityIdSchema, limitQuery } from './api';
import { CLAIM_REASONS } from './parcel-loss';
import { writtenNote } from './text-fields';

/**
 * Carrier claims: the value of a parcel a carrier lost or damaged, asked back from it. Colis opens one
 * when ops re-ship a parcel the carrier had and lost or broke (not one that is only late, nor one sent
 * back: domain/parcel-loss.ts); ops file it with the carrier and record its answer.
 */

export const CLAIM_STATUSES = ['open', 'submitted', 'paid', 'refused', 'withdrawn'] as const;
export const ClaimStatusSchema = z.enum(CLAIM_STATUSES);
export type ClaimStatus = z.infer<typeof ClaimStatusSchema>;

/**
 * Opened → filed with the carrier → the carrier's answer; an answer is final. A claim is withdrawn when the
 * parcel turns up after all (the carrier brought it back): asking the carrier for goods it returned would be
 * paid twice. Colis withdraws one not filed yet itself; a filed one ops withdraw once they told the carrier.
 */
export const CLAIM_NEXT_STATUSES: Readonly<Record<ClaimStatus, readonly ClaimStatus[]>> = {
  open: ['submitted', 'withdrawn'],
  submitted: ['paid', 'refused', 'withdrawn'],
  paid: [],
  refused: [],
  withdrawn: [],
};

export const ClaimIdParamsSchema = z.object({ id: EntityIdSchema });

export const ClaimListQuerySchema = z.object({
  status: ClaimStatusSchema.optional(),
  orderId: EntityIdSchema.optional(),
  carrierCode: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,31}$/, 'carrier codes are lower-case')
    .optional(),
  limit: limitQuery,
  cursor: cursorQuery.optional(),
});
export type ClaimListQuery = z.infer<typeof ClaimListQuerySchema>;

export const ClaimStatusChangeSchema = z.object({
  status: ClaimStatusSchema.exclude(['open']),
  note: writtenNote(500).optional(),
});
export type ClaimStatusChange = z.infer<typeof ClaimStatusChangeSchema>;

export const CarrierClaimSchema = z
  .object({
    claimId: z.string(),
    orderId: z.string(),
    shipmentId: z.string(),
    carrierCode: z.string(),
    trackingNumber: z.string(),
    reason: z.enum(CLAIM_REASONS),
    amountCents: z.number().int(),
    currency: z.string(),
    status: ClaimStatusSchema,
    /** What the status may move to next. */
    nextStatuses: z.array(ClaimStatusSchema),
    updatedBy: z.string(),
    note: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CarrierClaim' });
export type CarrierClaim = z.infer<typeof CarrierClaimSchema>;

export const CarrierClaimListSchema = z.object({ items: z.array(CarrierClaimSchema), nextCursor: z.string().optional() });
