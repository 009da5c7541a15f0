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
/**
 * The newest scans per carrier whose parcels are read: enough for RECENT_PARCELS parcels of up to 20 scans each. A
 * carrier that scans more still leaves well over the 20 parcels a step needs (domain/scan-rhythm.ts); a wider window
 * costs every read (at 2,000 parcels a day, 174 ms a read with 50 per parcel, 82 ms with 20: bench/RESULTS.md).
 */
const SCANS_PER_PARCEL = 20;
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
    // Each carrier's newest scans from its own index range (`candidates`), then the whole scan list of the parcels they
    // belong to, ranked by their latest scan in one pass. Not a month of every carrier's scans joined to itself: the
    // planner, misjudging the join on shipment and tracking number, nested it in a loop (13.7 s a read at 2,000 parcels
    // a day, bench/habits.ts). The scans of each shipment's current label only (a re-booked shipment's voided label was
    // another parcel). The parcels whose latest scan is newest are in the window by construction, as long as it holds
    // RECENT_PARCELS of them: SCANS_PER_PARCEL bounds what one parcel may take of it.
    const since = new Date(nowMs - LOOKBACK_MS);
    const rows = await this.db.$queryRaw<ScanRow[]>`
      WITH candidates AS (
        SELECT DISTINCT c.code AS "carrierCode", w."shipmentId"
        FROM "Carrier" c
        CROSS JOIN LATERAL (
          SELECT e."shipmentId" FROM "TrackingEvent" e
          WHERE e."carrierCode" = c.code AND e."occurredAt" >= ${since} AND e.status <> 'label_created'
          ORDER BY e."occurredAt" DESC
          LIMIT ${RECENT_PARCELS * SCANS_PER_PARCEL}
        ) w
      ),
      scans AS (
        SELECT k."carrierCode", k."shipmentId", e."occurredAt",
               max(e."occurredAt") OVER (PARTITION BY k."shipmentId") AS "lastScanAt",
               count(*) OVER (PARTITION BY k."shipmentId") AS "scanCount"
        FROM candidates k
        -- Each candidate's shipment by its key (LIMIT 1 keeps the planner from hashing every shipment in history).
        CROSS JOIN LATERAL (
          SELECT s.id, s."trackingNumber" FROM "Shipment" s WHERE s.id = k."shipmentId" AND s."carrierCode" = k."carrierCode" LIMIT 1
        ) s
        JOIN "TrackingEvent" e ON e."shipmentId" = s.id AND e."trackingNumber" = s."trackingNumber"
        WHERE e.status <> 'label_created' AND e."occurredAt" >= ${since}
      ),
      ranked AS (
        SELECT "carrierCode", "shipmentId", "occurredAt",
               dense_rank() OVER (PARTITION BY "carrierCode" ORDER BY "lastScanAt" DESC, "shipmentId") AS rank
        FROM scans WHERE "scanCount" >= 2
      )
      SELECT "carrierCode", "shipmentId", "occurredAt" FROM ranked WHERE rank <= ${RECENT_PARCELS}`;
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
