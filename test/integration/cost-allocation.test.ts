import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createInventoryActivities } from '../../activities/inventory';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertOrder } from '../support/orders-in-db';

/**
 * Allocation by total cost to the customer's door against the promise, on the seeded network: a mug is
 * held at PAR1, LYS1 and HAM1; the old rule took the lowest warehouse code (HAM1) whatever the address.
 */
let database: TestDatabase;
let db: Db;
let seq = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await db.customer.create({ data: { id: 'cust-cost', name: 'Cost Test' } });
  const address = (id: string, city: string, postalCode: string, countryCode: string) =>
    db.address.create({ data: { id, customerId: 'cust-cost', name: 'Cost Test', line1: '1 Hauptstrasse', city, postalCode, countryCode } });
  await address('addr-lyon', 'Lyon', '69002', 'FR');
  await address('addr-hamburg', 'Hamburg', '20095', 'DE');
});
afterAll(() => database?.drop());

async function order(addressId: string, skuCode: string, quantity: number): Promise<string> {
  seq += 1;
  const orderId = `ORD-COST-${seq}`;
  await insertOrder(db, { orderId, customerId: 'cust-cost', addressId, skuCode, quantity });
  return orderId;
}

const warehousesOf = (result: { held: { warehouseCode: string }[] }) => [...new Set(result.held.map((r) => r.warehouseCode))];

describe('allocation by cost to the door', () => {
  it('ships a mug to Lyon from a French warehouse, as the baseline now does too', async () => {
    const byCost = createInventoryActivities(db);
    const baseline = createInventoryActivities(db, { decisions: { rules: 'baseline', promiseConfidence: 0.95, onTimeTarget: 0.95 } });
    const lyon = await byCost.reserveStock({ orderId: await order('addr-lyon', 'MUG-CER-350', 1) });
    expect(['PAR1', 'LYS1']).toContain(warehousesOf(lyon)[0]);
    const old = await baseline.reserveStock({ orderId: await order('addr-lyon', 'MUG-CER-350', 1) });
    // The baseline is main's rule now: the customer's country before the lowest code (Hamburg before the express fix).
    expect(['PAR1', 'LYS1']).toContain(warehousesOf(old)[0]);
  });

  it('ships the same mug to Hamburg from Hamburg', async () => {
    const byCost = createInventoryActivities(db);
    const hamburg = await byCost.reserveStock({ orderId: await order('addr-hamburg', 'MUG-CER-350', 1) });
    expect(warehousesOf(hamburg)).toEqual(['HAM1']);
  });

  it('leaves the mugs another order was promised at HAM1 to it when a French warehouse still keeps the promise; takes them when nothing else can', async () => {
    const byCost = createInventoryActivities(db);
    const free = async (warehouseCode: string) => {
      const level = await db.inventoryLevel.findUniqueOrThrow({
        where: { warehouseCode_skuCode: { warehouseCode, skuCode: 'MUG-CER-350' } },
      });
      return level.onHand - level.reserved;
    };
    // Promised at intake, not reserved yet: every free mug at HAM1.
    const holdUntil = new Date(Date.now() + 3_600_000);
    await db.promisedStock.create({
      data: { orderId: 'ORD-PROMISED-HAM1', warehouseCode: 'HAM1', skuCode: 'MUG-CER-350', quantity: await free('HAM1'), holdUntil },
    });
    try {
      const around = await byCost.reserveStock({ orderId: await order('addr-hamburg', 'MUG-CER-350', 1) });
      expect(['PAR1', 'LYS1']).toContain(warehousesOf(around)[0]);
      // Every mug anywhere promised to others: first to reserve, first served, as before holds (the others re-promise).
      const others = await Promise.all(['PAR1', 'LYS1'].map(async (code) => ({ code, quantity: await free(code) })));
      await db.promisedStock.createMany({
        data: others.map(({ code, quantity }) => ({
          orderId: `ORD-PROMISED-${code}`,
          warehouseCode: code,
          skuCode: 'MUG-CER-350',
          quantity,
          holdUntil,
        })),
      });
      const taken = await byCost.reserveStock({ orderId: await order('addr-hamburg', 'MUG-CER-350', 1) });
      expect(warehousesOf(taken)).toEqual(['HAM1']);
    } finally {
      await db.promisedStock.deleteMany({});
    }
  });

  it('reserves nothing at a warehouse ops marked down, and the retry of a reservation reserves nothing twice', async () => {
    const byCost = createInventoryActivities(db);
    await db.warehouse.update({ where: { code: 'HAM1' }, data: { downSince: new Date(), downReason: 'test outage' } });
    try {
      const orderId = await order('addr-hamburg', 'MUG-CER-350', 2);
      const first = await byCost.reserveStock({ orderId });
      expect(warehousesOf(first)).not.toContain('HAM1');
      const again = await byCost.reserveStock({ orderId });
      expect(again.held).toEqual(first.held);
      const movements = await db.inventoryMovement.findMany({ where: { orderId, kind: 'reserve' } });
      expect(movements.reduce((sum, m) => sum + m.reservedDelta, 0)).toBe(2);
    } finally {
      await db.warehouse.update({ where: { code: 'HAM1' }, data: { downSince: null, downReason: null } });
    }
  });
});
