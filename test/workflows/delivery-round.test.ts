import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import { addDays, localDay, localTimeMs } from '../../domain/local-time';
import { type Journey, startJourney } from '../support/journey';
import { RECORD_HISTORIES, writeHistory } from './history-files';
import { insertDeliveredParcel } from '../support/delivered-parcels';
import { createCustomer, insertOrder } from '../support/orders-in-db';
import { firstShipmentId, recipient, scanSender, shipmentView, skipBusinessTime, until, untilShipmentStage } from './steps';

const PARIS = 'Europe/Paris';
/** Delivered parcels every carrier put out for delivery at 10:00 and delivered by 12:00 (Lyon): what the round is learned from. */
const HISTORY_PARCELS = 25;
/** Learned: out for delivery by 10:00, a margin of an hour, so a parcel due today is checked at 11:00, 7 h before 18:00. */
const ROUND_HOURS_BEFORE_CLOSE = 7;

async function deliveredHistory(journey: Journey): Promise<void> {
  const db = journey.database.db;
  const carriers = await db.carrier.findMany({ select: { code: true } });
  const warehouse = await db.warehouse.findFirstOrThrow({ select: { code: true } });
  await createCustomer(db, { customerId: 'CUST-ROUND', addressId: 'ADDR-ROUND', name: 'Round History' });
  const today = localDay(await journey.env.currentTimeMs(), PARIS);
  for (const [c, carrier] of carriers.entries()) {
    const orderId = `ORD-ROUND-${c}`;
    await insertOrder(db, { orderId, customerId: 'CUST-ROUND', addressId: 'ADDR-ROUND', skuCode: 'MUG-CER-350', quantity: 1 });
    for (let seq = 1; seq <= HISTORY_PARCELS; seq++) {
      const day = addDays(today, -seq - 1);
      const scans = [
        { status: 'in_transit' as const, at: new Date(localTimeMs(addDays(day, -1), 14 * 60, PARIS)) },
        { status: 'out_for_delivery' as const, at: new Date(localTimeMs(day, 10 * 60, PARIS)) },
        { status: 'delivered' as const, at: new Date(localTimeMs(day, 12 * 60, PARIS)) },
      ];
      const promisedBy = new Date(localTimeMs(day, 18 * 60, PARIS));
      await insertDeliveredParcel(db, { orderId, seq, warehouseCode: warehouse.code, carrierCode: carrier.code, promisedBy, scans });
    }
  }
}

/** An order whose carrier sends nothing by itself ([scenario:unused]), labelled: the test scans it. */
async function labelledOrder(journey: Journey, name: string) {
  const handle = await journey.placeOrder({ shipTo: recipient(`${name} [scenario:unused]`) }, { promiseWorkingDays: 2 });
  const shipmentId = firstShipmentId(handle);
  const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
  return { handle, shipmentId, scan: scanSender(journey, booked) };
}

/** Waits for the shipment's re-promise at its delivery round (a business hour at a time). */
const roundRepromise = (journey: Journey, shipmentId: string) =>
  until(
    journey,
    'a re-promise at the delivery round',
    () => journey.database.db.promiseChange.findMany({ where: { shipmentId, reason: 'not_out_for_delivery' } }),
    (rows) => rows.length > 0,
    { stepMs: HOUR_MS },
  );

/**
 * Re-promise, never surprise, on the promise's own day: a carrier that puts its parcels out for delivery by 10:00 will
 * not deliver today a parcel that is not out by 11:00. Its customer hears the new date then, seven hours before the
 * promise passes, instead of after it (most late parcels of a peak week were still travelling at 18:00 with nothing in
 * their earlier scans to tell them apart from the ones that came in time).
 */
