import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayWaker } from '../../activities/notifications/outbox';
import { STALLED_RELAY_AFTER_MS, wakeStalledRelays } from '../../activities/notifications/stalled-relays';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * A relay terminated in Temporal never clears its wake-up mark, and writers re-send a wake-up only when they write a
 * minute after it: what it had to send waited for the shop's next event (90 s in a hostile check; on a quiet shop, for
 * good). The notify worker wakes a relay whose mark has stood past STALLED_RELAY_AFTER_MS, once.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe('wakeStalledRelays', () => {
  it('wakes a relay whose wake-up mark has stood too long, once; not one whose mark is fresh or cleared', async () => {
    const db = database.db;
    const now = Date.now();
    const longAgo = new Date(now - STALLED_RELAY_AFTER_MS - 60_000);
    await db.notificationRelay.createMany({
      data: [
        { id: 'mail', wakePending: true, updatedAt: longAgo },
        { id: 'webhooks:whsub_fresh', wakePending: true, updatedAt: new Date(now) },
        { id: 'webhooks:whsub_done', wakePending: false, updatedAt: longAgo },
      ],
    });
    const woken: string[][] = [];
    const waker: RelayWaker = { wake: async (ids) => void woken.push([...ids]) };

    expect(await wakeStalledRelays(db, waker, now)).toEqual(['mail']);
    expect(woken).toEqual([['mail']]);
    // Marked again as it was woken: the next look, by this worker or another, leaves it to the relay.
    expect(await wakeStalledRelays(db, waker, now)).toEqual([]);
    expect(woken).toHaveLength(1);
    const mail = await db.notificationRelay.findUniqueOrThrow({ where: { id: 'mail' } });
    expect(mail).toMatchObject({ wakePending: true });
    expect(mail.updatedAt.getTime()).toBeGreaterThan(longAgo.getTime());
  });
});
