import { z } from 'zod';
import { CarrierTrackingEventSchema, TrackingStatusSchema } from './carrier';
import { ESCALATION_DECISIONS, ESCALATION_REASONS, ESCALATION_SEVERITIES, ORDER_STAGES, SHIPMENT_STAGES } from './lifecycle';
import { AddressSchema, ServiceLevelSchema } from './order';
import { DeliveryPromiseSchema } from './delivery-promise';
import { SCAN_SOURCES, TIMELINE_ENTRY_KINDS } from './message-shapes';
import { printedLine, writtenNote } from './text-fields';

export type { EscalationDecision, EscalationReason, EscalationSeverity, OrderStage, ShipmentStage } from './lifecycle';

/**
 * The shapes that cross the workflow boundary: what ops and the API read from the order and
 * shipment workflows (queries), and what they send them (updates and signals). Workflows, the
 * API and the tests share these, so a field is declared once.
 */

export const OrderStageSchema = z.enum(ORDER_STAGES);
export const ShipmentStageSchema = z.enum(SHIPMENT_STAGES);
export const EscalationReasonSchema = z.enum(ESCALATION_REASONS);
export const EscalationSeveritySchema = z.enum(ESCALATION_SEVERITIES);
export const EscalationDecisionSchema = z.enum(ESCALATION_DECISIONS);

export const EscalationViewSchema = z.object({
  escalationId: z.string(),
  reason: EscalationReasonSchema,
  severity: EscalationSeveritySchema,
  detail: z.string(),
  openedAt: z.string(),
  resolvedAt: z.string().optional(),
  decision: EscalationDecisionSchema.optional(),
});
export type EscalationView = z.infer<typeof EscalationViewSchema>;

export const TimelineEntrySchema = z.object({
  at: z.string(),
  kind: z.enum(TIMELINE_ENTRY_KINDS),
  label: z.string(),
  detail: z.string().optional(),
  location: z.string().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const ShipmentLineSchema = z.object({
  orderLineId: z.string(),
  skuCode: z.string(),
  quantity: z.number().int().positive(),
});
export type ShipmentLine = z.infer<typeof ShipmentLineSchema>;

export const ShipmentViewSchema = z.object({
  shipmentId: z.string(),
  workflowId: z.string(),
  warehouseCode: z.string(),
  stage: ShipmentStageSchema,
  lines: z.array(ShipmentLineSchema),
  carrierCode: z.string().optional(),
  serviceCode: z.string().optional(),
  trackingNumber: z.string().optional(),
  trackingStatus: TrackingStatusSchema.optional(),
  estimatedDeliveryAt: z.string().optional(),
  promisedBy: z.string(),
  promiseMiss: z.boolean(),
  packagingCostCents: z.number().int(),
  shippingCostCents: z.number().int(),
  lastScanAt: z.string().optional(),
  labelAttempt: z.number().int(),
  escalations: z.array(EscalationViewSchema),
  timeline: z.array(TimelineEntrySchema),
  /** A replacement shipment: the lost or damaged one it sends again. */
  replaces: z.string().optional(),
  /** A re-shipped shipment: the replacements that send its lines again (none yet while they wait for stock). */
  replacedBy: z.array(z.string()).optional(),
  /**
   * A parcel given up (ended lost or refunded) that the carrier delivered after its journey had ended: when. Read from
   * the database (api/services/stored-scans.ts), never set by a workflow.
   */
  deliveredAfterAll: z.string().optional(),
});
export type ShipmentView = z.infer<typeof ShipmentViewSchema>;

export const OrderViewSchema = z.object({
  orderId: z.string(),
  workflowId: z.string(),
  stage: OrderStageSchema,
  customerId: z.string(),
  serviceLevel: ServiceLevelSchema,
  /** The promise in force (the intake promise, or the last re-promise). */
  promisedBy: z.string(),
  /** What intake promised, kept as given: on-time is measured against it. */
  promise: DeliveryPromiseSchema.optional(),
  receivedAt: z.string(),
  shipTo: AddressSchema,
  shortages: z.array(z.object({ orderLineId: z.string(), skuCode: z.string(), missing: z.number().int() })),
  backorderDeadline: z.string().optional(),
  shipments: z.array(ShipmentViewSchema),
  escalations: z.array(EscalationViewSchema),
  timeline: z.array(TimelineEntrySchema),
  packagingCostCents: z.number().int(),
  shippingCostCents: z.number().int(),
  cancelReason: z.string().optional(),
  /** When the order's personal data was erased (retention, or the customer's request): `shipTo` keeps its country, region and postal code prefix only. */
  personalDataErasedAt: z.string().optional(),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

export const CancelOrderRequestSchema = z.object({
  reason: writtenNote(500),
});
export type CancelOrderRequest = z.infer<typeof CancelOrderRequestSchema>;

export const ChangeAddressRequestSchema = z.object({
  shipTo: AddressSchema,
});
export type ChangeAddressRequest = z.infer<typeof ChangeAddressRequestSchema>;

export const ResolveEscalationRequestSchema = z.object({
  escalationId: z.string(),
  decision: EscalationDecisionSchema,
  note: writtenNote(1000, 0).optional(),
  resolvedBy: printedLine(120).default('ops'),
});
export type ResolveEscalationRequest = z.infer<typeof ResolveEscalationRequestSchema>;

export const RestockedSignalSchema = z.object({
  warehouseCode: z.string(),
  skuCode: z.string(),
  /** The goods were announced (an expected restock, or its new date), not received: the order re-dates its promise. */
  expected: z.boolean().optional(),
});
export type RestockedSignal = z.infer<typeof RestockedSignalSchema>;

export const TrackingEventsSignalSchema = z.object({
  source: z.enum(SCAN_SOURCES),
  events: z.array(CarrierTrackingEventSchema),
  /**
   * The sender stored every scan of the batch as a tracking row already (the API, for a shipment's webhook
   * scans): the workflow writes only those that change the status or call for work. Absent: the workflow
   * stores them all, as batches signalled before the API stored scans (recorded histories) are.
   */
  stored: z.literal(true).optional(),
});
export type TrackingEventsSignal = z.infer<typeof TrackingEventsSignalSchema>;