describe('a parcel missing its delivery round on its promise day', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
    await deliveredHistory(journey);
  });
  afterAll(() => journey?.teardown());

  it('is re-promised once its round has passed, hours before its promise does, with the reason the customer reads', async () => {
    const { handle, shipmentId, scan } = await labelledOrder(journey, 'Ada Lovelace');
    await scan('pickup', 'in_transit');
    const changes = await roundRepromise(journey, shipmentId);
    expect(changes).toHaveLength(1);
    const change = changes[0]!;
    expect(change.detail).toMatch(/^not out for delivery by \d{4}-\d\d-\d\d \d\d:\d\d, promised by /);
    expect(change.newPromisedBy.getTime()).toBeGreaterThan(change.oldPromisedBy.getTime());
    // A later day, not the same day's end: the parcel comes on no delivery round today.
    expect(localDay(change.newPromisedBy.getTime(), PARIS) > localDay(change.oldPromisedBy.getTime(), PARIS)).toBe(true);

    const label = `re-promised: ${change.newPromisedBy.toISOString().slice(0, 16).replace('T', ' ')}`;
    const view = await until(
      journey,
      'the re-promise in the shipment view',
      () => shipmentView(journey, shipmentId),
      (v) => v.timeline.some((t) => t.label === label),
      { stepMs: 10 * 60_000 },
    );
    const told = view.timeline.find((t) => t.label === label);
    expect(told?.detail).toMatch(/^the parcel did not go out on the carrier's delivery round today/);
    // Told at the round (workflow time), before the promise passed, and no late escalation was needed.
    const toldAtMs = Date.parse(told?.at ?? '');
    expect(toldAtMs).toBeGreaterThanOrEqual(change.oldPromisedBy.getTime() - ROUND_HOURS_BEFORE_CLOSE * HOUR_MS);
    expect(toldAtMs).toBeLessThan(change.oldPromisedBy.getTime());
    expect(view.escalations.filter((e) => e.reason === 'late')).toEqual([]);

    await scan('out', 'out_for_delivery');
    await scan('delivered', 'delivered');
    expect((await handle.result()).shipments[0]?.stage).toBe('delivered');
    expect(await journey.database.db.promiseChange.count({ where: { shipmentId, reason: 'not_out_for_delivery' } })).toBe(1);
    // With COLIS_RECORD_HISTORIES=1, kept for the replay test (test/workflows/replay.test.ts): the patch's marker path.
    if (RECORD_HISTORIES) {
      await writeHistory(journey.env.client, handle.workflowId, 'missed-delivery-round.order');
      await writeHistory(journey.env.client, `shipment-${shipmentId}`, 'missed-delivery-round.shipment-1');
    }
  });

  it('a parcel out for delivery on its promise day before its round keeps its date', async () => {
    const { handle, shipmentId, scan } = await labelledOrder(journey, 'Grace Hopper');
    await scan('pickup', 'in_transit');
    // Out for delivery 8 h before the promise (the round ends 7 h before it), read again after each skip: a scan's
    // judgement may have moved the promise in force.
    for (;;) {
      const promisedByMs = Date.parse((await shipmentView(journey, shipmentId)).promisedBy);
      const now = await journey.env.currentTimeMs();
      if (now >= promisedByMs - 8 * HOUR_MS) break;
      await skipBusinessTime(journey, Math.min(promisedByMs - 8 * HOUR_MS - now, 4 * HOUR_MS));
    }
    await scan('out', 'out_for_delivery');
    // Past the round, still before the promise: nothing to tell.
    await skipBusinessTime(journey, 3 * HOUR_MS);
    await scan('delivered', 'delivered');
    expect((await handle.result()).shipments[0]?.stage).toBe('delivered');
    expect(await journey.database.db.promiseChange.count({ where: { shipmentId, reason: 'not_out_for_delivery' } })).toBe(0);
  });
});

/**
 * A peak week books most of its parcels before their carrier has delivered enough to learn its round from: a label
 * booked then learns it at its scans (the judgement's write answers the round as learned by then), in time for its
 * promise day.
 */
describe('a label booked before its carrier round was learned', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  it('learns the round at its first judged scan and is re-promised when it misses it', async () => {
    const { handle, shipmentId, scan } = await labelledOrder(journey, 'Katherine Johnson');
    await deliveredHistory(journey);
    await scan('pickup', 'in_transit');
    const [change] = await roundRepromise(journey, shipmentId);
    expect(change?.newPromisedBy.getTime()).toBeGreaterThan(change?.oldPromisedBy.getTime() ?? Number.POSITIVE_INFINITY);
    await scan('out', 'out_for_delivery');
    await scan('delivered', 'delivered');
    expect((await handle.result()).shipments[0]?.stage).toBe('delivered');
  });
});
