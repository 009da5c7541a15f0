import { z } from 'zod';
import { ADDRESS_FIELDS, LabelFormatSchema, TrackingStatusSchema } from './carrier';
import {
  EscalationDecisionSchema,
  EscalationReasonSchema,
  EscalationSeveritySchema,
  EscalationViewSchema,
  OrderStageSchema,
  OrderViewSchema,
  ResolveEscalationRequestSchema,
  ShipmentStageSchema,
  ShipmentViewSchema,
  TimelineEntrySchema,
} from './journey';
import { DeliveryPromiseSchema } from './delivery-promise';
import { AddressSchema, ServiceLevelSchema } from './order';
import { WindowEdgeSchema } from './process';
import { RETURN_STATUSES } from './return-policy';

/**
 * Shapes only the HTTP API speaks: envelopes, query strings, path parameters and answers that wrap
 * the journey's views. Request bodies that reach a workflow live beside the workflow contract
 * (order.ts, journey.ts, inventory.ts); this file only frames them for HTTP.
 */

export const API_ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'unknown_sku',
  'unauthorized',
  'invalid_signature',
  'forbidden',
  'not_found',
  'idempotency_conflict',
  'order_state_conflict',
  'escalation_resolved',
  'claim_state_conflict',
  'return_window_closed',
  'orders_under_way',
  'escalation_not_open',
  'out_of_stock',
  'no_service_available',
  'conflict',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export const ApiErrorCodeSchema = z.enum(API_ERROR_CODES);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

export const ErrorDetailSchema = z.object({
  /** Where the problem is: `body.lines.0.quantity`, `query.limit`, `headers.idempotency-key`. */
  path: z.string(),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

/** The one error shape every endpoint answers with. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: ApiErrorCodeSchema,
      message: z.string(),
      details: z.array(ErrorDetailSchema).optional(),
    }),
    requestId: z.string(),
  })
  .meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

export const ApiRoleSchema = z.enum(['intake', 'ops', 'carrier']);
export type ApiRole = z.infer<typeof ApiRoleSchema>;

export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
/**
 * A page size as a URL writes it: decimal digits, 1–200. Not `z.coerce.number`, which read `0x10` as 16, `1e1` as 10
 * and an empty `limit=` as 0.
 */
export const pageSizeQuery = (defaultSize: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, 'expected a whole number written in digits, 1–200')
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .default(defaultSize);
export const limitQuery = pageSizeQuery(50);
export const cursorQuery = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'cursor is an opaque token from a previous page');

/**
 * The query of a listing that takes no filter and no paging (`/warehouses`, `/webhooks/subscriptions`): declared empty,
 * so a parameter sent to it (`?limit=5`, `?status=active`) is a 400 naming it rather than ignored while the answer lists
 * everything (api/plugins/app/errors.ts refuses what a route's query schema does not declare).
 */
export const NoQuerySchema = z.object({});

export const EntityIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'ids are 1–80 letters, digits, "_" or "-"');

export const OrderIdParamsSchema = z.object({ id: EntityIdSchema });
export const ShipmentIdParamsSchema = z.object({ id: EntityIdSchema });
/** `GET /shipments/{id}/label`: PDF for office printers (default), ZPL for thermal printers. */
export const LabelDocumentQuerySchema = z.object({ format: LabelFormatSchema.default('pdf') });
export const EscalationIdParamsSchema = z.object({ id: EntityIdSchema });
export const CarrierParamsSchema = z.object({ carrier: z.string().regex(/^[a-z][a-z0-9_]{1,31}$/, 'carrier codes are lower-case') });

/** Printable ASCII without spaces, as the IETF idempotency-key draft and Stripe use. */
export const IdempotencyKeySchema = z
  .string({ error: 'the Idempotency-Key header is required' })
  .min(8, 'an Idempotency-Key has at least 8 characters')
  .max(200, 'an Idempotency-Key has at most 200 characters')
  // Node joins a repeated header with ", ": two keys in one request would otherwise read as one key with a space.
  .refine((key) => !key.includes(', '), { message: 'the Idempotency-Key header is given more than once: send one key', abort: true })
  .regex(/^[\x21-\x7e]+$/, 'an Idempotency-Key is printable ASCII without spaces');

