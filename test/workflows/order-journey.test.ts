import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJourney, type Journey } from '../support/journey';

describe('the order journey on the time-skipping server', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  it('an order one warehouse can fill is reserved, picked, packed, booked, tracked and delivered', async () => {
    const handle = await journey.placeOrder();
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments).toHaveLength(1);
    expect(outcome.shipments[0]?.stage).toBe('delivered');
    const db = journey.database.db;
    const order = await db.order.findUniqueOrThrow({
      where: { id: outcome.orderId },
      include: { shipments: { include: { labels: true, packages: true, trackingEvents: true } } },
    });
    expect(order.status).toBe('completed');
    const shipment = order.shipments[0]!;
    expect(shipment.status).toBe('delivered');
    expect(shipment.labels).toHaveLength(1);
    expect(shipment.packages.length).toBeGreaterThan(0);
    expect(shipment.trackingEvents.map((e) => e.status)).toContain('delivered');
    expect(await db.reservation.findMany({ where: { orderId: outcome.orderId } })).toEqual([
      expect.objectContaining({ status: 'consumed', quantity: 2 }),
    ]);
  });
});
