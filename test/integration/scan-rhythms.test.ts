import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { ScanRhythms } from '../../activities/scan-rhythm';
import { ids } from '../../domain/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';
import { insertDeliveredParcel, type PastScan } from '../support/delivered-parcels';

/**
 * The scan rhythms read back from PostgreSQL (activities/scan-rhythm.ts): each carrier's rhythm is learned from its
 * 200 most recently scanned parcels that have a silence to learn (two transit scans or more), from their current
 * label's scans only, and from that carrier's parcels alone.
 */
let database: TestDatabase;
let db: Db;
let seq = 0;
const HOUR = 3_600_000;
const NOW = Date.now();

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await createCustomer(db, { customerId: 'cust-sr', addressId: 'addr-sr', name: 'Rhythm Test' });
});
afterAll(() => database?.drop());

/** A parcel of `carrierCode` scanned `transitScans` times `gapHours` apart, its last scan `lastScanAgoHours` ago. */
async function scannedParcel(carrierCode: string, transitScans: number, gapHours: number, lastScanAgoHours: number): Promise<string> {
  seq += 1;
  const orderId = `ORD-SR-${seq}`;
  const lastMs = NOW - lastScanAgoHours * HOUR;
  const firstMs = lastMs - (transitScans - 1) * gapHours * HOUR;
  const scans: PastScan[] = [
    { status: 'label_created', at: new Date(firstMs - 30 * HOUR) },
    ...Array.from({ length: transitScans }, (_, i) => ({ status: 'in_transit' as const, at: new Date(firstMs + i * gapHours * HOUR) })),
  ];
  const promisedBy = new Date(NOW + 48 * HOUR);
  await insertOrder(db, { orderId, customerId: 'cust-sr', addressId: 'addr-sr', skuCode: 'MUG-CER-350', quantity: 1, promisedBy });
  await insertDeliveredParcel(db, { orderId, seq: 1, warehouseCode: 'PAR1', carrierCode, promisedBy, scans });
  return ids.shipmentId(orderId, 1);
}

describe('scan rhythms read from PostgreSQL', () => {
  it("learns each carrier from its 200 latest parcels with a silence, on their current label's scans", async () => {
    // Oldest first: 50 parcels with 20-hour silences, then 40 with 10-hour ones, then 180 with 3-hour ones, then the 30
    // newest with one transit scan only (no silence: they take no place among the 200).
    for (let i = 0; i < 50; i++) await scannedParcel('swiftpost', 4, 20, 200 + i);
    for (let i = 0; i < 40; i++) await scannedParcel('swiftpost', 4, 10, 100 + i);
    const recent: string[] = [];
    for (let i = 0; i < 180; i++) recent.push(await scannedParcel('swiftpost', 4, 3, 10 + i * 0.25));
    for (let i = 0; i < 30; i++) await scannedParcel('swiftpost', 1, 0, 1 + i * 0.1);
    // One recent parcel was re-booked: its voided label's scans (30 hours apart, as recent) were another parcel.
    const rebooked = recent[0] ?? '';
    await db.trackingEvent.createMany({
      data: [0, 1, 2].map((i) => ({
        id: `VOID-${i}`,
        shipmentId: rebooked,
        carrierCode: 'swiftpost',
        carrierEventId: `VOID-${i}`,
        trackingNumber: 'VOIDED-LABEL',
        carrierStatusCode: 'history',
        status: 'in_transit' as const,
        occurredAt: new Date(NOW - (5 + 30 * i) * HOUR),
        source: 'webhook' as const,
      })),
    });
    // Another carrier's parcels, every 8 hours, as recent as SwiftPost's.
    for (let i = 0; i < 25; i++) await scannedParcel('parcelnord', 3, 8, 5 + i);

    const rhythms = new ScanRhythms(db);
    // The 180 three-hour parcels and the 20 latest ten-hour ones: 10 h × 1.5 at each step.
    expect(await rhythms.of('swiftpost', NOW)).toEqual({ windowHours: [15, 15, 15], parcels: 200 });
    // 25 parcels, two silences each (steps 1 and 2): 8 h × 1.5; no third step.
    expect(await rhythms.of('parcelnord', NOW)).toEqual({ windowHours: [12, 12, null], parcels: 25 });
    expect(await rhythms.of('ecoroute', NOW)).toBeUndefined();
  });
});
