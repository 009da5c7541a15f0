import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CancelOrderRequest,
  ChangeAddressRequest,
  EscalationView,
  OrderView,
  ResolveEscalationRequest,
  RestockedSignal,
  ShipmentView,
  TrackingEventsSignal,
} from '../domain/journey';
import type { ShipmentMilestone } from '../domain/milestones';
import type { Address } from '../domain/order';

/**
 * The messages Colis's workflows answer. Clients (API, tests, ops tooling) import these
 * definitions instead of repeating names as strings.
 */

// --- order-<orderId> ---
export const orderStatusQuery = defineQuery<OrderView>('status');
export const cancelOrderUpdate = defineUpdate<OrderView, [CancelOrderRequest]>('cancel');
export const changeAddressUpdate = defineUpdate<OrderView, [ChangeAddressRequest]>('changeAddress');
/** Stock arrived somewhere: a backordered order tries to reserve its shortages again. */
export const restockedSignal = defineSignal<[RestockedSignal]>('restocked');
/** v1: children report every change so the order's query shows the whole picture (v2 sends milestones only). */
export const shipmentUpdatedSignal = defineSignal<[ShipmentView]>('shipmentUpdated');

// --- shipment-<shipmentId> ---
export const shipmentStatusQuery = defineQuery<ShipmentView>('status');
export const trackingEventsSignal = defineSignal<[TrackingEventsSignal]>('trackingEvents');
export const shipmentAddressChangedSignal = defineSignal<[Address]>('addressChanged');
export const cancelShipmentSignal = defineSignal<[{ reason: string }]>('cancelShipment');
/** Ops declared the shipment's warehouse down (or up again): a shipment not picked yet moves elsewhere. */
export const warehouseAvailabilitySignal =
  defineSignal<[{ warehouseCode: string; down: boolean; reason?: string }]>('warehouseAvailability');

// --- both: an escalation is answered on the workflow that opened it ---
export const resolveEscalationUpdate = defineUpdate<EscalationView, [ResolveEscalationRequest]>('resolveEscalation');

/** Typed search attributes: what ops filter on in the Web UI and `temporal workflow list`. */
export const searchAttributes = {
  orderStatus: defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD),
  shipmentStatus: defineSearchAttributeKey('ShipmentStatus', SearchAttributeType.KEYWORD),
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  orderId: defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD),
  carrier: defineSearchAttributeKey('Carrier', SearchAttributeType.KEYWORD_LIST),
  warehouse: defineSearchAttributeKey('Warehouse', SearchAttributeType.KEYWORD_LIST),
  promisedBy: defineSearchAttributeKey('PromisedBy', SearchAttributeType.DATETIME),
  escalated: defineSearchAttributeKey('Escalated', SearchAttributeType.BOOL),
  /** A return's status (domain/return-policy.ts, `RETURN_STATUSES`); returns only. */
  returnStatus: defineSearchAttributeKey('ReturnStatus', SearchAttributeType.KEYWORD),
} as const;

// --- v2 (workflows/order, workflows/shipment) ---
/** A shipment tells its order the milestones the order acts on (domain/milestones.ts), not its whole view. */
export const shipmentMilestoneSignal = defineSignal<[ShipmentMilestone]>('shipmentMilestone');
