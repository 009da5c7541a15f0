import type { EscalationView } from './journey';
import type { FinalOrderStage, FinalShipmentStage } from './lifecycle';

/**
 * The moments of a journey that someone outside the workflow may act on: the customer (a mail), the shop
 * (a webhook), the parent order (a cancel is no longer possible once the carrier has the parcel), ops.
 * Every workflow passes each one through a single `onMilestone` method, so a new reaction to a milestone
 * is one line there. Plain data: it also travels from a shipment to its order as a signal.
 */

export type ShipmentMilestone =
  | { kind: 'booked'; shipmentId: string; carrierCode: string; trackingNumber: string; estimatedDeliveryAt: string; promiseMiss: boolean }
  | { kind: 'dispatched'; shipmentId: string; carrierCode: string; trackingNumber: string }
  | { kind: 'out_for_delivery'; shipmentId: string }
  | { kind: 'delivered'; shipmentId: string }
  /** Opened, or its severity stepped up: the view carries the current severity. */
  | { kind: 'escalated'; shipmentId: string; escalation: EscalationView }
  | { kind: 'escalation_closed'; shipmentId: string; escalation: EscalationView }
  | { kind: 'ended'; shipmentId: string; stage: FinalShipmentStage }
  /** The journey learnt the promise was at risk and moved it (activities/repromise.ts); the intake promise is kept. */
  | { kind: 'repromised'; shipmentId: string; previousPromisedBy: string; promisedBy: string; reason: string; wording: string }
  /**
   * Whether the order's address change reached the parcel (`taken`), or the carrier had it first and it travels to the
   * address it was labelled for: the order's `changeAddress` waits for this answer from each shipment it told.
   */
  | { kind: 'address_answered'; shipmentId: string; taken: boolean };

export type OrderMilestone =
  /** Stock is reserved and the shipments are planned: what was promised will ship. */
  | { kind: 'confirmed'; orderId: string; promisedBy: string; shipments: number }
  | { kind: 'backordered'; orderId: string; until: string }
  | { kind: 'escalated'; orderId: string; escalation: EscalationView }
  | { kind: 'escalation_closed'; orderId: string; escalation: EscalationView }
  | { kind: 'ended'; orderId: string; stage: FinalOrderStage }
  /** The order's promise moved later: what the customer is told (the new date and why). */
  | { kind: 'repromised'; orderId: string; previousPromisedBy: string; promisedBy: string; reason: string; wording: string };

/**
 * What a shipment tells its order: the milestones that change what the order may do (a dispatched parcel
 * cannot be cancelled) or what it shows (which shipment is escalated, and why). Not the whole view: the
 * API reads a shipment's details from the shipment itself.
 */
export const MILESTONES_FOR_THE_ORDER: ReadonlySet<ShipmentMilestone['kind']> = new Set([
  'dispatched',
  'escalated',
  'escalation_closed',
  'repromised',
  'address_answered',
]);
