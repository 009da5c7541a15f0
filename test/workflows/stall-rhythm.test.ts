import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { STALL_WINDOW_HOURS } from '../../domain/promise';
import { insertDeliveredParcel } from '../support/delivered-parcels';
import { createCustomer, insertOrder } from '../support/orders-in-db';
import { type Journey, startJourney } from '../support/journey';
import { firstShipmentId, orderIdOf, recipient, shipmentView, untilEscalation } from './steps';

/** Delivered parcels every carrier scanned every three hours: what the rhythm is learned from. */
const HISTORY_PARCELS = 25;
const HISTORY_GAP_HOURS = 3;

async function deliveredHistory(journey: Journey): Promise<void> {
  const db = journey.database.db;
  const carriers = await db.carrier.findMany({ select: { code: true } });
  const warehouse = await db.warehouse.findFirstOrThrow({ select: { code: true } });
  await createCustomer(db, { customerId: 'CUST-RHYTHM', addressId: 'ADDR-RHYTHM', name: 'Rhythm History' });
  const startMs = (await journey.env.currentTimeMs()) - 10 * 24 * HOUR_MS;
  for (const [c, carrier] of carriers.entries()) {
    const orderId = `ORD-RHYTHM-${c}`;
    await insertOrder(db, { orderId, customerId: 'CUST-RHYTHM', addressId: 'ADDR-RHYTHM', skuCode: 'MUG-CER-350', quantity: 1 });
    for (let seq = 1; seq <= HISTORY_PARCELS; seq++) {
      const scans = [0, 1, 2, 3, 4].map((i) => ({
        status: i === 4 ? ('delivered' as const) : ('in_transit' as const),
        at: new Date(startMs + seq * HOUR_MS + i * HISTORY_GAP_HOURS * HOUR_MS),
      }));
      const promisedBy = new Date(startMs + 10 * 24 * HOUR_MS);
      await insertDeliveredParcel(db, { orderId, seq, warehouseCode: warehouse.code, carrierCode: carrier.code, promisedBy, scans });
    }
  }
}

/**
 * A stall is called by the carrier's own rhythm, learned from the parcels it scanned, not by the fixed
 * window of the service level: a carrier that scans every three hours has lost a parcel silent for five,
 * and ops hear it in time to re-ship within a standard promise. Labels without a rhythm (histories recorded
 * before it, carriers not learned yet) keep the fixed window: the replay test and the re-ship tests hold them.
 */
describe('stall detection from the carrier scan rhythm', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
    await deliveredHistory(journey);
  });
  afterAll(async () => {
    await journey?.teardown();
  });

  it("a standard parcel silent after its collection scan is stuck once its carrier's longest usual silence has passed half again, not after 48 h", async () => {
    const handle = await journey.placeOrder({ shipTo: recipient('Grace Hopper [scenario:stall]') });
    const orderId = orderIdOf(handle);
    const stuck = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: HOUR_MS });
    const learnedHours = Math.ceil(HISTORY_GAP_HOURS * 1.5);
    expect(stuck.detail).toContain(`stall window ${learnedHours} h`);

    const view = await shipmentView(journey, firstShipmentId(handle));
    const lastScanMs = Date.parse(view.lastScanAt ?? '');
    expect(Number.isFinite(lastScanMs)).toBe(true);
    // Business time (the test server's clock) when the escalation showed: `until` skips an hour at a time.
    const silenceHours = ((await journey.env.currentTimeMs()) - lastScanMs) / HOUR_MS;
    expect(silenceHours).toBeGreaterThanOrEqual(learnedHours);
    expect(silenceHours).toBeLessThan(learnedHours + 3);
    expect(silenceHours).toBeLessThan(STALL_WINDOW_HOURS.standard);
  });
});
