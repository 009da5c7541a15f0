import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createInventoryActivities } from '../../activities/inventory';
import { createShipmentPlanningActivities } from '../../activities/shipment-planning';
import { createWarehouseActivities, type PackedShipment } from '../../activities/warehouse';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';

/**
 * Packing a shipment fills no box heavier than a carrier takes (the carriers' 30 kg), as the promise packed it:
 * 100 mugs went into BOX-XL (rated 30 kg of contents, 850 g itself) as a 30.85 kg parcel no carrier would label.
 */
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await createCustomer(db, { customerId: 'cust-heavy', addressId: 'addr-heavy', name: 'Heavy Test' });
});
afterAll(() => database?.drop());

describe('packing a heavy shipment', () => {
  it('keeps every package within the heaviest parcel a carrier takes, box included', async () => {
    const orderId = 'ORD-HEAVY-1';
    await insertOrder(db, { orderId, customerId: 'cust-heavy', addressId: 'addr-heavy', skuCode: 'MUG-CER-350', quantity: 100 });
    await createInventoryActivities(db).reserveStock({ orderId });
    const [planned] = await createShipmentPlanningActivities(db).planShipments({ orderId });
    if (!planned) throw new Error('nothing planned');
    const warehouse = createWarehouseActivities(db);
    const packed: PackedShipment = await new MockActivityEnvironment().run(() =>
      warehouse.packShipment({ shipmentId: planned.shipmentId }),
    );
    const heaviest = (await db.carrier.aggregate({ _max: { maxParcelWeightGrams: true } }))._max.maxParcelWeightGrams ?? 0;
    expect(heaviest).toBe(30_000);
    expect(packed.parcels.reduce((n, p) => n + p.weightGrams, 0)).toBeGreaterThan(38_000);
    for (const parcel of packed.parcels) expect(parcel.weightGrams).toBeLessThanOrEqual(heaviest);
  });
});
