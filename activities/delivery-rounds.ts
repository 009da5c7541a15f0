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
    // The current label's scans only: a re-booked shipment's voided label was another parcel.
    const rows = await this.db.$queryRaw<DeliveredRow[]>`
      WITH delivered AS (
        SELECT s.id, s."carrierCode", s."trackingNumber", s."deliveredAt", a."countryCode", a."region",
               row_number() OVER (PARTITION BY s."carrierCode" ORDER BY s."deliveredAt" DESC) AS rank
        FROM "Shipment" s
        JOIN "Order" o ON o.id = s."orderId"
        JOIN "Address" a ON a.id = o."shippingAddressId"
        WHERE s."deliveredAt" >= ${new Date(nowMs - LOOKBACK_MS)} AND s."carrierCode" IS NOT NULL AND s."trackingNumber" IS NOT NULL
      )
      SELECT d."carrierCode", d."countryCode", d."region", d."deliveredAt",
             (SELECT max(e."occurredAt") FROM "TrackingEvent" e
              WHERE e."shipmentId" = d.id AND e."trackingNumber" = d."trackingNumber"
                AND e.status = 'out_for_delivery' AND e."occurredAt" <= d."deliveredAt") AS "outForDeliveryAt"
      FROM delivered d
      WHERE d.rank <= ${RECENT_PARCELS}`;
    const clock = await currentBusinessClock(this.db, nowMs);
    const parcels = new Map<string, DeliveredParcel[]>();
    for (const row of rows) {
      const ofCarrier = parcels.get(row.carrierCode) ?? [];
      parcels.set(row.carrierCode, ofCarrier);
      const timeZone = timeZoneOf({ countryCode: row.countryCode, ...(row.region ? { region: row.region } : {}) });
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