export const IntakeHeadersSchema = z.looseObject({ 'idempotency-key': IdempotencyKeySchema });
/** Optional on ops actions: the same key repeats the same update instead of applying it twice. */
export const OptionalIdempotencyHeadersSchema = z.looseObject({ 'idempotency-key': IdempotencyKeySchema.optional() });

export const OrderAcceptedSchema = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    /** `created` for the request that started the order, `existing` for a repeat of it. */
    outcome: z.enum(['created', 'existing']),
    /**
     * Whether the order's workflow had started when the answer left. `false` under a burst or a
     * Temporal outage: the order is committed and its workflow starts as soon as Temporal takes it.
     */
    workflowStarted: z.boolean(),
    statusUrl: z.string(),
    webUiUrl: z.string(),
    /** The customer's tracking page: carries a token that opens this order only (no API key). */
    trackingUrl: z.string(),
    /** Present when the carrier corrected the delivery address: the order ships to `shipTo`. */
    addressCorrection: z.object({ fields: z.array(z.enum(ADDRESS_FIELDS)), shipTo: AddressSchema }).optional(),
    /** When the customer will have the order, how sure we are, and how it ships; the caller's own date kept or refused. */
    promise: DeliveryPromiseSchema,
  })
  .meta({ id: 'OrderAccepted' });

/** A delivery address a carrier corrected and Colis accepted, at intake or on an address change. */
export const AddressCorrectionSchema = z
  .object({
    at: z.string(),
    occasion: z.enum(['intake', 'address_change']),
    validator: z.string(),
    fields: z.array(z.enum(ADDRESS_FIELDS)),
    original: AddressSchema,
    corrected: AddressSchema,
  })
  .meta({ id: 'AddressCorrection' });
export type AddressCorrection = z.infer<typeof AddressCorrectionSchema>;
export type OrderAccepted = z.infer<typeof OrderAcceptedSchema>;

/** Where a view came from: the running workflow, the database after it completed, or the intake record alone. */
export const ViewSourceSchema = z.enum(['workflow', 'database', 'intake']);
export type ViewSource = z.infer<typeof ViewSourceSchema>;

/**
 * How Temporal closed an order's workflow, as the API names it (Temporal's TERMINATED, FAILED, TIMED_OUT, CANCELLED,
 * COMPLETED), or `deleted`: Temporal no longer knows it (`temporal workflow delete`, or the namespace's retention once
 * it closed) while the order's rows, written by it, say its journey is not over.
 */
export const WORKFLOW_END_STATUSES = ['terminated', 'failed', 'timed_out', 'cancelled', 'completed', 'deleted'] as const;

/**
 * An order whose row says its journey is not over while no workflow runs it any more (terminated from the CLI or the
 * Web UI, say): without this, its view read from the database looks like a journey under way. Only what Temporal
 * says of the run and the order's workflow id: never the termination reason, which ops type freely.
 */
export const WorkflowEndedSchema = z
  .object({
    status: z.enum(WORKFLOW_END_STATUSES),
    /** When Temporal closed the run (ISO 8601); Temporal gives it for every closed run it still knows. */
    at: z.string().optional(),
    /** What ops can do, in plain words, with the command to run. */
    hint: z.string(),
  })
  .meta({
    id: 'WorkflowEnded',
    description:
      "The order's (or the return's) workflow has ended although its stage is not final: nothing moves it until ops reset it, " +
      'or Temporal no longer knows it (`deleted`): then it cannot be reset',
  });
export type WorkflowEnded = z.infer<typeof WorkflowEndedSchema>;

export const OrderStatusResponseSchema = OrderViewSchema.extend({
  source: ViewSourceSchema,
  webUiUrl: z.string(),
  /** Corrections the carrier made to the delivery address, oldest first. */
  addressCorrections: z.array(AddressCorrectionSchema).optional(),
  /** Present only when the order's workflow has ended while its stage is not final. */
  workflowEnded: WorkflowEndedSchema.optional(),
}).meta({ id: 'OrderStatus' });
export type OrderStatusResponse = z.infer<typeof OrderStatusResponseSchema>;

export const ShipmentStatusResponseSchema = ShipmentViewSchema.extend({
  orderId: z.string(),
  source: ViewSourceSchema,
  webUiUrl: z.string(),
}).meta({ id: 'ShipmentStatus' });
export type ShipmentStatusResponse = z.infer<typeof ShipmentStatusResponseSchema>;

