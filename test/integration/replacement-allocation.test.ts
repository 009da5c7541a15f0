import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costContext } from '../../activities/cost-allocation';
import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { createReshipActivities } from '../../activities/reships';
import { noRelayWaker } from '../../activities/notifications/outbox';
import { DEFAULT_DECISION_SETTINGS } from '../../domain/decision-rules';
import { ids } from '../../domain/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';

/**
 * Where the replacement of a lost parcel leaves from, under the promise rules: the cheapest warehouse that
 * still gets it to the customer by the date promised at intake. Here a mug to Hamburg was lost; HAM1 (next
 * door, cheapest) has no pick capacity left for a week, PAR1 and LYS1 can pick today. The loss moved the
 * order's promise three weeks out: measured against that, HAM1 in a week is cheapest and "on time"; against
 * the date the customer was first told (six days), only a French warehouse keeps it. A week, not ten days: HAM1's
 * first free day must leave its parcel time to arrive within the three weeks whatever day the test runs on (run on
 * 7 December, ten full days put HAM1's pick on Friday 18th and its delivery into the German Christmas holidays).
 */
let database: TestDatabase;
let db: Db;
let seq = 0;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await createCustomer(
    db,
    { customerId: 'CUST-RPL', addressId: 'ADDR-RPL', name: 'Replacement Test' },
    {
      line1: '1 Hauptstrasse',
      city: 'Hamburg',
      postalCode: '20095',
      countryCode: 'DE',
    },
  );
  const { dailyCapacityShipments } = await db.warehouse.findUniqueOrThrow({ where: { code: 'HAM1' } });
  for (let i = -1; i < 8; i++) {
    const day = new Date(`${new Date(Date.now() + i * DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`);
    await db.warehouseCapacityDay.create({ data: { warehouseCode: 'HAM1', day, booked: dailyCapacityShipments } });
  }
}, 120_000);
afterAll(() => database?.drop());

/** An order to Hamburg promised in six days at intake, re-promised to three weeks, whose HAM1 parcel was lost. */
async function orderWithLostParcel(): Promise<{ orderId: string; lostShipmentId: string }> {
  seq += 1;
  const orderId = `ORD-RPL-${seq}`;
  const now = Date.now();
  await insertOrder(db, {
    orderId,
    customerId: 'CUST-RPL',
    addressId: 'ADDR-RPL',
    skuCode: 'MUG-CER-350',
    quantity: 1,
    promisedBy: new Date(now + 21 * DAY_MS),
  });
  await db.order.update({ where: { id: orderId }, data: { originalPromisedBy: new Date(now + 6 * DAY_MS) } });
  const lostShipmentId = ids.shipmentId(orderId, 1);
  await db.shipment.create({
    data: {
      id: lostShipmentId,
      orderId,
      seq: 1,
      warehouseCode: 'HAM1',
      workflowId: ids.shipmentWorkflowId(lostShipmentId),
      status: 'lost',
      promisedBy: new Date(now + 21 * DAY_MS),
      lines: { create: [{ orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1 }] },
    },
  });
  return { orderId, lostShipmentId };
}

async function replacementWarehouse(against: 'intake' | 'current' | 'baseline'): Promise<string[]> {
  const facts = new PlanningFacts(db, { situationTtlMs: 0 });
  const reships = createReshipActivities(db, noRelayWaker, (orderId) =>
    against === 'baseline' ? Promise.resolve(undefined) : costContext({ db, facts, settings: DEFAULT_DECISION_SETTINGS }, orderId, against),
  );
  const { orderId, lostShipmentId } = await orderWithLostParcel();
  const plan = await reships.reserveReplacement({ orderId, lostShipmentId, reason: 'lost in transit' });
  expect(plan.shortages).toEqual([]);
  return plan.planned.map((p) => p.warehouseCode);
}

describe("a lost parcel's replacement", () => {
  it('leaves from a warehouse that still keeps the date promised at intake, not the one the loss moved it to', async () => {
    const [warehouse] = await replacementWarehouse('intake');
    expect(['PAR1', 'LYS1']).toContain(warehouse);
  });

  it('would wait for the full warehouse next door if only the moved promise counted, as the baseline rule does', async () => {
    expect(await replacementWarehouse('current')).toEqual(['HAM1']);
    expect(await replacementWarehouse('baseline')).toEqual(['HAM1']);
  });
});
