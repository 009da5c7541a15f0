import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { createOrderActivities } from '../../activities/orders';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { DEFAULT_ORDER, orderInputFor } from '../support/journey';

/**
 * The order workflow's first write, as a shop's first orders reach it: together. The shop's row is created by
 * whichever order comes first; none of the others may fail on it (each failure is a retried attempt and a
 * warning in the worker's log, and under a burst a longer wait for the customer's confirmation).
 */
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database?.drop());

const input = (orderId: string, shop: string, customerId: string) =>
  orderInputFor(orderId, shop, { customer: { ...DEFAULT_ORDER.customer, id: customerId } });

describe('recording orders', () => {
  it("a new shop's first orders recorded at the same instant all succeed, and the shop exists once", async () => {
    const orders = createOrderActivities(db);
    const shop = 'shop-first-burst';
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => orders.recordOrder(input(`ORD-REC-${i}`, shop, `CUST-REC-${i}`))),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(await db.shop.count({ where: { id: shop } })).toBe(1);
    expect(await db.order.count({ where: { id: { startsWith: 'ORD-REC-' } } })).toBe(12);
  });

  it('one customer placing orders at the same instant (a double-submitted basket) records each order once', async () => {
    const orders = createOrderActivities(db);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => orders.recordOrder(input(`ORD-SAME-${i}`, 'shop-same-customer', 'CUST-SAME'))),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(await db.customer.count({ where: { id: 'CUST-SAME' } })).toBe(1);
    expect(await db.order.count({ where: { customerId: 'CUST-SAME' } })).toBe(8);
  });
  it('marks its intake recorded: the list of orders stops reading it as accepted only', async () => {
    const orders = createOrderActivities(db);
    const order = input('ORD-REC-INTAKE', 'shop-intake', 'CUST-REC-INTAKE');
    await db.orderIntake.create({
      data: {
        orderId: order.orderId,
        workflowId: `order-${order.orderId}`,
        idempotencyKey: order.idempotencyKey,
        requestHash: order.requestHash,
        submittedBy: 'shop-intake',
        input: JSON.parse(JSON.stringify(order)),
        receivedAt: new Date(order.receivedAt),
      },
    });
    await orders.recordOrder(order);
    // A retried recording finds the order and leaves the mark as it was.
    const { recordedAt } = await db.orderIntake.findUniqueOrThrow({ where: { orderId: order.orderId } });
    expect(recordedAt).toBeInstanceOf(Date);
    expect(await orders.recordOrder(order)).toMatchObject({ alreadyRecorded: true });
    expect((await db.orderIntake.findUniqueOrThrow({ where: { orderId: order.orderId } })).recordedAt).toEqual(recordedAt);
  });
});
