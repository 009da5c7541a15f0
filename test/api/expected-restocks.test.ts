import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectedRestockParamsSchema } from '../../domain/expected-restocks';
import { createHarness, expectErrorShape, type Harness, KEYS, newKey, orderRequest } from './harness';
import { createFixtureSku } from '../support/skus';

/**
 * Expected restocks over the API: an ERP or ops announce goods on their way (PUT by reference), re-date them, call them
 * off, and receive them (POST /inventory/restock under the same reference). Backorders are promised from what is
 * expected; before, the only restock the engine knew was the demo seed's, and a receipt left it "expected" for good, so
 * the same units counted twice (on the shelf and on their way).
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const DAY = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const put = (reference: string, payload: Record<string, unknown>, key: (typeof KEYS)[keyof typeof KEYS] = KEYS.ops) =>
  h.as(key, { method: 'PUT', url: `/inventory/inbound/${encodeURIComponent(reference)}`, payload });
const list = (query = '') => h.as(KEYS.ops, { method: 'GET', url: `/inventory/inbound${query}` });
const promiseFor = async (sku: string) =>
  (
    await h.as(KEYS.intake, {
      method: 'POST',
      url: '/orders',
      headers: { 'idempotency-key': newKey('inbound') },
      payload: orderRequest({ lines: [{ sku, quantity: 1 }] }),
    })
  ).json().promise as { basis: string; shipBy: string; confidence: number };

/** A SKU only one test knows, with nothing on any shelf. */
async function newSku(label: string): Promise<string> {
  const code = `${label}-${newKey('s').slice(-6).toUpperCase()}`;
  await createFixtureSku(h.db, code);
  return code;
}

