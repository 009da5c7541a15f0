import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { PlanningFacts } from '../../activities/planning-facts';
import { createRepromiseActivities } from '../../activities/repromise';
import type { DecisionSettings } from '../../domain/decision-rules';
import { ids } from '../../domain/ids';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * Re-promise on real PostgreSQL (business time is real time here): a parcel handed over to ParcelNord
 * a week ago and still not delivered is re-dated from what is left of its carrier's learned transit; the
 * change is recorded once with its reason, the order's and the shipment's promise move, the intake's stays.
 */
let database: TestDatabase;
let db: Db;
let seq = 0;
const DAY = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await db.customer.create({ data: { id: 'cust-rp', name: 'Repromise Test' } });
  await db.address.create({
    data: {
      id: 'addr-rp',
      customerId: 'cust-rp',
      name: 'Repromise Test',
      line1: '1 rue',
      city: 'Lyon',
      postalCode: '69002',
      countryCode: 'FR',
    },
  });
});
afterAll(() => database?.drop());

const PROMISE_RULES: DecisionSettings = { rules: 'promise', promiseConfidence: 0.95, onTimeTarget: 0.95 };

/** An order promised `promisedInMs` from now whose one shipment left PAR1 with ParcelNord `shippedAgoMs` ago. */
async function shippedOrder(
  promisedInMs: number,
  shippedAgoMs: number | null,
): Promise<{ orderId: string; shipmentId: string; promisedBy: Date }> {
  seq += 1;
  const orderId = `ORD-RP-${seq}`;
  const shipmentId = ids.shipmentId(orderId, 1);
  const promisedBy = new Date(Date.now() + promisedInMs);
  await db.order.create({
    data: {
      id: orderId,
      idempotencyKey: `idem-${orderId}`,
      requestHash: `hash-${orderId}`,
      source: 'test',
      customerId: 'cust-rp',
      shippingAddressId: 'addr-rp',
      serviceLevel: 'standard',
      backorderPolicy: 'backorder',
      promisedBy,
      originalPromisedBy: promisedBy,
      workflowId: ids.orderWorkflowId(orderId),
      currency: 'EUR',
      lines: { create: [{ id: `${orderId}-L1`, lineNo: 1, skuCode: 'MUG-CER-350', quantity: 1 }] },
    },
  });
  await db.shipment.create({
    data: {
      id: shipmentId,
      orderId,
      seq: 1,
      warehouseCode: 'PAR1',
      workflowId: ids.shipmentWorkflowId(shipmentId),
      promisedBy,
      status: shippedAgoMs === null ? 'planned' : 'in_transit',
      ...(shippedAgoMs === null
        ? {}
        : { carrierCode: 'parcelnord', serviceCode: 'pn_standard', shippedAt: new Date(Date.now() - shippedAgoMs) }),
      lines: { create: [{ orderLineId: `${orderId}-L1`, skuCode: 'MUG-CER-350', quantity: 1 }] },
    },
  });
  return { orderId, shipmentId, promisedBy };
}

const activities = (settings: DecisionSettings = PROMISE_RULES) =>
  createRepromiseActivities({ db, facts: new PlanningFacts(db), settings });

describe('re-promise', () => {
  it('re-dates a parcel a week with the carrier and past its promise, once, keeping the intake promise', async () => {
    const { orderId, shipmentId, promisedBy } = await shippedOrder(-DAY, 8 * DAY);
    const request = { orderId, shipmentId, reason: 'late_scan' as const, detail: 'no delivery by the promised day' };
    const first = await activities().repromiseShipment(request);
    expect(first).toMatchObject({ changed: true, previousPromisedBy: promisedBy.toISOString(), reason: 'late_scan' });
    if (!first.changed) return;
    expect(Date.parse(first.promisedBy)).toBeGreaterThan(Date.now());
    expect(first.wording).toContain('carrier');

    // A retry after the change committed: the promise has moved already, nothing more is recorded.
    const again = await activities().repromiseShipment(request);
    expect(again).toEqual({ changed: false, promisedBy: first.promisedBy });
    const changes = await db.promiseChange.findMany({ where: { orderId } });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ reason: 'late_scan', shipmentId, oldPromisedBy: promisedBy });
    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.promisedBy.toISOString()).toBe(first.promisedBy);
    expect(order.originalPromisedBy?.toISOString()).toBe(promisedBy.toISOString());
    expect((await db.shipment.findUniqueOrThrow({ where: { id: shipmentId } })).promisedBy.toISOString()).toBe(first.promisedBy);
  });

  it('a re-promise that announces (v3 shipments) tells the customer the new date in its own transaction, once, and says the order moved', async () => {
    await db.customer.update({ where: { id: 'cust-rp' }, data: { email: 'repromise@example.test' } });
    const { orderId, shipmentId, promisedBy } = await shippedOrder(-DAY, 8 * DAY);
    const request = { orderId, shipmentId, reason: 'late_scan' as const, announce: true };
    const first = await activities().repromiseShipment(request);
    expect(first).toMatchObject({ changed: true, orderMoved: true, previousPromisedBy: promisedBy.toISOString() });
    if (!first.changed) return;
    await activities().repromiseShipment(request);
    const mails = await db.customerMail.findMany({ where: { orderId, milestone: 'promise_changed' } });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.data).toMatchObject({ promisedBy: first.promisedBy, previousPromisedBy: promisedBy.toISOString() });

    // Without `announce` (v2 orders announce it themselves) the re-promise writes no mail.
    const quiet = await shippedOrder(-DAY, 8 * DAY);
    expect((await activities().repromiseShipment({ ...quiet, reason: 'late_scan' })).changed).toBe(true);
    expect(await db.customerMail.count({ where: { orderId: quiet.orderId } })).toBe(0);
  });

  it('re-dates a shipment that missed its pick slot from the warehouse’s next slot', async () => {
    const { orderId, shipmentId } = await shippedOrder(-DAY, null);
    const answer = await activities().repromiseShipment({ orderId, shipmentId, reason: 'missed_pick_slot' });
    expect(answer.changed).toBe(true);
    if (answer.changed) expect(Date.parse(answer.promisedBy)).toBeGreaterThan(Date.now() + DAY / 2);
  });

  it('leaves a promise the parcel can still keep alone', async () => {
    const { orderId, shipmentId, promisedBy } = await shippedOrder(30 * DAY, 0);
    expect(await activities().repromiseShipment({ orderId, shipmentId, reason: 'late_scan' })).toEqual({
      changed: false,
      promisedBy: promisedBy.toISOString(),
    });
    expect(await db.promiseChange.count({ where: { orderId } })).toBe(0);
  });

  it('never re-promises under the baseline rules', async () => {
    const { orderId, shipmentId } = await shippedOrder(-DAY, 8 * DAY);
    const baseline = activities({ ...PROMISE_RULES, rules: 'baseline' });
    expect((await baseline.repromiseShipment({ orderId, shipmentId, reason: 'stall' })).changed).toBe(false);
  });
});
