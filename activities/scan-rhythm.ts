import { learnScanRhythm, type ScanRhythm } from '../domain/scan-rhythm';
import { currentBusinessClock } from './business-clock';
import type { Db } from './db';

/**
 * Each carrier's scan rhythm (domain/scan-rhythm.ts), learned from the transit scans of its most recently
 * scanned parcels and reused for a few seconds: a rate shop hands it to the label it books, so the journey
 * calls a silent parcel stalled by its own carrier's habits. Parcels still on their way count too: every
 * silence that a next scan has closed is one the carrier left, and a new deployment learns its carriers
 * in a day rather than in the week its first parcels take to arrive. A silence still open is not counted.
 */

/** Parcels per carrier learned from: recent enough to follow a carrier that changes. */
const RECENT_PARCELS = 200;
/** Only scans this recent are read (real time). */
const LOOKBACK_MS = 30 * 86_400_000;
const REUSE_MS = 15_000;

type ScanRow = { carrierCode: string; shipmentId: string; occurredAt: Date };

export class ScanRhythms {
  private cached: { byCarrier: Map<string, ScanRhythm>; loadedAt: number } | undefined;

  constructor(private readonly db: Db) {}

  async of(carrierCode: string, nowMs = Date.now()): Promise<ScanRhythm | undefined> {
    if (!this.cached || nowMs - this.cached.loadedAt > REUSE_MS) this.cached = { byCarrier: await this.load(nowMs), loadedAt: nowMs };
    return this.cached.byCarrier.get(carrierCode);
  }

  private async load(nowMs: number): Promise<Map<string, ScanRhythm>> {
    // The scans of each shipment's current label (a re-booked shipment's voided label was another parcel).
    const rows = await this.db.$queryRaw<ScanRow[]>`
      WITH scans AS (
        SELECT e."shipmentId", s."carrierCode", e."occurredAt"
        FROM "TrackingEvent" e JOIN "Shipment" s ON s.id = e."shipmentId" AND s."trackingNumber" = e."trackingNumber"
        WHERE e.status <> 'label_created' AND e."occurredAt" >= ${new Date(nowMs - LOOKBACK_MS)} AND s."carrierCode" IS NOT NULL
      ),
      recent AS (
        SELECT "shipmentId", row_number() OVER (PARTITION BY "carrierCode" ORDER BY max("occurredAt") DESC) AS rank
        FROM scans GROUP BY "shipmentId", "carrierCode" HAVING count(*) >= 2
      )
      SELECT scans."carrierCode", scans."shipmentId", scans."occurredAt"
      FROM scans JOIN recent ON recent."shipmentId" = scans."shipmentId"
      WHERE recent.rank <= ${RECENT_PARCELS}`;
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
