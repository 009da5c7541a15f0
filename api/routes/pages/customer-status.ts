import type { OrderView } from '../../../domain/journey';
import { ORDER_STAGE_WORDS, SHIPMENT_STAGES, type ShipmentStage } from '../../../domain/lifecycle';
import { stageWords, type TrackingPageWords } from '../../../domain/tracking-page-words';

/**
 * The tracking page's big "Status", in the customer's words. An order being fulfilled is where its parcels are: before, it
 * read "Being prepared" from the order's stage while its parcel was out for delivery, delivered (one of two), or lost by the
 * carrier. A parcel sent again replaces the one it re-ships, and a cancelled parcel is no parcel of the customer's.
 */

/** Parcels still at the warehouse, their label included: to the customer the order is being prepared. */
const AT_THE_WAREHOUSE = new Set<ShipmentStage>(SHIPMENT_STAGES.slice(0, SHIPMENT_STAGES.indexOf('label_created') + 1));

export function customerStatus(view: OrderView, w: TrackingPageWords): string {
  const preparing = w.orderStages[view.stage];
  if (view.stage !== 'fulfilling') return preparing;
  const parcels = view.shipments
    .filter((s) => s.stage !== 'cancelled' && (s.replacedBy ?? []).length === 0)
    // A given-up parcel the carrier delivered after all is a delivered one to the customer.
    .map((s) => (s.deliveredAfterAll === undefined ? s : { ...s, stage: 'delivered' as const }));
  if (parcels.length === 0) return preparing;
  const words = (stage: ShipmentStage) => (AT_THE_WAREHOUSE.has(stage) ? preparing : w.shipmentStages[stage]);
  const told = new Set(parcels.map((s) => words(s.stage)));
  const [only] = told;
  if (told.size === 1 && only !== undefined) return only;
  const delivered = parcels.filter((s) => s.stage === 'delivered').length;
  if (delivered > 0) return w.partlyDelivered(delivered, parcels.length);
  // A refunded parcel was never sent: the others are what the customer waits for.
  const shipped = parcels.filter((s) => !AT_THE_WAREHOUSE.has(s.stage) && s.stage !== 'refunded').length;
  if (shipped === 0) return preparing;
  if (parcels.some((s) => AT_THE_WAREHOUSE.has(s.stage))) return w.partlyShipped(shipped, parcels.length);
  // Every parcel is with the carrier, each at its own step: each one's is in the list of parcels below.
  return w.shipmentStages.in_transit;
}

/** Parcels Colis gave up on (written off and sent again, refunded, cancelled): their last scan no longer tells their story. */
const GIVEN_UP = new Set<ShipmentStage>(['lost', 'returned_to_sender', 'refunded', 'cancelled']);

/**
 * A parcel's line in the customer's words: its last carrier scan, unless Colis gave it up (then its end, or "Delivered after
 * all" when the carrier delivered it after that: before, it read "Lost by the carrier" with the goods at the door). Before, a stuck parcel ops re-shipped
 * (written off as lost) read "On its way" from its last scan, beside its replacement also on its way.
 */
export function parcelWords(view: OrderView, parcel: { shipmentId: string; status?: string }, w: TrackingPageWords): string | undefined {
  if (view.shipments.some((s) => s.shipmentId === parcel.shipmentId && s.deliveredAfterAll !== undefined)) return w.deliveredAfterAll;
  const stage = givenUpStage(view, parcel.shipmentId);
  if (stage !== undefined) return w.shipmentStages[stage];
  return parcel.status === undefined ? undefined : stageWords(w, parcel.status);
}

/**
 * The stage a parcel Colis gave up on ended in, as the customer is told it, or undefined for a parcel not given up. A parcel
 * the carrier brought back and ops sent again ends its journey `lost` (the re-ship gives it up), but it was never lost: it is
 * back at the warehouse as a carrier return (README, "Returns (RMA)"), and its mail says "sent back by the carrier". Before,
 * its line and its timeline said "Lost by the carrier" right under the carrier's own "Returned" scan.
 */
export function givenUpStage(view: OrderView, shipmentId: string | undefined): ShipmentStage | undefined {
  const shipment = view.shipments.find((s) => s.shipmentId === shipmentId);
  if (shipment === undefined || !GIVEN_UP.has(shipment.stage)) return undefined;
  return shipment.stage === 'lost' && shipment.trackingStatus === 'returned_to_sender' ? 'returned_to_sender' : shipment.stage;
}

/**
 * When a cancelled order was cancelled: its `cancelled` stage in its own timeline (the workflow's, or the one the database
 * rebuilds: api/services/views.ts). Said beside "Cancelled", which before stood alone, unexplained, over stages that stopped.
 */
export function cancelledAt(view: OrderView): string | undefined {
  if (view.stage !== 'cancelled') return undefined;
  return view.timeline.findLast((e) => e.kind === 'stage' && e.label === ORDER_STAGE_WORDS.cancelled.label)?.at;
}
