import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertScan, insertShipment, uniqueId } from './fixtures';
import { createHarness, type Harness, KEYS } from './harness';

/**
 * An order's timeline tells each carrier step once. Before, a delivered parcel read "delivered" twice in
 * `GET /orders/{id}/timeline` (and on the ops order page that draws it): the shipment's stage, and the carrier's scan that
 * moved it there. No worker runs: the rows are a delivered journey's, as its activities write them.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

interface Entry {
  at: string;
  kind: string;
  label: string;
  detail?: string;
  location?: string;
  shipmentId?: string;
}

/** A delivered order: its stage visits (order and shipment) and the carrier's scans, `scanned` of them. */
async function deliveredOrder(scanned: readonly ('in_transit' | 'delivered')[]): Promise<{ orderId: string; shipmentId: string }> {
  const orderId = await insertOrder(h.db, { status: 'completed' });
  const { shipmentId, trackingNumber } = await insertShipment(h.db, orderId);
  await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'delivered', deliveredAt: new Date('2030-01-03T10:05:00Z') } });
  await h.db.order.update({ where: { id: orderId }, data: { completedAt: new Date('2030-01-03T10:06:00Z') } });
  const visit = (stage: string, startedAt: string, endedAt: string | null, shipment: string | null) =>
    h.db.stageTiming.create({
      data: {
        id: uniqueId('ST'),
        orderId,
        shipmentId: shipment,
        stage,
        startedAt: new Date(startedAt),
        ...(endedAt ? { endedAt: new Date(endedAt), outcome: 'ok' as const } : {}),
        dedupeKey: uniqueId('D'),
      },
    });
  await visit('reserving', '2030-01-01T10:00:00Z', '2030-01-01T10:00:01Z', null);
  await visit('label_created', '2030-01-01T12:00:00Z', '2030-01-02T09:00:30Z', shipmentId);
  await visit('in_transit', '2030-01-02T09:00:30Z', '2030-01-03T10:00:30Z', shipmentId);
  await visit('delivered', '2030-01-03T10:00:30Z', null, shipmentId);
  const times = { in_transit: '2030-01-02T09:00:00Z', delivered: '2030-01-03T10:00:00Z' };
  for (const status of scanned) {
    await insertScan(
      h.db,
      { shipmentId, trackingNumber },
      {
        status,
        detail: status === 'delivered' ? 'Left with the neighbour at no. 3' : 'Departed sorting centre',
        location: status === 'delivered' ? 'Paris' : 'Lyon hub',
        occurredAt: times[status],
      },
    );
  }
  return { orderId, shipmentId };
}

const timelineOf = async (orderId: string): Promise<Entry[]> =>
  (await h.as(KEYS.ops, { method: 'GET', url: `/orders/${orderId}/timeline` })).json<{ entries: Entry[] }>().entries;

describe("an order's timeline tells each carrier step once", () => {
  it("a delivered parcel is delivered once: the carrier's scan, with its detail, place and time", async () => {
    const { orderId, shipmentId } = await deliveredOrder(['in_transit', 'delivered']);
    const entries = await timelineOf(orderId);
    const delivered = entries.filter((e) => e.label.replace(/_/g, ' ') === 'delivered');
    expect(delivered).toEqual([
      {
        at: '2030-01-03T10:00:00.000Z',
        kind: 'tracking',
        label: 'delivered',
        detail: 'Left with the neighbour at no. 3',
        location: 'Paris',
        shipmentId,
      },
    ]);
    expect(entries.filter((e) => e.label.replace(/_/g, ' ') === 'in transit').map((e) => e.kind)).toEqual(['tracking']);
    // The steps no scan tells stay: the order's own stages, and the label Colis bought before the carrier scanned anything.
    expect(entries.map((e) => `${e.kind}:${e.label}`)).toEqual([
      'stage:reserving',
      'stage:label_created',
      'tracking:in transit',
      'tracking:delivered',
      'stage:completed',
    ]);
  });

  it('a carrier stage no scan tells is kept: it is the only word of that step', async () => {
    const { orderId } = await deliveredOrder(['in_transit']);
    const entries = await timelineOf(orderId);
    expect(entries.filter((e) => e.label === 'delivered').map((e) => e.kind)).toEqual(['stage']);
    expect(entries.filter((e) => e.label.replace(/_/g, ' ') === 'in transit').map((e) => e.kind)).toEqual(['tracking']);
  });
});
