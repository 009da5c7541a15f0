import type { ShipmentStage } from '../domain/lifecycle';
import type { NormalisedTrackingEvent } from '../domain/tracking';
import type { Db } from './db';
import { asActivity } from './failures';
import { type StageRecord, upsertStages } from './stage-timing';

/** v1 called it so; every shipment stage is a status (domain/lifecycle.ts). */
export type ShipmentProgressStatus = ShipmentStage;

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
      /** Stage visits that ended or began with these scans, written in the same transaction. */
      stages?: StageRecord[];
    }): Promise<{ stored: number }> {
      return asActivity(async () => {
        // The carrier's scan times, not the time we heard of them: a poll may learn of a delivery hours late.
        const scanTimes = (keep: (e: NormalisedTrackingEvent) => boolean) =>
          input.events
            .filter(keep)
            .map((e) => Date.parse(e.occurredAt))
            .sort((a, b) => a - b);
        const handedOverMs = scanTimes((e) => e.status !== 'label_created')[0];
        const deliveredMs = input.status === 'delivered' ? scanTimes((e) => e.status === 'delivered')[0] : undefined;
        const created = await db.$transaction(async (tx) => {
          const stored = await tx.trackingEvent.createMany({
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
          });
          await tx.shipment.update({
            where: { id: input.shipmentId },
            data: {
              status: input.status,
              ...(input.lastScanAt ? { lastScanAt: new Date(input.lastScanAt) } : {}),
              ...(deliveredMs !== undefined ? { deliveredAt: new Date(deliveredMs) } : {}),
            },
          });
          if (handedOverMs !== undefined) {
            // First hand-over only: later in-transit scans must not move the shipping time.
            await tx.shipment.updateMany({ where: { id: input.shipmentId, shippedAt: null }, data: { shippedAt: new Date(handedOverMs) } });
          }
          if (input.stages) await upsertStages(tx, input.stages);
          return stored;
        });
        return { stored: created.count };
      });
    },

    /** v1 only: v2 writes statuses with their stage visits (recordShipmentStage). */
    setShipmentStatus(input: { shipmentId: string; status: ShipmentProgressStatus }): Promise<void> {
      return asActivity(async () => {
        await db.shipment.update({ where: { id: input.shipmentId }, data: { status: input.status } });
      });
    },
  };
}
