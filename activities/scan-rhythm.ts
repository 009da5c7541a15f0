import { learnScanRhythm, type ScanRhythm } from '../domain/scan-rhythm';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';

/**
 * Each carrier's scan rhythm (domain/scan-rhythm.ts), learned from the transit scans of its most recently
 * delivered parcels and reused for a minute: a rate shop hands it to the label it books, so the journey
 * calls a silent parcel stalled by its own carrier's habits.
 */

/** Delivered parcels per carrier learned from: recent enough to follow a carrier that changes. */
const RECENT_PARCELS = 200;
const REUSE_MS = 60_000;

type ScanRow = { carrierCode: string; shipmentId: string; occurredAt: Date };

export class ScanRhythms {
  private cached: { byCarrier: Map<string, ScanRhythm>; loadedAt: number } | undefined;

  constructor(private readonly db: Db) {}

  async of(carrierCode: string, nowMs = Date.now()): Promise<ScanRhythm | undefined> {
    if (!this.cached || nowMs - this.cached.loadedAt > REUSE_MS) this.cached = { byCarrier: await this.load(nowMs), loadedAt: nowMs };
    return this.cached.byCarrier.get(carrierCode);
  }

  private async load(nowMs: number): Promise<Map<string, ScanRhythm>> {
    // The scans of the label that was delivered (a re-booked shipment's voided label is another parcel).
    const rows = await this.db.$queryRaw<ScanRow[]>`
      WITH recent AS (
        SELECT id, "carrierCode", "trackingNumber",
               row_number() OVER (PARTITION BY "carrierCode" ORDER BY "deliveredAt" DESC) AS rank
        FROM "Shipment" WHERE status = 'delivered' AND "deliveredAt" IS NOT NULL AND "trackingNumber" IS NOT NULL
      )
      SELECT r."carrierCode", r.id AS "shipmentId", e."occurredAt"
      FROM recent r JOIN "TrackingEvent" e ON e."shipmentId" = r.id AND e."trackingNumber" = r."trackingNumber"
      WHERE r.rank <= ${RECENT_PARCELS} AND e.status <> 'label_created'`;
    const { scale } = await currentBusinessClock(this.db, nowMs);
    const parcels = new Map<string, Map<string, number[]>>();
    for (const row of rows) {
      const ofCarrier = parcels.get(row.carrierCode) ?? new Map<string, number[]>();
      parcels.set(row.carrierCode, ofCarrier);
      const scans = ofCarrier.get(row.shipmentId) ?? [];
      ofCarrier.set(row.shipmentId, scans);
      // Business time runs `scale` times faster than the instants stored: silences are business hours.
      scans.push(row.occurredAt.getTime() * scale);
    }
    const byCarrier = new Map<string, ScanRhythm>();
    for (const [carrierCode, ofCarrier] of parcels) {
      const rhythm = learnScanRhythm([...ofCarrier.values()]);
      if (rhythm) byCarrier.set(carrierCode, rhythm);
    }
    return byCarrier;
  }
}
