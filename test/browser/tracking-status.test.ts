import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import { DAY_MS } from '../../domain/clock';
import type { ShipmentStage } from '../../domain/lifecycle';
import { insertOrder, insertShipment } from '../api/fixtures';
import { createHarness, type Harness, TRACKING_SECRET } from '../api/harness';
import { launchChromium, type RunningBrowser } from '../support/chromium';

/**
 * What the tracking page tells the customer, in a real headless Chromium, against the rows a journey leaves. The big "Status"
 * of an order being fulfilled is where its parcels are: before, it read "Being prepared" (the order's stage) beside a parcel
 * out for delivery, half an order delivered, a parcel lost. A return's last day is the customer's own day, as the return mail
 * writes it: before, it was the UTC date, a day later than the mail's for a New York customer. No worker runs.
 */
let h: Harness;
let browser: RunningBrowser;
let page: Page;
let base = '';

beforeAll(async () => {
  browser = await launchChromium();
  h = await createHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  page = await browser.context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** An order being fulfilled with one parcel per given stage (S1, S2, …); returns its tracking page's status. */
async function statusWithParcels(stages: ShipmentStage[], replaced: Record<number, number> = {}): Promise<string> {
  const orderId = await insertOrder(h.db, { status: 'fulfilling' });
  for (const [i, stage] of stages.entries()) {
    const { shipmentId } = await insertShipment(h.db, orderId, { seq: i + 1 });
    const replaces = replaced[i + 1];
    await h.db.shipment.update({
      where: { id: shipmentId },
      data: {
        status: stage,
        ...(stage === 'delivered' ? { deliveredAt: new Date() } : {}),
        ...(replaces ? { replacesShipmentId: `${orderId}-S${replaces}` } : {}),
      },
    });
  }
  const response = await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
  expect(response?.status()).toBe(200);
  return ((await page.textContent('[data-fact="status"]')) ?? '').replace(/^Status/, '');
}

describe("an order's status on its tracking page is where its parcels are", () => {
  it('one parcel: out for delivery, delivered awaiting the order, lost; still at the warehouse: being prepared', async () => {
    expect(await statusWithParcels(['out_for_delivery'])).toBe('Out for delivery');
    expect(await statusWithParcels(['in_transit'])).toBe('On its way');
    expect(await statusWithParcels(['lost'])).toBe('Lost by the carrier');
    expect(await statusWithParcels(['packing'])).toBe('Being prepared');
    expect(await statusWithParcels(['label_created'])).toBe('Being prepared');
  });

  it('a split order: partly delivered, partly shipped, each parcel at its own step with the carrier', async () => {
    expect(await statusWithParcels(['delivered', 'in_transit'])).toBe('Partly delivered (1 of 2 parcels)');
    expect(await statusWithParcels(['in_transit', 'picking'])).toBe('Partly shipped (1 of 2 parcels)');
    expect(await statusWithParcels(['out_for_delivery', 'exception'])).toBe('On its way');
  });

  it('a lost parcel sent again is told by its replacement', async () => {
    expect(await statusWithParcels(['lost', 'packing'], { 2: 1 })).toBe('Being prepared');
    expect(await statusWithParcels(['lost', 'in_transit'], { 2: 1 })).toBe('On its way');
  });
});

describe("each parcel's line on the tracking page", () => {
  it('a parcel given up and sent again reads as lost, not as on its way with its last scan', async () => {
    // Before: a stuck parcel re-shipped by ops (written off as lost) kept its last scan's "On its way" beside its replacement's.
    await statusWithParcels(['lost', 'in_transit'], { 2: 1 });
    const orderId = /\/track\/([^?]+)/.exec(page.url())?.[1] ?? '';
    const given = await h.db.shipment.findUniqueOrThrow({ where: { id: `${orderId}-S1` } });
    await h.db.trackingEvent.create({
      data: {
        id: `${given.id}-E1`,
        shipmentId: given.id,
        carrierCode: 'swiftpost',
        carrierEventId: `${given.id}-E1`,
        trackingNumber: given.trackingNumber ?? '',
        carrierStatusCode: 'IT',
        status: 'in_transit',
        occurredAt: new Date(),
        source: 'poll',
      },
    });
    await page.reload();
    const parcels = await page.$$eval('section.card ul li', (items) => items.map((li) => li.textContent ?? ''));
    expect(parcels.find((line) => line.includes(given.trackingNumber ?? '-'))).toMatch(/Lost by the carrier$/);
  });
});

describe("the tracking page's timeline", () => {
  it('says when a parcel no scan called lost was given up, and repeats no scan', async () => {
    // Before: the stage "lost" (a stuck parcel ops re-shipped) was dropped as a carrier stage the scans would tell, but no scan
    // told it: the timeline went "On its way", then the replacement's "On its way", and never said the first was lost.
    await statusWithParcels(['lost', 'in_transit'], { 2: 1 });
    const orderId = /\/track\/([^?]+)/.exec(page.url())?.[1] ?? '';
    const given = await h.db.shipment.findUniqueOrThrow({ where: { id: `${orderId}-S1` } });
    const scannedAt = new Date(Date.now() - 3 * 3_600_000);
    await h.db.trackingEvent.create({
      data: {
        id: `${given.id}-E1`,
        shipmentId: given.id,
        carrierCode: 'swiftpost',
        carrierEventId: `${given.id}-E1`,
        trackingNumber: given.trackingNumber ?? '',
        carrierStatusCode: 'IT',
        status: 'in_transit',
        occurredAt: scannedAt,
        source: 'poll',
      },
    });
    const stage = (name: string, at: Date) => ({
      id: `${given.id}-${name}`,
      orderId,
      shipmentId: given.id,
      stage: name,
      startedAt: at,
      dedupeKey: `${given.id}-${name}`,
    });
    await h.db.stageTiming.createMany({
      data: [stage('in_transit', new Date(scannedAt.getTime() + 1000)), stage('lost', new Date(Date.now() - 3_600_000))],
    });
    await page.reload();
    const entries = await page.$$eval('#timeline li strong', (items) => items.map((li) => li.textContent ?? ''));
    expect(entries.filter((label) => label === 'Lost by the carrier')).toHaveLength(1);
    expect(entries.filter((label) => label === 'On its way')).toHaveLength(1);
  });
});

describe("a return's last day on the tracking page is the customer's day", () => {
  it('a New York customer reads the day the mail writes, not the UTC date', async () => {
    const orderId = await insertOrder(h.db, { status: 'completed' });
    await h.db.address.update({
      where: { id: `${orderId}-A1` },
      data: { line1: '350 Fifth Avenue', city: 'New York', postalCode: '10118', countryCode: 'US', region: 'NY' },
    });
    const { shipmentId } = await insertShipment(h.db, orderId);
    // Delivered yesterday at 02:00 UTC: the window closes 30 days later at 02:00 UTC, 21:00 the evening before in New York.
    const deliveredAt = new Date(`${new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)}T02:00:00Z`);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt } });
    const closesAt = new Date(deliveredAt.getTime() + 30 * DAY_MS);
    const newYorkDay = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: 'America/New_York' }).format(closesAt);

    await page.goto(`${base}${trackingPath(orderId, TRACKING_SECRET)}`);
    const row = (await page.textContent('#return-form tbody tr')) ?? '';
    expect(row).toContain(newYorkDay);
    expect(row).not.toContain(closesAt.toISOString().slice(0, 10));
  });
});