export const OrderListQuerySchema = z
  .object({
    status: OrderStageSchema.optional(),
    customerId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    createdFrom: WindowEdgeSchema.optional(),
    createdTo: WindowEdgeSchema.optional(),
    /** true: orders with an open escalation; false: orders with none open. */
    escalated: booleanQuery.optional(),
    limit: limitQuery,
    cursor: cursorQuery.optional(),
  })
  // A reversed or empty window lists nothing: that is a mistake to name, not an empty page.
  .refine((q) => !(q.createdFrom && q.createdTo && Date.parse(q.createdFrom) >= Date.parse(q.createdTo)), {
    message: 'createdFrom must be before createdTo',
    path: ['createdFrom'],
  });
export type OrderListQuery = z.infer<typeof OrderListQuerySchema>;

export const OrderSummarySchema = z.object({
  orderId: z.string(),
  workflowId: z.string(),
  status: OrderStageSchema,
  customerId: z.string(),
  serviceLevel: ServiceLevelSchema,
  promisedBy: z.string(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  openEscalations: z.number().int().nonnegative(),
  shipmentCount: z.number().int().nonnegative(),
});
export type OrderSummary = z.infer<typeof OrderSummarySchema>;

export const OrderListSchema = z
  .object({ items: z.array(OrderSummarySchema), nextCursor: z.string().optional() })
  .meta({ id: 'OrderList' });

export const TimelineResponseSchema = z
  .object({
    orderId: z.string(),
    stage: OrderStageSchema,
    promisedBy: z.string(),
    promise: DeliveryPromiseSchema.optional(),
    source: ViewSourceSchema,
    /** As in OrderStatus: present only when the order's workflow has ended while its stage is not final. */
    workflowEnded: WorkflowEndedSchema.optional(),
    entries: z.array(TimelineEntrySchema.extend({ shipmentId: z.string().optional() })),
    trackingNumbers: z.array(
      z.object({ shipmentId: z.string(), carrierCode: z.string(), trackingNumber: z.string(), status: TrackingStatusSchema.optional() }),
    ),
  })
  .meta({ id: 'Timeline' });
export type TimelineResponse = z.infer<typeof TimelineResponseSchema>;

export const EscalationListQuerySchema = z.object({
  open: booleanQuery.optional(),
  severity: EscalationSeveritySchema.optional(),
  reason: EscalationReasonSchema.optional(),
  orderId: EntityIdSchema.optional(),
  limit: limitQuery,
  cursor: cursorQuery.optional(),
});
export type EscalationListQuery = z.infer<typeof EscalationListQuerySchema>;

export const EscalationRecordSchema = z.object({
  escalationId: z.string(),
  orderId: z.string(),
  shipmentId: z.string().optional(),
  reason: EscalationReasonSchema,
  severity: EscalationSeveritySchema,
  status: z.enum(['open', 'resolved']),
  detail: z.string(),
  openedAt: z.string(),
  escalatedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  decision: EscalationDecisionSchema.optional(),
  resolvedBy: z.string().optional(),
  note: z.string().optional(),
  allowedDecisions: z.array(EscalationDecisionSchema),
});
export type EscalationRecord = z.infer<typeof EscalationRecordSchema>;

export const EscalationListSchema = z
  .object({ items: z.array(EscalationRecordSchema), nextCursor: z.string().optional() })
  .meta({ id: 'EscalationList' });

/**
 * The escalation id comes from the path and the actor from the API key: a body naming who resolved
 * it (`resolvedBy`) is refused, never believed.
 */
export const ResolveEscalationBodySchema = z.strictObject({
  decision: ResolveEscalationRequestSchema.shape.decision,
  note: ResolveEscalationRequestSchema.shape.note,
});
export type ResolveEscalationBody = z.infer<typeof ResolveEscalationBodySchema>;

export const ResolvedEscalationSchema = EscalationViewSchema.extend({ workflowId: z.string() }).meta({ id: 'ResolvedEscalation' });

export const InventoryQuerySchema = z.object({
  warehouseCode: z.string().trim().min(1).max(20).optional(),
  skuCode: z
    .string()
    .regex(/^[A-Z0-9][A-Z0-9-]{1,39}$/)
    .optional(),
});

export const WebhookAckSchema = z
  .object({
    received: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    /**
     * Events already recorded and heard by their workflow, or stored after their shipment ended (same carrier event id):
     * acknowledged and ignored. One stored by a delivery whose signal failed is not a duplicate: it is signalled again and
     * counted as accepted. Of copies of one delivery posted at once, one counts a stored scan accepted and the others
     * duplicate.
     */
    duplicates: z.number().int().nonnegative(),
    /** Every event in the delivery was already known. */
    duplicate: z.boolean(),
    shipments: z.array(z.string()),
    /** New events whose status code no mapping reads yet: stored and listed for ops (GET /carriers/unmapped-statuses), not applied. */
    unmapped: z.number().int().nonnegative(),
    /** Events dated further ahead of our clock than the skew allowance: dated on receipt instead. */
    redated: z.number().int().nonnegative(),
  })
  .meta({ id: 'WebhookAck' });

export const UnmappedStatusSchema = z.object({
  carrierCode: z.string(),
  carrierStatusCode: z.string(),
  scans: z.number().int().positive(),
  /** Parcels that sent it: shipments' and return parcels. */
  shipments: z.number().int().positive(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  /** The newest such scan's parcel (a shipment's, or a return's) and detail, to look the code up with the carrier. */
  example: z.object({
    shipmentId: z.string().optional(),
    returnId: z.string().optional(),
    orderId: z.string(),
    detail: z.string().optional(),
  }),
});
export const UnmappedStatusListSchema = z
  .object({ items: z.array(UnmappedStatusSchema) })
  .meta({ id: 'UnmappedStatusList', description: 'Carrier status codes Colis stored but cannot read yet, most recent first' });
export type UnmappedStatusList = z.infer<typeof UnmappedStatusListSchema>;

export const ScanAfterEndSchema = z.object({
  carrierCode: z.string(),
  trackingNumber: z.string(),
  /** What the scan says, in the tracking model's terms. */
  status: TrackingStatusSchema,
  carrierStatusCode: z.string(),
  orderId: z.string(),
  /** A shipment's parcel: the shipment, and how it had ended when the scan came. */
  shipmentId: z.string().optional(),
  shipmentStatus: ShipmentStageSchema.optional(),
  /** Or a return parcel: the return, and how it had ended when the scan came. */
  returnId: z.string().optional(),
  returnStatus: z.enum(RETURN_STATUSES).optional(),
  occurredAt: z.string(),
  receivedAt: z.string(),
  detail: z.string().optional(),
  location: z.string().optional(),
});
export const ScanAfterEndListSchema = z.object({ items: z.array(ScanAfterEndSchema) }).meta({
  id: 'ScanAfterEndList',
  description:
    "Carrier scans that came after their parcel's journey had ended, a shipment's or a return's (no workflow heard them), newest first",
});
export type ScanAfterEndList = z.infer<typeof ScanAfterEndListSchema>;
export type WebhookAck = z.infer<typeof WebhookAckSchema>;

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ postgres: z.enum(['up', 'down']), temporal: z.enum(['up', 'down']) }),
});

