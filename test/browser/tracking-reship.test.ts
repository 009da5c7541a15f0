import { describe, expect, it } from 'vitest';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import type { ShipmentStage, TrackingStatus } from '../../domain/lifecycle';
import { insertOrder, insertShipment, scanRowData } from '../api/fixtures';
import { TRACKING_SECRET } from '../api/harness';
import { servedInChromium } from '../support/browser-harness';

/**
 * A parcel given up and sent again, on the customer's tracking page in a real headless Chromium, against the rows a journey
 * leaves (the first parcel `lost`, its replacement naming it). Before: a parcel the carrier brought back (its last scan
 * `returned_to_sender`, the mail saying "sent back by the carrier") read "Lost by the carrier" in its line and in the
 * timeline, right under the carrier's "Returned"; and the replacement's stages at the warehouse were hidden behind the first
 * parcel's, so the timeline ended on "Lost by the carrier" while the status said "Being prepared". No worker runs.
 */
const served = servedInChromium();

const MINUTE = 60_000;

/**
 * An order whose first parcel S1 went through the warehouse, was scanned by the carrier up to `lastScan` and was then given
 * up as `lost` by a re-ship; its replacement S2 is at `replacementStage`, with the warehouse stages up to it. Opens its served.page.
 */
async function reshippedOrder(lastScan: TrackingStatus, replacementStage: ShipmentStage): Promise<{ orderId: string; first: string }> {
  const orderId = await insertOrder(served.h.db, { status: 'fulfilling' });
  const first = await insertShipment(served.h.db, orderId, { seq: 1 });
  const second = await insertShipment(served.h.db, orderId, { seq: 2 });
  await served.h.db.shipment.update({ where: { id: first.shipmentId }, data: { status: 'lost' } });
  await served.h.db.shipment.update({
    where: { id: second.shipmentId },
    data: { status: replacementStage, replacesShipmentId: first.shipmentId },
  });
  const start = Date.now() - 120 * MINUTE;
  const at = (minutes: number) => new Date(start + minutes * MINUTE);
  const stage = (shipmentId: string, name: string, minutes: number) => ({
    id: `${shipmentId}-${name}`,
    orderId,
    shipmentId,
    stage: name,
    startedAt: at(minutes),
    dedupeKey: `${shipmentId}-${name}`,
  });
  const scan = (shipmentId: string, trackingNumber: string, status: TrackingStatus, minutes: number) =>
    scanRowData(shipmentId, trackingNumber, status, at(minutes));
  await served.h.db.stageTiming.createMany({
    data: [
      stage(first.shipmentId, 'waiting_for_pick_slot', 1),
      stage(first.shipmentId, 'picking', 2),
      stage(first.shipmentId, 'in_transit', 11),
      stage(first.shipmentId, 'lost', 60),
      stage(second.shipmentId, 'waiting_for_pick_slot', 61),
      ...(replacementStage === 'picking' ? [stage(second.shipmentId, 'picking', 62)] : []),
    ],
  });
  await served.h.db.trackingEvent.createMany({
    data: [
      scan(first.shipmentId, first.trackingNumber, 'in_transit', 10),
      ...(lastScan === 'in_transit' ? [] : [scan(first.shipmentId, first.trackingNumber, lastScan, 40)]),
    ],
  });
  const response = await served.page.goto(`${served.base}${trackingPath(orderId, TRACKING_SECRET)}`);
  expect(response?.status()).toBe(200);
  return { orderId, first: first.trackingNumber };
}

const timeline = () => served.page.$$eval('#timeline li strong', (items) => items.map((li) => li.textContent ?? ''));
const parcelLine = async (trackingNumber: string) =>
  (await served.page.$$eval('section.card ul li', (items) => items.map((li) => li.textContent ?? ''))).find((line) =>
    line.includes(trackingNumber),
  );

describe('a parcel the carrier brought back, sent again', () => {
  it('reads as returned, not as lost by the carrier, in its line and in the timeline', async () => {
    const { first } = await reshippedOrder('returned_to_sender', 'waiting_for_pick_slot');
    expect(await parcelLine(first)).toMatch(/— Returned$/);
    const entries = await timeline();
    expect(entries).not.toContain('Lost by the carrier');
    expect(entries.filter((label) => label === 'Returned')).toHaveLength(1);
  });

  it('a parcel nobody scanned for the stall window still reads as lost', async () => {
    const { first } = await reshippedOrder('in_transit', 'waiting_for_pick_slot');
    expect(await parcelLine(first)).toMatch(/— Lost by the carrier$/);
    expect((await timeline()).filter((label) => label === 'Lost by the carrier')).toHaveLength(1);
  });
});

describe("the replacement's own steps", () => {
  it('are told after the loss, not hidden behind the first parcel’s', async () => {
    await reshippedOrder('in_transit', 'picking');
    const entries = await timeline();
    const lost = entries.indexOf('Lost by the carrier');
    expect(lost).toBeGreaterThan(-1);
    expect(entries.slice(lost + 1)).toEqual(['Scheduled at the warehouse', 'Being picked']);
    expect(entries.filter((label) => label === 'Scheduled at the warehouse')).toHaveLength(2);
  });
});
