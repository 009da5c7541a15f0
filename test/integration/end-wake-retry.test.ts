import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayWaker } from '../../activities/notifications/outbox';
import { createStageTimingActivities } from '../../activities/stage-timing';
import { relayIds } from '../../domain/notifications';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertOrder } from '../support/orders-in-db';

/**
 * The order's end is written, its mail recorded, and Temporal does not take the relay's wake-up (an outage at that
 * instant): the activity fails and Temporal retries it. The retry found the order ended and recorded nothing, so it woke
 * nothing either: the customer's cancel mail waited for the relay's six-hourly sweep, or for some other order's mail.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.customer.create({ data: { id: 'cust-wake', name: 'Wake Test', email: 'wake@example.com' } });
  await database.db.address.create({
    data: {
      id: 'addr-wake',
      customerId: 'cust-wake',
      name: 'Wake Test',
      line1: '1 rue de la Paix',
      city: 'Lyon',
      postalCode: '69002',
      countryCode: 'FR',
    },
  });
});
afterAll(() => database?.drop());

describe('an order end whose relay wake-up failed', () => {
  it('is retried, and the retry wakes the relay of the mail already recorded, recording nothing twice', async () => {
    const db = database.db;
    await insertOrder(db, { orderId: 'ORD-WAKE-1', customerId: 'cust-wake', addressId: 'addr-wake', skuCode: 'MUG-CER-350', quantity: 1 });
    const woken: string[][] = [];
    let temporalDown = true;
    const waker: RelayWaker = {
      wake: async (ids) => {
        if (temporalDown) throw new Error('Temporal unreachable');
        woken.push([...ids]);
      },
    };
    const stages = createStageTimingActivities(db, waker);
    await stages.recordOrderStage({ orderId: 'ORD-WAKE-1', status: 'fulfilling', stages: [] });
    const end = { orderId: 'ORD-WAKE-1', status: 'cancelled' as const, stages: [], endReason: 'customer changed their mind' };
    await expect(stages.recordOrderStage(end)).rejects.toThrow();
    expect(woken).toEqual([]);

    temporalDown = false;
    await stages.recordOrderStage(end);
    expect(woken).toEqual([[relayIds.mail]]);
    expect(await db.customerMail.count({ where: { orderId: 'ORD-WAKE-1' } })).toBe(1);
    // Woken: a further retry finds it marked and signals nothing more.
    await stages.recordOrderStage(end);
    expect(woken).toEqual([[relayIds.mail]]);
  });
});