/** Base64 as Temporal's JSON form of a payload writes bytes (standard or URL-safe alphabet). */
const Base64Schema = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'bytes are base64');

/** One Temporal payload in its JSON form, as the Web UI and `temporal --codec-endpoint` send it. */
/** How many payloads one codec call may carry, and metadata entries each: Temporal's own payloads carry two or three. */
export const CODEC_MAX_PAYLOADS = 10_000;
export const CODEC_MAX_METADATA_ENTRIES = 32;

export const CodecPayloadSchema = z.object({
  metadata: z
    .record(z.string().min(1).max(256), Base64Schema)
    .refine((metadata) => Object.keys(metadata).length <= CODEC_MAX_METADATA_ENTRIES, {
      message: `expected at most ${CODEC_MAX_METADATA_ENTRIES} metadata entries`,
    })
    .optional(),
  data: Base64Schema.optional(),
});
export type CodecPayload = z.infer<typeof CodecPayloadSchema>;

/**
 * Body and answer of POST /codec/encode and /codec/decode (Temporal's remote codec protocol). No payloads
 * is an empty list: protobuf's JSON leaves an empty list out, as the CLI sends a signal without input.
 */
export const CodecPayloadsSchema = z
  .object({ payloads: z.array(CodecPayloadSchema).max(CODEC_MAX_PAYLOADS).default([]) })
  .meta({ id: 'CodecPayloads' });
export const CodecQuerySchema = z.looseObject({});
export const CodecSessionSchema = z.object({ expiresAt: z.iso.datetime() }).meta({ id: 'CodecSession' });
