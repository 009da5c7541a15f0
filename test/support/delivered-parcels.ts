import type { Db } from '../../activities/db';
import type { TrackingStatus } from '../../domain/lifecycle';
import { ids } from '../../domain/ids';

/** One scan of a parcel's past journey. */
export interface PastScan {
  status: TrackingStatus;
  at: Date;
}

/**
 * A parcel a carrier delivered before the test began, as the learning reads it back (scan rhythms, delivery rounds):
 * shipment `seq` of `orderId` (which must exist), delivered at its last scan, with its scans stored as webhooks.
 */
export async function insertDeliveredParcel(
  db: Db,
  parcel: { orderId: string; seq: number; warehouseCode: string; carrierCode: string; promisedBy: Date; scans: PastScan[] },
): Promise<void> {
  const shipmentId = ids.shipmentId(parcel.orderId, parcel.seq);
  const trackingNumber = `HIST-${parcel.carrierCode}-${parcel.orderId}-${parcel.seq}`;
  await db.shipment.create({
    data: {
      id: shipmentId,
      orderId: parcel.orderId,
      seq: parcel.seq,
      warehouseCode: parcel.warehouseCode,
      workflowId: `history-${shipmentId}`,
      status: 'delivered',
      promisedBy: parcel.promisedBy,
      carrierCode: parcel.carrierCode,
      trackingNumber,
      deliveredAt: parcel.scans.at(-1)?.at ?? null,
    },
  });
  await db.trackingEvent.createMany({
    data: parcel.scans.map((scan, i) => ({
      id: `${trackingNumber}-E${i}`,
      shipmentId,
      carrierCode: parcel.carrierCode,
      carrierEventId: `${trackingNumber}-E${i}`,
      trackingNumber,
      carrierStatusCode: 'history',
      status: scan.status,
      occurredAt: scan.at,
      source: 'webhook' as const,
    })),
  });
}
