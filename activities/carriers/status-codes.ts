import type { TrackingStatus } from '../../domain/carrier';

/**
 * The raw status codes each simulated carrier writes on its scans — deliberately three different
 * vocabularies, so normalisation is exercised for real.
 *
 * TODO(tracking-codes): once domain/tracking-codes.ts exports CARRIER_STATUS_CODES, re-export it
 * from here instead; the simulator only reads codes through `rawStatusCode`.
 */
export const SIMULATED_STATUS_CODES: Record<string, Record<TrackingStatus, string>> = {
  swiftpost: {
    label_created: 'PRE_TRANSIT',
    in_transit: 'IN_TRANSIT',
    out_for_delivery: 'OUT_FOR_DELIVERY',
    delivered: 'DELIVERED',
    available_for_pickup: 'AVAILABLE_FOR_PICKUP',
    delivery_failed: 'DELIVERY_ATTEMPT_FAILED',
    exception: 'EXCEPTION',
    returned_to_sender: 'RETURNED_TO_SENDER',
    lost: 'LOST',
  },
  parcelnord: {
    label_created: '10',
    in_transit: '20',
    out_for_delivery: '30',
    delivered: '40',
    available_for_pickup: '45',
    delivery_failed: '50',
    exception: '60',
    returned_to_sender: '70',
    lost: '90',
  },
  ecoroute: {
    label_created: 'ER-INFO',
    in_transit: 'ER-MOVE',
    out_for_delivery: 'ER-OFD',
    delivered: 'ER-DLV',
    available_for_pickup: 'ER-PKP',
    delivery_failed: 'ER-NDL',
    exception: 'ER-EXC',
    returned_to_sender: 'ER-RTS',
    lost: 'ER-LST',
  },
};

export function rawStatusCode(carrierCode: string, status: TrackingStatus): string {
  const codes = SIMULATED_STATUS_CODES[carrierCode];
  if (!codes) throw new Error(`no status vocabulary for carrier ${carrierCode}`);
  return codes[status];
}
