import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderViewFromDb } from '../../api/services/views';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createCustomer, insertOrder } from '../support/orders-in-db';

/**
 * The order view rebuilt from the database (Temporal unreachable, or the workflow's history gone after retention) ends
 * where the order ended, as the workflow's own timeline does. It gave a cancelled order its end only: a failed or
 * completed order's timeline stopped at the last stage it visited, as if still under way.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await createCustomer(database.db, { customerId: 'cust-end', addressId: 'addr-end', name: 'End Test' });
});
afterAll(() => database?.drop());

describe('the timeline read from the database', () => {
  it.each(['failed', 'completed', 'cancelled'] as const)(
    'of a %s order ends with that stage, when it ended, and no reason',
    async (status) => {
      const orderId = `ord-end-${status}`;
      await insertOrder(database.db, { orderId, customerId: 'cust-end', addressId: 'addr-end', skuCode: 'MUG-CER-350', quantity: 1 });
      const endedAt = new Date('2026-12-04T10:15:00.000Z');
      await database.db.order.update({
        where: { id: orderId },
        data: { status, completedAt: endedAt, endReason: status === 'completed' ? null : 'ops: fraud suspected' },
      });
      const stored = await orderViewFromDb(database.db, orderId);
      const timeline = stored?.view.timeline ?? [];
      expect(timeline.at(-1)).toEqual({ at: endedAt.toISOString(), kind: 'stage', label: status });
      expect(JSON.stringify(timeline)).not.toContain('fraud');
    },
  );

  it('of an order under way has no end', async () => {
    await insertOrder(database.db, {
      orderId: 'ord-end-open',
      customerId: 'cust-end',
      addressId: 'addr-end',
      skuCode: 'MUG-CER-350',
      quantity: 1,
    });
    const stored = await orderViewFromDb(database.db, 'ord-end-open');
    expect(stored?.view.timeline).toEqual([]);
  });
});
