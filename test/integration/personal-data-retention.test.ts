import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { noRelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { runOpsAction } from '../../api/services/ops-actions';
import { sweepPersonalData, webhookEventsToClean } from '../../api/services/personal-data-retention';
import { subdivisionOfPlace, timeZoneOf } from '../../domain/calendar';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { everythingStoredFor, insertOrderWithPersonalData, PERSONAL, personalDataIn } from '../support/personal-data';

/**
 * Personal data is kept only as long as it is needed: an order over for longer than the retention period loses it from
 * every row that held a copy, in a sweep that is safe to run again, or twice at once; what the reports read stays.
 */

let database: TestDatabase;
let db: Db;
const settings = { retentionDays: 180, answerReplayDays: 30, timeScale: 1 };
let n = 0;
const ids = (label: string) => {
  n++;
  return { orderId: `RET-${label}-${n}`, customerId: `CUST-RET-${n}` };
};

beforeAll(async () => {
  database = await createTestDatabase(6);
  db = database.db;
});
afterAll(async () => database?.drop());

describe('the retention sweep', () => {
  it('erases every copy of the personal data of an order over for longer than the retention, and keeps what the reports read', async () => {
    const { orderId, customerId } = ids('OLD');
    await insertOrderWithPersonalData(db, { orderId, shopId: 'shop-ret', customerId, overDaysAgo: 250 });
    expect(personalDataIn(await everythingStoredFor(db, orderId, customerId))).toContain(PERSONAL.name);

    const pass = await sweepPersonalData(db, settings);

    expect(pass.ordersErased).toBeGreaterThanOrEqual(1);
    expect(personalDataIn(await everythingStoredFor(db, orderId, customerId))).toEqual([]);
    const order = await db.order.findUniqueOrThrow({
      where: { id: orderId },
      include: { shippingAddress: true, shipments: true, lines: true },
    });
    expect(order.personalDataErasedAt).not.toBeNull();
    expect(order.customerMails).toBe(false);
    // What the reports and learners read: costs, lines, dates, carrier, the destination's country and calendar.
    expect(order).toMatchObject({ status: 'completed', packagingCostCents: 120, shippingCostCents: 690 });
    expect(order.lines).toMatchObject([{ skuCode: 'MUG-CER-350', quantity: 1 }]);
    expect(order.shipments[0]).toMatchObject({ carrierCode: 'swiftpost', status: 'delivered', shippingCostCents: 690 });
    expect(order.shipments[0]?.deliveredAt).not.toBeNull();
    expect(order.shippingAddress).toMatchObject({ countryCode: 'FR', postalCode: '971', region: 'BL' });
    const before = { countryCode: 'FR', postalCode: PERSONAL.postalCode };
    expect(subdivisionOfPlace(order.shippingAddress)).toBe(subdivisionOfPlace(before));
    expect(timeZoneOf(order.shippingAddress)).toBe(timeZoneOf(before));
    // The pending mail is given up: nothing goes to an erased address.
    const mails = await db.customerMail.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    expect(mails.map((mail) => mail.status)).toEqual(['failed', 'sent']);
    // The intake row stays, so the same Idempotency-Key never starts a second order.
    const intake = await db.orderIntake.findUniqueOrThrow({ where: { orderId } });
    expect(intake.idempotencyKey).toBe(`shop-ret:${orderId}`);
    expect(await db.labelDocument.count({ where: { label: { shipment: { orderId } } } })).toBe(0);
  });

  it('leaves orders not over for long enough: recent, in their return window, with a return, escalation or claim open', async () => {
    const kept = [
      { ...ids('RECENT'), overDaysAgo: 20 },
      // Delivered 200 days ago: its 30-day return window closed 170 days ago, under the 180 days of retention.
      { ...ids('DEFAULT-WINDOW'), overDaysAgo: 200 },
      { ...ids('LONG-WINDOW'), overDaysAgo: 250, shopId: 'shop-long-window' },
      { ...ids('RETURN'), overDaysAgo: 250, returnStatus: 'in_transit' as const },
      { ...ids('ESCAL'), overDaysAgo: 250, escalationOpen: true },
      { ...ids('CLAIM'), overDaysAgo: 250, claimStatus: 'open' as const },
      { ...ids('UNDERWAY'), overDaysAgo: 250, status: 'fulfilling' as const },
    ];
    await db.shop.create({ data: { id: 'shop-long-window', displayName: 'Long window', returnWindowDays: 365 } });
    for (const order of kept) await insertOrderWithPersonalData(db, { shopId: 'shop-ret', ...order });
    // The same orders, over for longer than all of that, are erased: only what each case says keeps them.
    const control = { ...ids('CONTROL'), overDaysAgo: 250 };
    await insertOrderWithPersonalData(db, { shopId: 'shop-ret', ...control });

    await sweepPersonalData(db, settings);

    expect((await db.order.findUniqueOrThrow({ where: { id: control.orderId } })).personalDataErasedAt).not.toBeNull();
    for (const order of kept) {
      const row = await db.order.findUniqueOrThrow({ where: { id: order.orderId } });
      expect({ orderId: order.orderId, erased: row.personalDataErasedAt }).toEqual({ orderId: order.orderId, erased: null });
      expect(personalDataIn(await everythingStoredFor(db, order.orderId, order.customerId))).toContain(PERSONAL.street);
    }
  });

  it('erases each order once when two sweeps run at once, in batches, and a further pass finds nothing to do', async () => {
    const orders = Array.from({ length: 7 }, () => ids('BATCH'));
    for (const order of orders) await insertOrderWithPersonalData(db, { shopId: 'shop-ret', ...order, overDaysAgo: 400 });

    const [first, second] = await Promise.all([
      sweepPersonalData(db, { ...settings, batchSize: 2 }),
      sweepPersonalData(db, { ...settings, batchSize: 3 }),
    ]);

    expect(first.ordersErased + second.ordersErased).toBe(orders.length);
    const erased = await db.order.count({ where: { id: { in: orders.map((o) => o.orderId) }, personalDataErasedAt: { not: null } } });
    expect(erased).toBe(orders.length);
    expect((await sweepPersonalData(db, settings)).ordersErased).toBe(0);
  });

  it('leaves a batch cut short whole (as a kill -9 would): nothing of it half-erased, and the next pass erases it', async () => {
    const orders = [ids('CUT'), ids('CUT')];
    for (const order of orders) await insertOrderWithPersonalData(db, { shopId: 'shop-ret', ...order, overDaysAgo: 500 });
    const [first, last] = orders as [(typeof orders)[0], (typeof orders)[0]];
    // The second order's erasure fails half-way (its escalation cannot be written), after the first order's was done.
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_escalation_update() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'cut short'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER cut_short BEFORE UPDATE ON "Escalation" FOR EACH ROW WHEN (OLD."orderId" = '${last.orderId}')
        EXECUTE FUNCTION refuse_escalation_update();`);

    await expect(sweepPersonalData(db, { ...settings, batchSize: 50 })).rejects.toThrow(/cut short/);

    for (const order of orders) {
      expect((await db.order.findUniqueOrThrow({ where: { id: order.orderId } })).personalDataErasedAt).toBeNull();
      expect(personalDataIn(await everythingStoredFor(db, order.orderId, order.customerId))).toEqual(Object.values(PERSONAL));
    }
    await db.$executeRawUnsafe('DROP TRIGGER cut_short ON "Escalation"; DROP FUNCTION refuse_escalation_update();');
    expect((await sweepPersonalData(db, settings)).ordersErased).toBe(2);
    expect(personalDataIn(await everythingStoredFor(db, first.orderId, first.customerId))).toEqual([]);
  });

  it("drops ops actions' answers after their replay window: a repeat of the key is a 409, never a second application", async () => {
    const key = `restock-${Date.now()}`;
    let applied = 0;
    const request = {
      actor: 'ops-test',
      action: 'restock' as const,
      targetId: 'PAR1:MUG-CER-350',
      idempotencyKey: key,
      request: { quantity: 3 },
    };
    await runOpsAction(db, request, async () => ({ applied: ++applied }));
    await db.opsAction.updateMany({ where: { idempotencyKey: key }, data: { completedAt: new Date(Date.now() - 31 * 86_400_000) } });

    expect((await sweepPersonalData(db, settings)).answersDropped).toBeGreaterThanOrEqual(1);

    const row = await db.opsAction.findFirstOrThrow({ where: { idempotencyKey: key } });
    expect(row.response).toBeNull();
    const repeat = await runOpsAction(db, request, async () => ({ applied: ++applied })).catch((error: unknown) => error);
    expect(repeat).toMatchObject({ statusCode: 409, code: 'idempotency_conflict' });
    expect(applied).toBe(1);
  });

  it("strips personal texts from webhook events every subscriber received long ago, and from an erased order's new events", async () => {
    const { orderId, customerId } = ids('HOOK');
    await insertOrderWithPersonalData(db, { orderId, shopId: 'shop-ret', customerId, overDaysAgo: 20 });
    await db.webhookEvent.updateMany({ where: { orderId }, data: { createdAt: new Date(Date.now() - 40 * 86_400_000) } });

    expect((await sweepPersonalData(db, settings)).webhookEventsCleaned).toBeGreaterThanOrEqual(1);
    const event = await db.webhookEvent.findFirstOrThrow({ where: { orderId } });
    expect(event.payload).toMatchObject({ data: { status: 'delivered' } });
    expect(JSON.stringify(event.payload)).not.toContain(PERSONAL.scanDetail);

    // Once the order is erased, a late scan's event carries no scan words either, and writes no mail.
    await db.order.update({ where: { id: orderId }, data: { personalDataErasedAt: new Date() } });
    await db.webhookSubscription.create({
      data: { id: 'whsub_retention', shopId: 'shop-ret', url: 'https://shop.example.test/hooks', secret: 'whsec_retention' },
    });
    await withMilestones(db, noRelayWaker, async () => ({
      result: undefined,
      milestones: [
        {
          orderId,
          key: 'late-scan',
          mail: { milestone: 'action_needed', data: { location: PERSONAL.scanPlace } },
          webhook: { type: 'shipment.exception', data: { status: 'exception', detail: PERSONAL.scanDetail } },
        },
      ],
    }));
    expect(await db.customerMail.count({ where: { id: `${orderId}:late-scan` } })).toBe(0);
    const late = await db.webhookEvent.findUniqueOrThrow({ where: { dedupeKey: `${orderId}:late-scan` } });
    expect(late.payload).toMatchObject({ type: 'shipment.exception', data: { status: 'exception' } });
    expect(JSON.stringify(late.payload)).not.toContain(PERSONAL.scanDetail);
  });

  it('strips events whose deliveries ended parked or failed too (they were kept for good); a delivery still tried keeps its event whole', async () => {
    const { orderId, customerId } = ids('HOOKEND');
    await insertOrderWithPersonalData(db, { orderId, shopId: 'shop-ret', customerId, overDaysAgo: 20 });
    await db.webhookSubscription.create({
      data: { id: `whsub_${orderId}`, shopId: 'shop-ret', url: 'https://shop.example.test/ended', secret: 'whsec_ended' },
    });
    const payload = { type: 'shipment.exception', data: { status: 'exception', detail: PERSONAL.scanDetail } };
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const [seq, status] of [
      [901, 'parked'],
      [902, 'failed'],
      [903, 'pending'],
    ] as const) {
      const eventId = `evt-${orderId}-${status}`;
      await db.webhookEvent.create({
        data: { id: eventId, orderId, shopId: 'shop-ret', seq, type: payload.type, payload, dedupeKey: eventId, createdAt: old },
      });
      await db.webhookDelivery.create({
        data: { id: `${eventId}.whsub`, eventId, subscriptionId: `whsub_${orderId}`, orderId, seq, status, createdAt: old },
      });
    }

    await sweepPersonalData(db, settings);
    const detailOf = async (status: string) =>
      (await db.webhookEvent.findUniqueOrThrow({ where: { id: `evt-${orderId}-${status}` } })).payload;
    expect(JSON.stringify(await detailOf('parked'))).not.toContain(PERSONAL.scanDetail);
    expect(JSON.stringify(await detailOf('failed'))).not.toContain(PERSONAL.scanDetail);
    expect(await detailOf('pending')).toEqual(payload);
  });

  it('keeps answers for the configured replay window (COLIS_OPS_ANSWER_REPLAY_DAYS), not a fixed 30 days', async () => {
    const request = (key: string) => ({
      actor: 'ops-window',
      action: 'restock' as const,
      targetId: 'PAR1:MUG-CER-350',
      idempotencyKey: key,
      request: { quantity: 1 },
    });
    const key = `window-${Date.now()}`;
    await runOpsAction(db, request(key), async () => ({ applied: 1 }));
    await db.opsAction.updateMany({ where: { idempotencyKey: key }, data: { completedAt: new Date(Date.now() - 10 * 86_400_000) } });

    await sweepPersonalData(db, settings);
    expect((await db.opsAction.findFirstOrThrow({ where: { idempotencyKey: key } })).response).not.toBeNull();
    await sweepPersonalData(db, { ...settings, answerReplayDays: 7 });
    expect((await db.opsAction.findFirstOrThrow({ where: { idempotencyKey: key } })).response).toBeNull();
  });

  it('reads only the webhook events it has not gone through yet, by index: no scan of the whole table when none qualifies', async () => {
    const { orderId, customerId } = ids('HOOKSCAN');
    await insertOrderWithPersonalData(db, { orderId, shopId: 'shop-ret', customerId, overDaysAgo: 20 });
    // A year of events already gone through (and one with nothing personal, never marked yet): what the hourly pass meets.
    await db.$executeRaw`
      INSERT INTO "WebhookEvent" ("id", "orderId", "shopId", "seq", "type", "payload", "dedupeKey", "createdAt", "personalDataDroppedAt")
      SELECT 'evt-scan-' || g, ${orderId}, 'shop-ret', 1000 + g, 'order.confirmed', '{"data":{"status":"confirmed"}}'::jsonb,
        'scan-' || g, now() - interval '400 days' + g * interval '1 minute', now() - interval '1 day'
      FROM generate_series(1, 20000) g`;
    await db.$executeRaw`
      INSERT INTO "WebhookEvent" ("id", "orderId", "shopId", "seq", "type", "payload", "dedupeKey", "createdAt")
      VALUES ('evt-scan-plain', ${orderId}, 'shop-ret', 999, 'order.confirmed', '{"data":{"status":"confirmed"}}'::jsonb,
        'scan-plain', now() - interval '40 days')`;
    await db.$executeRawUnsafe('ANALYZE "WebhookEvent"');

    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    const [explained] = await db.$queryRaw<{ 'QUERY PLAN': unknown }[]>`EXPLAIN (FORMAT JSON) ${webhookEventsToClean(cutoff, 500)}`;
    const reads = readsOf(explained?.['QUERY PLAN']).filter((node) => node['Relation Name'] === 'WebhookEvent');
    expect(reads).toEqual([
      expect.objectContaining({
        'Index Name': 'WebhookEvent_personalDataDroppedAt_createdAt_idx',
        'Node Type': expect.stringMatching(/Index/),
      }),
    ]);

    // Gone through once: marked though it held nothing personal, and the next pass has nothing left of it.
    await sweepPersonalData(db, settings);
    const plain = await db.webhookEvent.findUniqueOrThrow({ where: { id: 'evt-scan-plain' } });
    expect(plain.personalDataDroppedAt).not.toBeNull();
    expect(plain.payload).toEqual({ data: { status: 'confirmed' } });
    expect((await sweepPersonalData(db, settings)).webhookEventsCleaned).toBe(0);
  });
});

/** Every node of an EXPLAIN (FORMAT JSON) plan, its tree flattened. */
function readsOf(plan: unknown): Record<string, unknown>[] {
  if (Array.isArray(plan)) return plan.flatMap(readsOf);
  if (typeof plan !== 'object' || plan === null) return [];
  const node = plan as Record<string, unknown>;
  return [...('Node Type' in node ? [node] : []), ...readsOf(node.Plan), ...readsOf(node.Plans)];
}
