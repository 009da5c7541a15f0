import { type ShipmentStage, TRACKING_STATUSES, type TrackingStatus } from '../domain/lifecycle';
import { type NormalisedTrackingEvent, statusChanges } from '../domain/tracking';
import { transitObservation } from '../domain/transit-observation';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';
import { asActivity } from './failures';
import { type StageRecord, upsertStages } from './stage-timing';
import type { Milestone } from '../domain/notifications';
import { noRelayWaker, type RelayWaker, withMilestones } from './notifications/outbox';
import type { Tx } from './inventory';

/** v1 called it so; every shipment stage is a status (domain/lifecycle.ts). */
export type ShipmentProgressStatus = ShipmentStage;

/**
 * Stores carrier scans. The unique (carrier, event id) key absorbs every duplicate, whether from
 * a webhook retry, a poll overlapping a webhook, or an activity retry.
 */
export function createTrackingActivities(db: Db, waker: RelayWaker = noRelayWaker) {
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
        const created = await withMilestones(db, waker, async (tx) => {
          const before = await tx.shipment.findUnique({
            where: { id: input.shipmentId },
            select: {
              status: true,
              orderId: true,
              carrierCode: true,
              serviceCode: true,
              trackingNumber: true,
              estimatedDeliveryAt: true,
              promisedBy: true,
            },
          });
          // The workflow heard these scans: a webhook retried later finds them and signals nothing.
          const stored = await tx.trackingEvent.createMany({
            data: trackingEventRows(input.shipmentId, input.source, input.events, new Date()),
            skipDuplicates: true,
          });
          await tx.shipment.update({
            where: { id: input.shipmentId },
            data: { status: input.status, ...(deliveredMs !== undefined ? { deliveredAt: new Date(deliveredMs) } : {}) },
          });
          if (input.lastScanAt) await advanceLastScanAt(tx, input.shipmentId, new Date(input.lastScanAt));
          let shipped = false;
          if (handedOverMs !== undefined) {
            // First hand-over only: later in-transit scans must not move the shipping time.
            const first = await tx.shipment.updateMany({
              where: { id: input.shipmentId, shippedAt: null },
              data: { shippedAt: new Date(handedOverMs) },
            });
            shipped = first.count === 1;
          }
          if (input.stages) await upsertStages(tx, input.stages);
          if (deliveredMs !== undefined) await observeTransit(tx, db, input.shipmentId, deliveredMs);
          const milestones = before ? trackingMilestones(input, before, shipped) : [];
          return { result: stored, milestones };
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

/** Scans as `TrackingEvent` rows, keyed by carrier and event id so every copy of a scan is one row. */
export function trackingEventRows(
  shipmentId: string,
  source: 'webhook' | 'poll',
  events: readonly NormalisedTrackingEvent[],
  signalledAt: Date | null,
) {
  return events.map((e) => ({
    id: trackingEventId(e),
    shipmentId,
    carrierCode: e.carrierCode,
    carrierEventId: e.eventId,
    trackingNumber: e.trackingNumber,
    carrierStatusCode: e.carrierStatusCode,
    status: e.status,
    detail: e.detail ?? null,
    location: e.location ?? null,
    occurredAt: new Date(e.occurredAt),
    source,
    signalledAt,
  }));
}

export const trackingEventId = (e: Pick<NormalisedTrackingEvent, 'carrierCode' | 'eventId'>): string => `${e.carrierCode}:${e.eventId}`;

/**
 * The newest scan's time, never moved back: the API stores pushed scans as they arrive and the workflow
 * writes its own view of them, in either order.
 */
export async function advanceLastScanAt(tx: Tx, shipmentId: string, lastScanAt: Date): Promise<void> {
  await tx.shipment.updateMany({
    where: { id: shipmentId, OR: [{ lastScanAt: null }, { lastScanAt: { lt: lastScanAt } }] },
    data: { lastScanAt },
  });
}

/**
 * What a batch of scans tells the customer and the shop: the hand-over (shipped), every change of
 * status the batch passed through, in the order of the scans, and the ones that call for a mail (out
 * for delivery, delivered, a failed attempt or a parcel waiting at a pickup point). Keys carry the
 * tracking number, so a re-shipped parcel is news again.
 */
function trackingMilestones(
  input: { shipmentId: string; events: NormalisedTrackingEvent[]; status: ShipmentProgressStatus },
  before: {
    status: string;
    orderId: string;
    carrierCode: string | null;
    serviceCode: string | null;
    trackingNumber: string | null;
    estimatedDeliveryAt: Date | null;
    promisedBy: Date;
  },
  shipped: boolean,
): Milestone[] {
  const { orderId } = before;
  const shipmentId = input.shipmentId;
  const trackingNumber = before.trackingNumber ?? input.events[0]?.trackingNumber ?? shipmentId;
  const carrierCode = before.carrierCode ?? input.events[0]?.carrierCode;
  const parcel = { shipmentId, carrierCode, trackingNumber };
  const milestones: Milestone[] = [];
  if (shipped) {
    milestones.push({
      orderId,
      key: `shipped:${trackingNumber}`,
      mail: { milestone: 'shipped', data: { carrierCode, trackingNumber, promisedBy: before.promisedBy.toISOString() } },
      webhook: {
        type: 'shipment.shipped',
        data: { ...parcel, serviceCode: before.serviceCode, estimatedDeliveryAt: before.estimatedDeliveryAt?.toISOString() },
      },
    });
  }
  if (!isTrackingStatus(input.status)) return milestones;
  // Every status the batch passed through, not only where it ended: a poll may bring an exception and its recovery at once.
  const from = isTrackingStatus(before.status) ? before.status : 'label_created';
  const changes = statusChanges(from, input.events, input.status);
  let previousStatus = before.status;
  for (const [i, { status, scan }] of changes.entries()) {
    // The shop hears every change; the customer only where the batch leaves the parcel, not news it already outran.
    milestones.push(...statusMilestones(orderId, parcel, status, previousStatus, scan, i === changes.length - 1));
    previousStatus = status;
  }
  return milestones;
}

/**
 * What one change of a parcel's status tells the shop (each change) and, when `mailsCustomer` (the status the batch
 * leaves the parcel in), the customer (the changes that call for a mail).
 */
function statusMilestones(
  orderId: string,
  parcel: { shipmentId: string; carrierCode: string | undefined; trackingNumber: string },
  status: TrackingStatus,
  previousStatus: string,
  scan: NormalisedTrackingEvent | undefined,
  mailsCustomer: boolean,
): Milestone[] {
  const { shipmentId, carrierCode, trackingNumber } = parcel;
  const at = scan?.occurredAt ?? new Date().toISOString();
  const milestones: Milestone[] = [
    {
      orderId,
      key: `tracking:${trackingNumber}:${status}:${at}`,
      webhook: {
        type: 'shipment.tracking_updated',
        data: { ...parcel, status, previousStatus, occurredAt: at, location: scan?.location, detail: scan?.detail },
      },
    },
  ];
  if (status === 'out_for_delivery' && mailsCustomer) {
    milestones.push({
      orderId,
      key: `out_for_delivery:${trackingNumber}`,
      mail: { milestone: 'out_for_delivery', data: { carrierCode, trackingNumber } },
    });
  }
  if (status === 'delivered') {
    milestones.push({
      orderId,
      key: `delivered:${shipmentId}`,
      ...(mailsCustomer ? { mail: { milestone: 'delivered' as const, data: { carrierCode, trackingNumber } } } : {}),
      webhook: { type: 'shipment.delivered', data: { ...parcel, deliveredAt: at } },
    });
  }
  if ((status === 'delivery_failed' || status === 'available_for_pickup') && mailsCustomer) {
    milestones.push({
      orderId,
      key: `action_needed:${trackingNumber}:${status}`,
      mail: {
        milestone: 'action_needed',
        data: { carrierCode, trackingNumber, problem: status, reason: scan?.detail, location: scan?.location },
      },
    });
  }
  if (status === 'exception' || status === 'delivery_failed' || status === 'returned_to_sender' || status === 'lost') {
    milestones.push({
      orderId,
      key: `exception:${trackingNumber}:${status}`,
      webhook: { type: 'shipment.exception', data: { ...parcel, status, detail: scan?.detail, occurredAt: at } },
    });
  }
  return milestones;
}

const isTrackingStatus = (status: string): status is TrackingStatus => (TRACKING_STATUSES as readonly string[]).includes(status);

/** A delivered parcel teaches the transit model its lane's working days (once per shipment: the row's key). */
async function observeTransit(tx: Tx, db: Db, shipmentId: string, deliveredMs: number): Promise<void> {
  const shipment = await tx.shipment.findUnique({
    where: { id: shipmentId },
    select: {
      carrierCode: true,
      serviceCode: true,
      shippedAt: true,
      warehouse: { select: { countryCode: true, holidayRegion: true, timeZone: true } },
      order: { select: { shippingAddress: { select: { countryCode: true, region: true, postalCode: true } } } },
    },
  });
  if (!shipment?.carrierCode || !shipment.serviceCode || !shipment.shippedAt) return;
  const service = await tx.carrierService.findUnique({
    where: { carrierCode_code: { carrierCode: shipment.carrierCode, code: shipment.serviceCode } },
    select: { transitDays: true },
  });
  if (!service) return;
  const observed = transitObservation(
    {
      carrierCode: shipment.carrierCode,
      serviceCode: shipment.serviceCode,
      origin: {
        countryCode: shipment.warehouse.countryCode,
        timeZone: shipment.warehouse.timeZone,
        ...(shipment.warehouse.holidayRegion ? { region: shipment.warehouse.holidayRegion } : {}),
      },
      destination: shipment.order.shippingAddress,
      quotedDomesticDays: service.transitDays,
      handedOverAtMs: shipment.shippedAt.getTime(),
      deliveredAtMs: deliveredMs,
    },
    await currentBusinessClock(db),
  );
  await tx.transitObservation.createMany({
    data: [
      {
        shipmentId,
        carrierCode: observed.carrierCode,
        serviceCode: observed.serviceCode,
        originCountry: observed.originCountry,
        destinationCountry: observed.destinationCountry,
        quotedDays: observed.quotedDays,
        deliveryDays: observed.deliveryDays,
        handoverDay: new Date(`${observed.handoverDay}T00:00:00Z`),
        deliveredAt: new Date(deliveredMs),
      },
    ],
    skipDuplicates: true,
  });
}
