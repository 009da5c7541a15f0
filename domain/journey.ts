import { z } from 'zod';
import { CarrierTrackingEventSchema, TrackingStatusSchema } from './carrier';
import { AddressSchema, ServiceLevelSchema } from './order';

/**
 * The shapes that cross the workflow boundary: what ops and the API read from the order and
 * shipment workflows (queries), and what they send them (updates and signals). Workflows, the
 * API and the tests share these, so a field is declared once.
 */

export const ORDER_STAGES = ['received', 'reserving', 'backordered', 'fulfilling', 'completed', 'cancelled', 'failed'] as const;
export const OrderStageSchema = z.enum(ORDER_STAGES);
export type OrderStage = z.infer<typeof OrderStageSchema>;

export const SHIPMENT_STAGES = [
  'planned',
  'waiting_for_pick_slot',
  'picking',
  'packing',
  'rating',
  'booking',
  'label_created',
  'in_transit',
  'out_for_delivery',
  'available_for_pickup',
  'delivery_failed',
  'exception',
  'delivered',
  'returned_to_sender',
  'lost',
  'cancelled',
  'refunded',
] as const;
export const ShipmentStageSchema = z.enum(SHIPMENT_STAGES);
export type ShipmentStage = z.infer<typeof ShipmentStageSchema>;

export const EscalationReasonSchema = z.enum(['stuck', 'late', 'broken', 'no_carrier', 'backorder_deadline']);
export type EscalationReason = z.infer<typeof EscalationReasonSchema>;

export const EscalationSeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type EscalationSeverity = z.infer<typeof EscalationSeveritySchema>;

/**
 * What ops can decide. `ship_available` only answers a backorder deadline (ship what is reserved);
 * `reship` only a shipment problem (book a new label and track again).
 */
export const EscalationDecisionSchema = z.enum(['wait', 'reship', 'refund', 'cancel', 'ship_available']);
export type EscalationDecision = z.infer<typeof EscalationDecisionSchema>;

export const DECISIONS_BY_REASON: Record<EscalationReason, readonly EscalationDecision[]> = {
  stuck: ['wait', 'reship', 'refund', 'cancel'],
  late: ['wait', 'reship', 'refund', 'cancel'],
  broken: ['wait', 'reship', 'refund', 'cancel'],
  no_carrier: ['wait', 'refund', 'cancel'],
  backorder_deadline: ['wait', 'ship_available', 'cancel'],
};

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
  kind: z.enum(['stage', 'tracking', 'escalation', 'note']),
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
});
export type ShipmentView = z.infer<typeof ShipmentViewSchema>;

/** A shipment as it looks before its workflow has done anything: what both workflows start from. */
export function plannedShipmentView(
  shipment: Pick<ShipmentView, 'shipmentId' | 'workflowId' | 'warehouseCode' | 'lines' | 'promisedBy'>,
): ShipmentView {
  return {
    ...shipment,
    stage: 'planned',
    promiseMiss: false,
    packagingCostCents: 0,
    shippingCostCents: 0,
    labelAttempt: 0,
    escalations: [],
    timeline: [],
  };
}

export const OrderViewSchema = z.object({
  orderId: z.string(),
  workflowId: z.string(),
  stage: OrderStageSchema,
  customerId: z.string(),
  serviceLevel: ServiceLevelSchema,
  promisedBy: z.string(),
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
});
export type OrderView = z.infer<typeof OrderViewSchema>;

export const CancelOrderRequestSchema = z.object({
  reason: z.string().trim().min(1).max(500),
});
export type CancelOrderRequest = z.infer<typeof CancelOrderRequestSchema>;

export const ChangeAddressRequestSchema = z.object({
  shipTo: AddressSchema,
});
export type ChangeAddressRequest = z.infer<typeof ChangeAddressRequestSchema>;

export const ResolveEscalationRequestSchema = z.object({
  escalationId: z.string(),
  decision: EscalationDecisionSchema,
  note: z.string().trim().max(1000).optional(),
  resolvedBy: z.string().trim().min(1).max(120).default('ops'),
});
export type ResolveEscalationRequest = z.infer<typeof ResolveEscalationRequestSchema>;

export const RestockedSignalSchema = z.object({
  warehouseCode: z.string(),
  skuCode: z.string(),
});
export type RestockedSignal = z.infer<typeof RestockedSignalSchema>;

export const TrackingEventsSignalSchema = z.object({
  source: z.enum(['webhook', 'poll']),
  events: z.array(CarrierTrackingEventSchema),
});
export type TrackingEventsSignal = z.infer<typeof TrackingEventsSignalSchema>;

export const ids = {
  orderWorkflowId: (orderId: string) => `order-${orderId}`,
  shipmentWorkflowId: (shipmentId: string) => `shipment-${shipmentId}`,
  shipmentId: (orderId: string, seq: number) => `${orderId}-S${seq}`,
};

export const TASK_QUEUES = {
  orders: 'colis-orders',
  carriers: 'colis-carriers',
  warehouse: (warehouseCode: string) => `warehouse-${warehouseCode}`,
} as const;
