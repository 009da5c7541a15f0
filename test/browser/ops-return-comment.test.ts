import { describe, expect, it } from 'vitest';
import { insertOrder, insertShipment } from '../api/fixtures';
import { KEYS } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';

/**
 * The customer's comment on a return, where ops inspect it: `GET /returns/{id}` and the /ops/returns row, in a real headless
 * Chromium. Before: the comment (the tracking page's "Anything to add?", the shop's `comment`) was stored with the return and
 * shown nowhere, so the inspector deciding "restock all" or "write off all" never read "the box was open and wet". It is
 * drawn as text: a comment holding markup stays words. No worker runs: the return is a row at the warehouse.
 */
const served = servedInChromium();

const COMMENT = 'Le carton était ouvert\nsur le côté <img id="injected" src=x> & mouillé';

async function receivedReturn(comment: string | null): Promise<string> {
  const { h } = served;
  const orderId = await insertOrder(h.db, { status: 'completed', submittedBy: KEYS.intake.name });
  await insertShipment(h.db, orderId);
  const returnId = `RMA-${orderId.replace(/[^A-Z0-9]/g, '')}`;
  await h.db.return.create({
    data: {
      id: returnId,
      orderId,
      idempotencyKey: `comment:${returnId}`,
      requestHash: 'h',
      channel: 'customer',
      requestedBy: 'tracking-page',
      reason: 'damaged',
      comment,
      status: 'received',
      warehouseCode: 'PAR1',
      workflowId: `return-${returnId}`,
      startedAt: new Date(),
      receivedAt: new Date(),
      currency: 'EUR',
      lines: { create: [{ lineNo: 1, orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1, unitPriceCents: 1290 }] },
    },
  });
  return returnId;
}

describe("the customer's comment on a return, for ops", () => {
  it('is in GET /returns/{id}, and absent when the customer wrote none', async () => {
    const { h } = served;
    const withComment = await receivedReturn(COMMENT);
    const without = await receivedReturn(null);
    const read = async (id: string) => (await h.as(KEYS.ops, { method: 'GET', url: `/returns/${id}` })).json();
    expect((await read(withComment)).comment).toBe(COMMENT);
    expect(await read(without)).not.toHaveProperty('comment');
  });

  it('is in its /ops/returns row, as text', async () => {
    const { page, base } = served;
    const returnId = await receivedReturn(COMMENT);
    await page.goto(`${base}/ops/returns`);
    await page.fill('#ops-key', KEYS.ops.key);
    await page.click('#key-panel button[type=submit]');
    const row = `#returns tr[data-return="${returnId}"]`;
    await page.waitForSelector(`#returns[data-loaded] tr[data-return="${returnId}"]`);
    expect(await page.textContent(`${row} [data-fact="comment"]`)).toBe(COMMENT);
    expect(await page.$('#injected')).toBeNull();
  });
});
