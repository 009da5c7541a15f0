import type { NormalisedTrackingEvent } from '../domain/tracking';
import type { Db } from './db';
import { asActivity } from './failures';

export type ShipmentProgressStatus =
  | 'label_created'
  | 'in_transit'
  | 'out_for_delivery'
  | 'delivered'
  | 'available_for_pickup'
  | 'delivery_failed'
  | 'exception'
  | 'returned_to_sender'
  | 'lost'
  | 'cancelled'
  | 'refunded';

/**
 * Stores carrier scans. The unique (carrier, event id) key absorbs every duplicate, whether from
 * a webhook retry, a poll overlapping a webhook, or an activity retry.
 */
export function createTrackingActivities(db: Db) {
  return {
    recordTrackingEvents(input: {
      shipmentId: string;
      source: 'webhook' | 'poll';
      events: NormalisedTrackingEvent[];
      /** The status the workflow's tracking model arrived at after these scans. */
      status: ShipmentProgressStatus;
      lastScanAt: string | null;
    }): Promise<{ stored: number }> {
      return asActivity(async () => {
        const [created] = await db.$transaction([
          db.trackingEvent.createMany({
            data: input.events.map((e) => ({
              id: `${e.carrierCode}:${e.eventId}`,
              shipmentId: input.shipmentId,
              carrierCode: e.carrierCode,
              carrierEventId: e.eventId,
              trackingNumber: e.trackingNumber,
              carrierStatusCode: e.carrierStatusCode,
              status: e.status,
              detail: e.detail ?? null,
              location: e.location ?? null,
              occurredAt: new Date(e.occurredAt),
              source: input.source,
            })),
            skipDuplicates: true,
          }),
          db.shipment.update({
            where: { id: input.shipmentId },
            data: {
              status: input.status,
              ...(input.lastScanAt ? { lastScanAt: new Date(input.lastScanAt) } : {}),
              ...(input.status === 'in_transit' ? { shippedAt: new Date() } : {}),
              ...(input.status === 'delivered' ? { deliveredAt: new Date() } : {}),
            },
          }),
        ]);
        return { stored: created.count };
      });
    },

    setShipmentStatus(input: { shipmentId: string; status: ShipmentProgressStatus }): Promise<void> {
      return asActivity(async () => {
        await db.shipment.update({ where: { id: input.shipmentId }, data: { status: input.status } });
      });
    },
  };
}
