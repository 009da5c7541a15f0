import { toBusinessMs } from '../domain/business-clock';
import { timeZoneOf } from '../domain/calendar';
import { type DeliveredParcel, type DeliveryRound, learnDeliveryRound } from '../domain/delivery-round';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';

/**
 * Each carrier's delivery round (domain/delivery-round.ts), learned from its most recently delivered parcels and
 * reused for a few seconds: a rate shop hands it to the label it books, so the journey knows by when a parcel due
 * today has to be out for delivery with that carrier.
 */

/** Delivered parcels per carrier learned from: recent enough to follow a carrier that changes its rounds. */
const RECENT_PARCELS = 200;
/** Only deliveries this recent are read (real time). */
const LOOKBACK_MS = 30 * 86_400_000;
const REUSE_MS = 15_000;

type DeliveredRow = {
  carrierCode: string;
  countryCode: string;
  region: string | null;
  postalCode: string;
  deliveredAt: Date;
  outForDeliveryAt: Date | null;
};

export class DeliveryRounds {
  private cached: { byCarrier: Map<string, DeliveryRound>; loadedAt: number } | undefined;

  constructor(private readonly db: Db) {}

  async of(carrierCode: string, nowMs = Date.now()): Promise<DeliveryRound | undefined> {
    if (!this.cached || nowMs - this.cached.loadedAt > REUSE_MS) this.cached = { byCarrier: await this.load(nowMs), loadedAt: nowMs };
    return this.cached.byCarrier.get(carrierCode);
  }

  private async load(nowMs: number): Promise<Map<string, DeliveryRound>> {
    // The current label's scans only (a re-booked shipment's voided label was another parcel).
    // Each carrier's latest deliveries from its own index range, not a month of every carrier's shipments.
    const rows = await this.db.$queryRaw<DeliveredRow[]>`
      SELECT d."carrierCode", a."countryCode", a."region", a."postalCode", d."deliveredAt",
             (SELECT max(e."occurredAt") FROM "TrackingEvent" e
              WHERE e."shipmentId" = d.id AND e."trackingNumber" = d."trackingNumber"
                AND e.status = 'out_for_delivery' AND e."occurredAt" <= d."deliveredAt") AS "outForDeliveryAt"
      FROM "Carrier" c
      CROSS JOIN LATERAL (
        SELECT s.id, s."orderId", s."carrierCode", s."trackingNumber", s."deliveredAt"
        FROM "Shipment" s
        WHERE s."carrierCode" = c.code AND s."deliveredAt" >= ${new Date(nowMs - LOOKBACK_MS)} AND s."trackingNumber" IS NOT NULL
        ORDER BY s."deliveredAt" DESC
        LIMIT ${RECENT_PARCELS}
      ) d
      JOIN "Order" o ON o.id = d."orderId"
      JOIN "Address" a ON a.id = o."shippingAddressId"`;
    const clock = await currentBusinessClock(this.db, nowMs);
    const parcels = new Map<string, DeliveredParcel[]>();
    for (const row of rows) {
      const ofCarrier = parcels.get(row.carrierCode) ?? [];
      parcels.set(row.carrierCode, ofCarrier);
      const timeZone = timeZoneOf(row);
      // The round is a time of the destination's business day: instants are read on the business clock.
      ofCarrier.push({
        timeZone,
        deliveredMs: toBusinessMs(clock, row.deliveredAt.getTime()),
        ...(row.outForDeliveryAt ? { outForDeliveryMs: toBusinessMs(clock, row.outForDeliveryAt.getTime()) } : {}),
      });
    }
    const byCarrier = new Map<string, DeliveryRound>();
    for (const [carrierCode, ofCarrier] of parcels) {
      const round = learnDeliveryRound(ofCarrier);
      if (round) byCarrier.set(carrierCode, round);
    }
    return byCarrier;
  }
}
