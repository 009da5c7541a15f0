import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertReturn, insertShipment, type ReturnRowOptions, returnRowData, uniqueId } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS } from './harness';

/**
 * The returns ops list (`GET /returns`, read by /ops/returns) and an order's (`GET /orders/{id}/returns`, read by the ops
 * order page). Before, ops could ask for one status at a time and the page asked for `received` and `in_transit` only: a
 * return whose label was issued and not yet handed to the carrier was on no ops page. No worker runs: the returns are rows
 * as their workflows leave them.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const EVERY_STATUS: ReturnRowOptions['status'][] = [
  'requested',
  'label_created',
  'in_transit',
  'received',
  'completed',
  'expired',
  'cancelled',
];

interface Listed {
  items: { returnId: string; status: string; createdAt: string }[];
  nextCursor?: string;
}

const list = async (url: string): Promise<Listed> => {
  const response = await h.as(KEYS.ops, { method: 'GET', url });
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json<Listed>();
};

/** An order with one return in each status, the newest last; answers the order and the returns' ids by status. */
async function orderWithEveryStatus(): Promise<{ orderId: string; ids: Record<string, string> }> {
  const orderId = await insertOrder(h.db, { status: 'completed' });
  await insertShipment(h.db, orderId);
  const ids: Record<string, string> = {};
  for (const [i, status] of EVERY_STATUS.entries()) {
    ids[status] = await insertReturn(h.db, orderId, { status, createdAt: new Date(Date.UTC(2030, 0, 1, 10, i)) });
  }
  return { orderId, ids };
}

describe('GET /returns for ops', () => {
  it('open=true lists every return not ended, a label issued and not yet handed to the carrier included; open=false the ended', async () => {
    const { orderId, ids } = await orderWithEveryStatus();
    const open = await list(`/returns?open=true&orderId=${orderId}`);
    expect(open.items.map((r) => r.status)).toEqual(['received', 'in_transit', 'label_created', 'requested']);
    expect(open.items.map((r) => r.returnId)).toContain(ids.label_created);
    const ended = await list(`/returns?open=false&orderId=${orderId}`);
    expect(ended.items.map((r) => r.status)).toEqual(['cancelled', 'expired', 'completed']);
    // Every return of the order, newest first; one status still reads alone.
    expect((await list(`/returns?orderId=${orderId}`)).items.map((r) => r.status)).toEqual([...EVERY_STATUS].reverse());
    expect((await list(`/returns?status=label_created&orderId=${orderId}`)).items.map((r) => r.returnId)).toEqual([ids.label_created]);
  });

  it('refuses a status with open, an orderId that is no id and open that is not true or false, naming the field', async () => {
    for (const [query, field] of [
      ['status=received&open=true', 'query.open'],
      ['open=yes', 'query.open'],
      ['orderId=a%20b', 'query.orderId'],
    ] as const) {
      const response = await h.as(KEYS.ops, { method: 'GET', url: `/returns?${query}` });
      expect(
        expectErrorShape(response, 400, 'validation_failed').details?.map((d) => d.path),
        query,
      ).toEqual([field]);
    }
    // A shop's key lists its order's returns, never every shop's.
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: '/returns?open=true' }), 403, 'forbidden');
  });

  it('pages 1,200 open returns newest first, each once, and a page of open returns is no cursor for another filter', async () => {
    const orderId = await insertOrder(h.db, { status: 'completed' });
    await insertShipment(h.db, orderId);
    const statuses: ReturnRowOptions['status'][] = ['label_created', 'in_transit', 'received', 'completed', 'requested', 'expired'];
    // Four in six open, many sharing one instant: the page boundary falls between rows of the same createdAt.
    const rows = Array.from({ length: 1_800 }, (_, i) =>
      returnRowData(orderId, {
        status: statuses[i % statuses.length] ?? 'received',
        returnId: `RMA-${uniqueId('P').replace(/[^A-Z0-9]/g, '')}${String(i).padStart(4, '0')}`,
        createdAt: new Date(Date.UTC(2031, 0, 1, 0, 0, Math.floor(i / 7))),
      }),
    );
    await h.db.return.createMany({ data: rows });
    const openIds = new Set(rows.filter((r) => !['completed', 'expired'].includes(r.status)).map((r) => r.id));
    expect(openIds.size).toBe(1_200);

    const seen: Listed['items'] = [];
    let url = `/returns?open=true&orderId=${orderId}&limit=200`;
    let first: Listed | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await list(url);
      first ??= page;
      seen.push(...page.items);
      if (!page.nextCursor) break;
      url = `/returns?open=true&orderId=${orderId}&limit=200&cursor=${page.nextCursor}`;
    }
    expect(seen).toHaveLength(1_200);
    expect(new Set(seen.map((r) => r.returnId))).toEqual(openIds);
    const keys = seen.map((r) => `${r.createdAt}|${r.returnId}`);
    expect(keys).toEqual([...keys].sort().reverse());
    const cursor = first?.nextCursor ?? '';
    expectErrorShape(
      await h.as(KEYS.ops, { method: 'GET', url: `/returns?open=false&orderId=${orderId}&limit=200&cursor=${cursor}` }),
      400,
      'validation_failed',
    );
    // The order's own listing pages the same way (the ops order page follows it to the end).
    const ofOrder = await h.as(KEYS.ops, { method: 'GET', url: `/orders/${orderId}/returns?limit=150` });
    expect(ofOrder.json<Listed>().items).toHaveLength(150);
    const next = ofOrder.json<Listed>().nextCursor;
    const second = await list(`/orders/${orderId}/returns?limit=150&cursor=${next}`);
    expect(second.items[0]?.returnId).not.toBe(ofOrder.json<Listed>().items[0]?.returnId);
  });
});
