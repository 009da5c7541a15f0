import { describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { insertOrder, insertReturn, insertScan, insertShipment, uniqueId } from '../api/fixtures';
import { KEYS, TRACKING_SECRET } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';
import { screenshotPath } from '../support/chromium';

/**
 * A delivered order with returns, on the ops order page and the customer's tracking page, in a real headless Chromium.
 * Before: the ops order page listed none of the order's returns, and both timelines said "Delivered" twice (the ops page:
 * the parcel's stage and the carrier's scan; the customer's: the carrier's scan and the order's own stage). No worker runs:
 * the rows are a delivered journey's, as its activities write them.
 */
const served = servedInChromium();

/** A delivered order: its parcel's stage visits, the carrier's in-transit and delivery scans, the order completed. */
async function deliveredOrder(): Promise<{ orderId: string; shipmentId: string }> {
  const { h } = served;
  const orderId = await insertOrder(h.db, { status: 'completed' });
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date('2030-01-03T10:05:00Z') } });
  await h.db.order.update({ where: { id: orderId }, data: { completedAt: new Date('2030-01-03T10:06:00Z') } });
  for (const [stage, startedAt] of [
    ['label_created', '2030-01-01T12:00:00Z'],
    ['in_transit', '2030-01-02T09:00:30Z'],
    ['delivered', '2030-01-03T10:00:30Z'],
  ] as const) {
    await h.db.stageTiming.create({
      data: { id: uniqueId('ST'), orderId, shipmentId, stage, startedAt: new Date(startedAt), dedupeKey: uniqueId('D') },
    });
  }
  for (const [status, detail, location, at] of [
    ['in_transit', 'Departed sorting centre', 'Lyon hub', '2030-01-02T09:00:00Z'],
    ['delivered', 'Left with the neighbour at no. 3', 'Paris', '2030-01-03T10:00:00Z'],
  ] as const) {
    await insertScan(h.db, { shipmentId, trackingNumber }, { status, detail, location, occurredAt: at });
  }
  return { orderId, shipmentId };
}

async function openOrderPage(orderId: string): Promise<void> {
  const { page, base } = served;
  await page.goto(`${base}/ops/orders/${orderId}`);
  await page.fill('#ops-key', KEYS.ops.key);
  await page.click('#key-panel button[type=submit]');
  await page.waitForSelector('#timeline[data-loaded]');
  await page.waitForSelector('#order-returns[data-loaded]', { state: 'attached' });
}

describe('the ops order page lists the order’s returns', () => {
  it('each with its state, lines and refund, linked to its row on /ops/returns', async () => {
    const { h, page } = served;
    const { orderId } = await deliveredOrder();
    const waiting = await insertReturn(h.db, orderId, { status: 'label_created', createdAt: new Date('2030-01-05T10:00:00Z') });
    const refunded = await insertReturn(h.db, orderId, {
      status: 'completed',
      closeReason: 'inspected',
      refundCents: 1290,
      createdAt: new Date('2030-01-04T10:00:00Z'),
    });
    await h.db.returnLine.update({ where: { returnId_lineNo: { returnId: refunded, lineNo: 1 } }, data: { restocked: 1, writtenOff: 0 } });
    await openOrderPage(orderId);
    expect(await page.textContent('#returns-card h2')).toBe('Returns');
    const rows = await page.$$eval('#order-returns tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
    );
    expect(rows.map((cells) => cells.slice(1))).toEqual([
      [expect.stringMatching(/^label issued, not handed to the carrier yet/), '1 × MUG-CER-350', '–'],
      ['inspected · refund due 12.90 EUR', '1 × MUG-CER-350 (1 restocked)', '12.90 EUR'],
    ]);
    expect(rows.map((cells) => cells[0]?.slice(0, waiting.length))).toEqual([waiting, refunded]);
    await page.screenshot({ path: screenshotPath('ops-order-returns'), fullPage: true });

    await page.click(`#order-returns tr[data-return="${waiting}"] a`);
    await page.waitForSelector(`#returns[data-loaded] tr[data-return="${waiting}"].picked`);
    expect(new URL(page.url()).pathname).toBe('/ops/returns');
    expect(await page.$$eval('#returns tr[data-return]', (trs) => trs.map((tr) => tr.getAttribute('data-return')))).toEqual([
      waiting,
      refunded,
    ]);
  });

  it('says so when the order has no return', async () => {
    const { page } = served;
    const { orderId } = await deliveredOrder();
    await openOrderPage(orderId);
    expect(await page.isVisible('#returns-none')).toBe(true);
    expect(await page.isHidden('#returns-table')).toBe(true);
  });
});

describe('a delivered order’s timeline says "Delivered" once', () => {
  it("on the ops order page: the carrier's scan, with its detail and place", async () => {
    const { page } = served;
    const { orderId, shipmentId } = await deliveredOrder();
    await openOrderPage(orderId);
    const delivered = await page.$$eval('#timeline li', (items) =>
      items.filter((li) => li.querySelector('strong')?.textContent === 'delivered').map((li) => `${li.className}|${li.textContent}`),
    );
    expect(delivered).toEqual([`tracking|2030-01-03 10:00 UTCdelivered · ${shipmentId} · Paris — Left with the neighbour at no. 3`]);
  });

  it("on the customer's tracking page: the carrier's scan, not also the order's stage", async () => {
    const { page, base } = served;
    const { orderId } = await deliveredOrder();
    const response = await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    expect(response?.status()).toBe(200);
    const entries = await page.$$eval('#timeline li', (items) => items.map((li) => li.querySelector('strong')?.textContent ?? ''));
    expect(entries.filter((label) => label === 'Delivered')).toHaveLength(1);
    expect(entries.filter((label) => label === 'On its way')).toHaveLength(1);
    expect(await page.textContent('#timeline li.tracking:last-of-type')).toContain('Paris');
    expect(await page.textContent('[data-fact="status"]')).toContain('Delivered');
  });
});
