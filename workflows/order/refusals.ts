import { isFinalOrderStage, isFinalShipmentStage, isWithCarrier } from '../../domain/lifecycle';
import type { OrderJourney } from './order';
import { terminatedRefusal } from './terminated-shipment';

/** Why the order takes no change any more (it ended, it is being cancelled, a shipment was terminated); undefined when it does. */
export function closedRefusal(o: OrderJourney, what: string): string | undefined {
  const { orderId } = o.input;
  if (isFinalOrderStage(o.stage)) return `order ${orderId} is already ${o.stage}`;
  if (o.cancelReason !== undefined) return `order ${orderId} is ${what}`;
  return terminatedRefusal(o);
}

// A parcel given up and re-shipped no longer binds the order: its replacement may still be cancelled or re-addressed.
export function withCarrier(o: OrderJourney) {
  return [...o.shipments.values()].filter((s) => isWithCarrier(s.stage) && s.replacedBy === undefined);
}

/** The shipments not yet ended: those a cancel or an address change is still told to. */
export function pendingChildren(o: OrderJourney) {
  return [...o.children].filter(([shipmentId]) => {
    const s = o.shipments.get(shipmentId);
    return !(s && isFinalShipmentStage(s.stage));
  });
}