describe('expected restocks', () => {
  it('announced, a backorder is promised from it; re-dated, the promise follows; called off, nothing dates it', async () => {
    const sku = await newSku('INB');
    expect((await promiseFor(sku)).basis).toBe('restock_unknown');
    const reference = 'PO-2026/0042 line 3';
    const created = await put(reference, { warehouseCode: 'LYS1', skuCode: sku, quantity: 20, expectedAt: at(5) });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      reference,
      warehouseCode: 'LYS1',
      skuCode: sku,
      quantity: 20,
      status: 'expected',
      overdue: false,
      signalledOrders: [],
    });
    h.app.promises.invalidateFacts();
    const dated = await promiseFor(sku);
    expect(dated.basis).toBe('backorder');
    expect(Date.parse(dated.shipBy)).toBeGreaterThan(Date.now() + 5 * DAY - 60_000);

    // The same again changes nothing; a new date is a 200 and moves the next promise.
    const again = await put(reference, { warehouseCode: 'LYS1', skuCode: sku, quantity: 20, expectedAt: created.json().expectedAt });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(created.json());
    const later = await put(reference, { warehouseCode: 'LYS1', skuCode: sku, quantity: 20, expectedAt: at(9) });
    expect(later.statusCode).toBe(200);
    h.app.promises.invalidateFacts();
    expect(Date.parse((await promiseFor(sku)).shipBy)).toBeGreaterThan(Date.now() + 9 * DAY - 60_000);
    expect((await list(`?skuCode=${sku}`)).json().items).toMatchObject([
      { reference, expectedAt: later.json().expectedAt, status: 'expected' },
    ]);

    const cancelled = await h.as(KEYS.ops, { method: 'DELETE', url: `/inventory/inbound/${encodeURIComponent(reference)}` });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String) });
    h.app.promises.invalidateFacts();
    expect((await promiseFor(sku)).basis).toBe('restock_unknown');
    expect((await list(`?skuCode=${sku}`)).json().items).toEqual([]);
    expect((await list(`?skuCode=${sku}&status=cancelled`)).json().items).toMatchObject([{ reference }]);
    // Announced again, it counts again.
    expect((await put(reference, { warehouseCode: 'LYS1', skuCode: sku, quantity: 20, expectedAt: at(9) })).json()).toMatchObject({
      status: 'expected',
    });
  });

  it('received under its reference, it is on the shelf and no longer on its way; nothing more is expected under it', async () => {
    const sku = await newSku('RCV');
    const reference = `ASN-${sku}`;
    await put(reference, { warehouseCode: 'PAR1', skuCode: sku, quantity: 6, expectedAt: at(3) });
    // Another SKU received under the announced reference: refused, nothing added.
    const other = await newSku('OTH');
    const wrong = await h.as(KEYS.ops, {
      method: 'POST',
      url: '/inventory/restock',
      payload: { warehouseCode: 'PAR1', skuCode: other, quantity: 6, reference },
    });
    expect(expectErrorShape(wrong, 409, 'idempotency_conflict').details?.map((d) => d.path)).toEqual(['body.reference']);
    expect(await h.db.inventoryLevel.count({ where: { skuCode: other } })).toBe(0);

    // Late: still expected, flagged for ops to chase or re-date.
    await h.db.inboundStock.update({ where: { reference }, data: { expectedAt: new Date(Date.now() - 3_600_000) } });
    expect((await list(`?skuCode=${sku}`)).json().items).toMatchObject([{ reference, status: 'expected', overdue: true }]);
    const receipt = await h.as(KEYS.ops, {
      method: 'POST',
      url: '/inventory/restock',
      payload: { warehouseCode: 'PAR1', skuCode: sku, quantity: 5, reference },
    });
    expect(receipt.statusCode, receipt.body).toBe(200);
    expect((await list(`?skuCode=${sku}&status=received`)).json().items).toMatchObject([{ reference, status: 'received', quantity: 6 }]);
    expect((await list(`?skuCode=${sku}`)).json().items).toEqual([]);
    h.app.promises.invalidateFacts();
    expect((await promiseFor(sku)).basis).toBe('in_stock');

    const reannounced = await put(reference, { warehouseCode: 'PAR1', skuCode: sku, quantity: 6, expectedAt: at(3) });
    expect(reannounced.statusCode).toBe(409);
    const called = await h.as(KEYS.ops, { method: 'DELETE', url: `/inventory/inbound/${encodeURIComponent(reference)}` });
    expect(called.statusCode).toBe(409);
    // A reference used by a receipt nobody announced cannot be announced either.
    const plain = `GRN-${sku}`;
    await h.as(KEYS.ops, {
      method: 'POST',
      url: '/inventory/restock',
      payload: { warehouseCode: 'PAR1', skuCode: sku, quantity: 1, reference: plain },
    });
    expect((await put(plain, { warehouseCode: 'PAR1', skuCode: sku, quantity: 1, expectedAt: at(3) })).statusCode).toBe(409);
  });

  it('announced five times at once: one 201, four 200, one row; for other goods at once: the later ones 409', async () => {
    const sku = await newSku('CONC');
    const body = { warehouseCode: 'MAD1', skuCode: sku, quantity: 8, expectedAt: at(2) };
    const answers = await Promise.all(Array.from({ length: 5 }, () => put(`CONC-${sku}`, body)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(await h.db.inboundStock.count({ where: { reference: `CONC-${sku}` } })).toBe(1);
    const mixed = await Promise.all(['MAD1', 'HAM1', 'HAM1'].map((warehouseCode) => put(`MIX-${sku}`, { ...body, warehouseCode })));
    const statuses = mixed.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 201 || s === 200 || s === 409)).toBe(true);
    const kept = await h.db.inboundStock.findUniqueOrThrow({ where: { reference: `MIX-${sku}` } });
    // Whoever won, the others for other goods were refused, never written over it.
    for (const [i, answer] of mixed.entries()) {
      const asked = ['MAD1', 'HAM1', 'HAM1'][i];
      expect(answer.statusCode === 409).toBe(asked !== kept.warehouseCode);
    }
  });

  it('refuses what it cannot be, naming the field, and changes nothing', async () => {
    const sku = await newSku('BAD');
    const good = { warehouseCode: 'PAR1', skuCode: sku, quantity: 3, expectedAt: at(4) };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...good, expectedAt: at(-1) }, 400, 'body.expectedAt'],
      [{ ...good, expectedAt: at(400) }, 400, 'body.expectedAt'],
      [{ ...good, expectedAt: 'next tuesday' }, 400, 'body.expectedAt'],
      [{ ...good, expectedAt: '2027-01-05T10:00:00' }, 400, 'body.expectedAt'],
      [{ ...good, quantity: 0 }, 400, 'body.quantity'],
      [{ ...good, quantity: 2.5 }, 400, 'body.quantity'],
      [{ ...good, warehouseCode: 'NOPE1' }, 400, 'body.warehouseCode'],
      [{ ...good, skuCode: 'NO-SUCH-SKU' }, 400, 'body.skuCode'],
      [{ ...good, skuCode: 'lower-case' }, 400, 'body.skuCode'],
    ];
    for (const [payload, status, path] of cases) {
      const answer = await put(`REF-${sku}`, payload);
      expect(answer.statusCode, JSON.stringify(payload)).toBe(status);
      expect(JSON.stringify(answer.json().error.details)).toContain(path);
    }
    expect(await h.db.inboundStock.count({ where: { skuCode: sku } })).toBe(0);
    // The same reference for other goods than announced.
    await put(`REF-${sku}`, good);
    const moved = await put(`REF-${sku}`, { ...good, warehouseCode: 'LYS1' });
    expect(expectErrorShape(moved, 409, 'idempotency_conflict').details?.map((d) => d.path)).toEqual(['body.warehouseCode']);
    // Ops only; a reference too long; one never announced.
    expect((await put(`REF2-${sku}`, good, KEYS.intake)).statusCode).toBe(403);
    expect((await put('x'.repeat(201), good)).statusCode).toBe(400);
    // "." and "..": a browser's URL parser reads them as path steps (so does this harness's: `%2E%2E` reaches the API only
    // from clients that send the path as is, such as curl), so /ops/stock could never call such a restock off.
    for (const reference of ['.', '..']) {
      expect(ExpectedRestockParamsSchema.safeParse({ reference }).error?.issues.map((i) => i.message)).toEqual([
        'expected more than dots: "." and ".." name no resource in a URL',
      ]);
      const receipt = await h.as(KEYS.ops, {
        method: 'POST',
        url: '/inventory/restock',
        headers: { 'idempotency-key': newKey('dots') },
        payload: { warehouseCode: 'PAR1', skuCode: sku, quantity: 1, reference },
      });
      expect(expectErrorShape(receipt, 400, 'validation_failed').details?.map((d) => d.path)).toEqual(['body.reference']);
    }
    expect((await h.as(KEYS.ops, { method: 'DELETE', url: '/inventory/inbound/NEVER-ANNOUNCED' })).statusCode).toBe(404);
    expect((await list('?status=lost')).statusCode).toBe(400);
    expect((await list('?limit=0')).statusCode).toBe(400);
  });
});
