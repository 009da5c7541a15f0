/**
 * Where one parcel stands among its order's parcels, for the customer mails of a split order: "parcel 1 of 2", and
 * whether the others have arrived. A parcel that will never arrive is not counted: a cancelled or refunded shipment, a
 * lost one, and one a replacement stands in for (the replacement is counted in its place).
 */

export interface OrderParcel {
  shipmentId: string;
  trackingNumber: string | null;
  status: string;
  replacesShipmentId: string | null;
}

export interface ParcelPlace {
  /** 1-based, in the order the shipments were planned. */
  position: number;
  count: number;
  /** Every other parcel of the order is delivered. */
  othersDelivered: boolean;
}

const NEVER_ARRIVES = new Set(['cancelled', 'refunded', 'lost']);

/** The place of the parcel with this tracking number among `parcels` (in planning order); undefined for a single parcel. */
export function parcelPlace(parcels: readonly OrderParcel[], trackingNumber: string): ParcelPlace | undefined {
  const replaced = new Set(parcels.map((p) => p.replacesShipmentId).filter((id): id is string => id !== null));
  const arriving = parcels.filter((p) => !NEVER_ARRIVES.has(p.status) && !replaced.has(p.shipmentId));
  const index = arriving.findIndex((p) => p.trackingNumber === trackingNumber);
  if (index < 0 || arriving.length < 2) return undefined;
  return {
    position: index + 1,
    count: arriving.length,
    othersDelivered: arriving.every((p, i) => i === index || p.status === 'delivered'),
  };
}
