import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, uniqueId } from './fixtures';
import { createHarness, type Harness, KEYS } from './harness';

/**
 * Every ops listing reaches its oldest rows: newest first, `limit` at a time, the next page from the `nextCursor` of the
 * one before. Rows written in the same millisecond (a burst of claims, a relay parking a batch) are ordered by id, so a
 * page boundary inside them neither repeats nor skips one (a delivery's id, `msg_….whsub_…`, is a cursor too). Before, /claims, /returns and /webhooks/deliveries gave their
 * newest 200 and nothing more.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Reads `path` page by page with `limit=2`; the ids in the order the pages gave them. */
async function everyPage(path: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const separator = path.includes('?') ? '&' : '?';
    const url = `${path}${separator}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await h.as(KEYS.ops, { method: 'GET', url });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    const page = response.json() as { items: Record<string, string>[]; nextCursor?: string };
    expect(page.items.length).toBeLessThanOrEqual(2);
    ids.push(...page.items.map((item) => item.id ?? item.returnId ?? item.claimId ?? ''));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error(`${path}: more than 50 pages`);
}

/** The ids sorted, after checking none came twice (their order within an instant is PostgreSQL's collation's). */
function onceEach(ids: string[]): string[] {
  expect(new Set(ids).size, ids.join(', ')).toBe(ids.length);
  return [...ids].sort();
}

describe('ops listings page to their oldest rows', () => {
  it('/claims, /returns and /webhooks/deliveries: every row once, newest first, ties by id', async () => {
    const orderId = await insertOrder(h.db);
    const carrierCode = `pg${Date.now().toString(36)}`;
    const same = new Date('2026-11-02T10:00:00.000Z');
    const claimIds = Array.from({ length: 5 }, (_, i) => uniqueId(`CLM-${i}`));
    await h.db.carrierClaim.createMany({
      data: claimIds.map((id, i) => ({
        id,
        shipmentId: `${id}-S1`,
        orderId,
        carrierCode,
        trackingNumber: `TRK${i}`,
        reason: 'lost' as const,
        amountCents: 100,
        currency: 'EUR',
        updatedBy: 'test',
        // Three at one instant: a page boundary falls inside them.
        createdAt: i < 3 ? same : new Date(same.getTime() - i * 1_000),
      })),
    });
    const claims = await everyPage(`/claims?carrierCode=${carrierCode}`);
    expect(claims.slice(0, 3).sort()).toEqual(claimIds.slice(0, 3).sort());
    expect(claims.slice(3)).toEqual([claimIds[3], claimIds[4]]);

    const returnIds = Array.from({ length: 5 }, (_, i) => uniqueId(`RET-${i}`));
    await h.db.return.createMany({
      data: returnIds.map((id) => ({
        id,
        orderId,
        idempotencyKey: `test:${id}`,
        requestHash: id,
        channel: 'ops' as const,
        requestedBy: 'test',
        reason: 'other' as const,
        status: 'expired' as const,
        warehouseCode: 'PAR1',
        workflowId: `return-${id}`,
        currency: 'EUR',
        createdAt: same,
      })),
    });
    const returns = (await everyPage('/returns?status=expired')).filter((id) => returnIds.includes(id));
    expect(onceEach(returns)).toEqual([...returnIds].sort());

    const created = await h.as(KEYS.ops, {
      method: 'POST',
      url: '/webhooks/subscriptions',
      payload: { url: 'https://example.com/pages', shopId: 'shop-a' },
    });
    const subscriptionId = (created.json() as { id: string }).id;
    const deliveryIds: string[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      const eventId = `msg_${uniqueId(`page-${seq}`)}`;
      await h.db.webhookEvent.create({
        data: { id: eventId, orderId, shopId: 'shop-a', seq, type: 'order.accepted', payload: {}, dedupeKey: `${orderId}:page:${seq}` },
      });
      const id = `${eventId}.${subscriptionId}`;
      deliveryIds.push(id);
      await h.db.webhookDelivery.create({
        data: { id, eventId, subscriptionId, orderId, seq, status: 'failed', attempts: 13, failedAt: same, createdAt: same },
      });
    }
    const deliveries = await everyPage(`/webhooks/deliveries?status=failed&subscriptionId=${subscriptionId}`);
    expect(onceEach(deliveries)).toEqual([...deliveryIds].sort());
  });
});
