import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureSku } from '../support/skus';
import { createHarness, type Harness, KEYS, newKey } from './harness';

/**
 * An expected restock announced (PUT /inventory/inbound/{reference}) while the receipt of the same reference
 * (POST /inventory/restock) is being applied. Sent at once by an ERP (a retried notice crossing the receipt), one in
 * five such pairs left the announcement `expected` after the goods were on the shelf: the receipt updated the
 * announcement's row before it was committed, and the announcement read the receipt before it was. Promises then
 * counted the same units twice, on the shelf and on their way, until someone called the notice off by hand.
 *
 * The test makes the losing order certain: an uncommitted row under the reference (another transaction's) holds the
 * announcement at its insert while the receipt runs, and is rolled back once the receipt has had its chance to finish.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

class RolledBack extends Error {}

describe('an expected restock and its receipt at once', () => {
  it('the announcement never stays expected once the receipt under its reference is applied', async () => {
    const sku = await createFixtureSku(h.db, `RACE-${newKey('s').slice(-6).toUpperCase()}`);
    const reference = `ASN-${newKey('race')}`;
    const goods = { warehouseCode: 'LYS1', skuCode: sku, quantity: 4 };
    const expectedAt = new Date(Date.now() + 3 * 86_400_000).toISOString();

    // Another transaction's row under the reference, not committed: the announcement's insert waits on it.
    const inserted = deferred();
    const rollBack = deferred();
    const holder = h.db
      .$transaction(
        async (tx) => {
          await tx.inboundStock.create({ data: { reference, ...goods, expectedAt: new Date(expectedAt) } });
          inserted.resolve();
          await rollBack.promise;
          throw new RolledBack();
        },
        { timeout: 30_000 },
      )
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    await inserted.promise;

    const announced = h.as(KEYS.ops, {
      method: 'PUT',
      url: `/inventory/inbound/${encodeURIComponent(reference)}`,
      payload: { ...goods, expectedAt },
    });
    await sleep(300);
    const received = h.as(KEYS.ops, { method: 'POST', url: '/inventory/restock', payload: { ...goods, reference } });
    await sleep(700);
    rollBack.resolve();
    await holder;
    const [announce, receipt] = await Promise.all([announced, received]);

    expect(receipt.statusCode, receipt.body).toBe(200);
    expect(receipt.json()).toMatchObject({ applied: true, onHand: 4 });
    // Either order is a truthful answer: announced before the receipt (201, then received), or refused as received (409).
    expect([201, 409], announce.body).toContain(announce.statusCode);

    const expected = await h.as(KEYS.ops, { method: 'GET', url: `/inventory/inbound?skuCode=${sku}` });
    expect(expected.json().items).toEqual([]);
    const row = await h.db.inboundStock.findUnique({ where: { reference } });
    if (announce.statusCode === 201) expect(row?.receivedAt).not.toBeNull();
    else expect(row).toBeNull();
    // The units are counted once: on the shelf.
    const level = await h.db.inventoryLevel.findUniqueOrThrow({
      where: { warehouseCode_skuCode: { warehouseCode: 'LYS1', skuCode: sku } },
    });
    expect(level.onHand).toBe(4);
  });

  it('called off while it is received: the 409 for goods received changes nothing', async () => {
    const sku = await createFixtureSku(h.db, `RACE-${newKey('s').slice(-6).toUpperCase()}`);
    const reference = `ASN-${newKey('race')}`;
    const goods = { warehouseCode: 'LYS1', skuCode: sku, quantity: 2 };
    const announce = await h.as(KEYS.ops, {
      method: 'PUT',
      url: `/inventory/inbound/${encodeURIComponent(reference)}`,
      payload: { ...goods, expectedAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(announce.statusCode, announce.body).toBe(201);
    const [receipt, callOff] = await Promise.all([
      h.as(KEYS.ops, { method: 'POST', url: '/inventory/restock', payload: { ...goods, reference } }),
      h.as(KEYS.ops, { method: 'DELETE', url: `/inventory/inbound/${encodeURIComponent(reference)}` }),
    ]);
    expect(receipt.statusCode, receipt.body).toBe(200);
    const row = await h.db.inboundStock.findUniqueOrThrow({ where: { reference } });
    expect(row.receivedAt).not.toBeNull();
    // Called off first (200, then received: both kept, as the record of what happened), or refused as received with nothing written.
    if (callOff.statusCode === 409) expect(row.cancelledAt).toBeNull();
    else expect(callOff.statusCode, callOff.body).toBe(200);
  });
});
