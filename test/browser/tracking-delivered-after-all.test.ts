import { describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import type { TrackingStatus } from '../../domain/lifecycle';
import { insertOrder, insertShipment, scanRowData } from '../api/fixtures';
import { KEYS, TRACKING_SECRET } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';

/**
 * A parcel given up as lost and sent again, which the carrier then delivers after all, on the customer's tracking page in a
 * real headless Chromium, against the rows the journey and the carrier's late webhook leave (the first parcel `lost`, its
 * replacement naming it, the delivery stored after the end: api/services/scans-after-end.ts). Before, the page kept saying
 * "Lost by the carrier" for a parcel the customer was holding. Ops read the scan in the escalations page's list of scans
 * after the end. No worker runs.
 */
const served = servedInChromium();

const MINUTE = 60_000;

/** An order (in `locale`) whose parcel S1 was given up as lost and sent again as S2, then delivered by the carrier after all. */
async function deliveredAfterAll(locale: 'en' | 'fr'): Promise<{ orderId: string; first: string; second: string }> {
  const db = served.h.db;
  const orderId = await insertOrder(db, { status: 'fulfilling' });
  await db.order.update({ where: { id: orderId }, data: { locale } });
  const first = await insertShipment(db, orderId, { seq: 1 });
  const second = await insertShipment(db, orderId, { seq: 2 });
  await db.shipment.update({ where: { id: first.shipmentId }, data: { status: 'lost' } });
  await db.shipment.update({ where: { id: second.shipmentId }, data: { status: 'in_transit', replacesShipmentId: first.shipmentId } });
  const start = Date.now() - 240 * MINUTE;
  const at = (minutes: number) => new Date(start + minutes * MINUTE);
  const scan = (shipmentId: string, trackingNumber: string, status: TrackingStatus, minutes: number) =>
    scanRowData(shipmentId, trackingNumber, status, at(minutes));
  await db.stageTiming.createMany({
    data: [
      {
        id: `${first.shipmentId}-lost`,
        orderId,
        shipmentId: first.shipmentId,
        stage: 'lost',
        startedAt: at(60),
        dedupeKey: `${first.shipmentId}-lost`,
      },
    ],
  });
  await db.trackingEvent.createMany({
    data: [
      scan(first.shipmentId, first.trackingNumber, 'in_transit', 10),
      scan(second.shipmentId, second.trackingNumber, 'in_transit', 90),
    ],
  });
  await db.trackingEventAfterEnd.create({
    data: { ...scan(first.shipmentId, first.trackingNumber, 'delivered', 180), shipmentStatus: 'lost' },
  });
  const response = await served.page.goto(`${served.base}${trackingPath(orderId, TRACKING_SECRET)}`);
  expect(response?.status()).toBe(200);
  return { orderId, first: first.trackingNumber, second: second.trackingNumber };
}

const timeline = () => served.page.$$eval('#timeline li strong', (items) => items.map((li) => li.textContent ?? ''));
const parcelLine = async (trackingNumber: string) =>
  (await served.page.$$eval('section.card ul li', (items) => items.map((li) => li.textContent ?? ''))).find((line) =>
    line.includes(trackingNumber),
  );

describe('a parcel given up as lost that the carrier delivered after all', () => {
  it('reads "Delivered after all" in its line and as the last step of its timeline, after "Lost by the carrier"', async () => {
    const { first, second } = await deliveredAfterAll('en');
    expect(await parcelLine(first)).toMatch(/— Delivered after all$/);
    // The replacement is still on its way: its own line says so.
    expect(await parcelLine(second)).toMatch(/— On its way$/);
    const entries = await timeline();
    expect(entries.at(-1)).toBe('Delivered after all');
    expect(entries.indexOf('Lost by the carrier')).toBeGreaterThan(-1);
    expect(entries.indexOf('Lost by the carrier')).toBeLessThan(entries.indexOf('Delivered after all'));
  });

  it("says it in the order's language", async () => {
    const { first } = await deliveredAfterAll('fr');
    expect(await parcelLine(first)).toMatch(/— Livré finalement$/);
    expect((await timeline()).at(-1)).toBe('Livré finalement');
  });
});

describe('the ops escalations page', () => {
  it('lists the scan after the end with how its shipment had ended, linking its order', async () => {
    const { orderId, first } = await deliveredAfterAll('en');
    await served.page.goto(`${served.base}/ops/escalations`);
    await served.page.fill('#ops-key', KEYS.ops.key);
    await served.page.click('#key-panel button[type=submit]');
    const row = `#after-end tr[data-after-end^="swiftpost:${first}:"]`;
    await served.page.waitForSelector(row);
    expect(await served.page.isVisible('#after-end-section')).toBe(true);
    const cells = await served.page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent ?? ''));
    expect(cells.slice(0, 4)).toEqual(['swiftpost', first, 'delivered', 'lost']);
    expect(await served.page.getAttribute(`${row} a`, 'href')).toBe(`/ops/orders/${orderId}`);
  });
});
