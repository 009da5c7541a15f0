import { booleanQuery, cursorQuery, EntityIdSchema, limitQuery, pageSizeQuery, WorkflowEndedSchema } from './api';
import { z } from 'zod';
import { TrackingStatusSchema } from './carrier';
import { SkuCodeSchema } from './order';
import { ALL_RETURN_REASONS, MAX_RETURN_LINES, RETURN_REASONS, RETURN_STATUSES } from './return-policy';
import { writtenNote } from './text-fields';

export { MAX_RETURN_LINES } from './return-policy';

/**
 * The return (RMA) contract spoken over HTTP and across the return workflow's boundary: what a
 * customer, a shop or ops send to start one, what ops send when the goods are inspected, and what
 * everyone reads back. The rules behind them are in return-policy.ts.
 */

/** What a request may give; a return read back may also carry the carrier's `returned_to_sender`. */
export const ReturnReasonSchema = z.enum(RETURN_REASONS);
export const ReturnRecordReasonSchema = z.enum(ALL_RETURN_REASONS);
export const ReturnStatusSchema = z.enum(RETURN_STATUSES);
/** Who may start a return through the API or the tracking page. */
export const ReturnChannelSchema = z.enum(['customer', 'shop', 'ops']);
export type ReturnChannel = z.infer<typeof ReturnChannelSchema>;
/** Who started a return as read back: also `carrier`, a parcel the carrier brought back (Colis opened the return). */
export const ReturnRecordChannelSchema = z.enum([...ReturnChannelSchema.options, 'carrier']);

/** The body of `POST /orders/{id}/returns` (and of the tracking page's return form, once parsed). */
/** A return's comment, as the customer may write it (the tracking page's form says so in its words). */
export const RETURN_COMMENT_MAX_CHARS = 1000;

export const ReturnRequestSchema = z
  .object({
    lines: z
      .array(
        z.object({
          sku: SkuCodeSchema,
          quantity: z.number().int('quantity must be a whole number').positive('quantity must be at least 1').max(1000),
        }),
      )
      .min(1, 'a return needs at least one line')
      .max(MAX_RETURN_LINES),
    reason: ReturnReasonSchema,
    comment: writtenNote(RETURN_COMMENT_MAX_CHARS, 0).optional(),
  })
  .superRefine((request, ctx) => {
    const seen = new Set<string>();
    request.lines.forEach((line, i) => {
      if (seen.has(line.sku)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'sku'], message: `SKU ${line.sku} appears twice` });
      seen.add(line.sku);
    });
  });
export type ReturnRequest = z.infer<typeof ReturnRequestSchema>;

/**
 * What the warehouse found, per return line: units back on sale and units written off as damaged.
 * Who inspected is the calling key's name, never a body field (a body cannot vouch for its author).
 */
export const ReturnInspectionSchema = z.strictObject({
  lines: z
    .array(
      z.object({
        lineNo: z.number().int().positive(),
        restock: z.number().int().nonnegative(),
        writeOff: z.number().int().nonnegative(),
      }),
    )
    .min(1)
    .max(MAX_RETURN_LINES),
  note: writtenNote(1000, 0).optional(),
});
export type ReturnInspection = z.infer<typeof ReturnInspectionSchema>;

export const ReturnIdParamsSchema = z.object({ id: z.string().regex(/^RMA-[A-Z0-9]{1,40}$/, 'return ids look like RMA-…') });

export const ReturnLineViewSchema = z.object({
  lineNo: z.number().int(),
  sku: z.string(),
  quantity: z.number().int(),
  unitPriceCents: z.number().int(),
  restocked: z.number().int().optional(),
  writtenOff: z.number().int().optional(),
});

/** A carrier scan of the return's parcel that came after its return had ended: no workflow heard it, it moves nothing. */
export const ReturnScanAfterEndSchema = z.object({
  occurredAt: z.string(),
  /** What the scan says, in the tracking model's terms. */
  status: TrackingStatusSchema,
  carrierStatusCode: z.string(),
  /** How the return had ended when the scan came. */
  returnStatus: ReturnStatusSchema,
  detail: z.string().optional(),
  location: z.string().optional(),
});
export type ReturnScanAfterEnd = z.infer<typeof ReturnScanAfterEndSchema>;

export const ReturnViewSchema = z
  .object({
    returnId: z.string(),
    orderId: z.string(),
    workflowId: z.string(),
    status: ReturnStatusSchema,
    channel: ReturnRecordChannelSchema,
    reason: ReturnRecordReasonSchema,
    warehouseCode: z.string(),
    lines: z.array(ReturnLineViewSchema),
    carrierCode: z.string().optional(),
    trackingNumber: z.string().optional(),
    labelUrl: z.string().optional(),
    labelExpiresAt: z.string().optional(),
    trackingStatus: TrackingStatusSchema.optional(),
    receivedAt: z.string().optional(),
    inspectedAt: z.string().optional(),
    /**
     * The customer's own words with the request (the return form's comment, or the shop's): what the inspector reads before
     * restocking or writing the goods off. Before, it was stored and shown nowhere. Never in a webhook or in Temporal.
     */
    comment: z.string().optional(),
    /** What ops wrote with the inspection. */
    inspectionNote: z.string().optional(),
    refundCents: z.number().int().optional(),
    currency: z.string(),
    closeReason: z.string().optional(),
    /** A carrier return: the shipment whose parcel came back. */
    shipmentId: z.string().optional(),
    /** What the carrier said of the parcel after the return had ended, oldest first; absent when it said nothing. */
    scansAfterEnd: z.array(ReturnScanAfterEndSchema).optional(),
    createdAt: z.string(),
  })
  .meta({ id: 'Return' });
export type ReturnView = z.infer<typeof ReturnViewSchema>;

/** `GET /returns/{id}`: the return, and whether its workflow has ended (or is gone from Temporal) while its row is not final. */
export const ReturnStatusResponseSchema = ReturnViewSchema.extend({
  /** Present only when the return's row is not final and Temporal has closed its workflow, or no longer knows it. */
  workflowEnded: WorkflowEndedSchema.optional(),
}).meta({ id: 'ReturnStatus' });

export const ReturnListSchema = z.object({ items: z.array(ReturnViewSchema), nextCursor: z.string().optional() });

/**
 * `GET /returns`: by status, or every return still open (`open=true`: requested, label issued, on its way back, at the
 * warehouse) or ended (`open=false`), of every order or one (`orderId`). A status and `open` together would say the
 * same thing twice, or contradict each other: a 400 naming `open`.
 */
export const ReturnListQuerySchema = z
  .object({
    status: ReturnStatusSchema.optional(),
    open: booleanQuery.optional(),
    orderId: EntityIdSchema.optional(),
    limit: limitQuery,
    cursor: cursorQuery.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.status !== undefined && query.open !== undefined)
      ctx.addIssue({ code: 'custom', path: ['open'], message: 'give either status or open, not both' });
  });

/** `GET /orders/{id}/returns`: the order's returns, newest first, a page at a time (200 unless asked: as before it paged). */
export const OrderReturnListQuerySchema = z.object({ limit: pageSizeQuery(200), cursor: cursorQuery.optional() });
