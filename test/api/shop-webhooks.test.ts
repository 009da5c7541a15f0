import { MockActivityEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { ENV_SUBSCRIPTION_ID, syncEnvSubscription } from '../../activities/notifications/startup';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import { MAX_SHOP_SUBSCRIPTIONS, rotateSecret } from '../../api/routes/webhooks';
import { loadConfig } from '../../config';
import { createOrderActivities } from '../../activities/orders';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../domain/clock';
import type { OrderView } from '../../domain/journey';
import { type ReceivedWebhook, type ShopReceiver, startShopReceiver } from '../support/shop-receiver';
import type { Journey } from '../support/journey';
import { until } from '../workflows/steps';
import {
  carrierWebhook,
  expectErrorShape,
  KEYS,
  newKey,
  orderRequest,
  journeyApi,
  requestsAs,
  startShopJourney,
  stopShopJourney,
} from './harness';
import type { CarrierTrackingEvent } from '../../domain/carrier';
import { ids } from '../../domain/ids';
import type { TrackingStatus } from '../../domain/lifecycle';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import { shipmentView, skipBusinessTime, untilShipmentStage } from '../workflows/steps';

/**
 * Signed status webhooks to a shop's endpoint, over the whole journey (time-skipping server, every
 * worker, the notify relays) and the HTTP API: subscriptions, ordered and signed events, a dead
 * endpoint that never slows an order, three days of retries, the parked delivery and its replay.
 */
/**
 * Three days of delivery attempts are a dozen drains, each an HTTP call inside an activity; while one
 * runs the time-skipping server cannot skip, and a drain that outlives its heartbeat on a loaded
 * machine leaves its lease to expire in real time. 4–6 s on a quiet machine, over 120 s at a load
 * average of 25 on 2 cores: these tests get a budget for that, never a timing assertion.
 */
const SLOW_UNDER_LOAD_MS = 300_000;

let journey: Journey;
let app: FastifyInstance;
let receiver: ShopReceiver;

beforeAll(async () => {
  ({ journey, app, receiver } = await startShopJourney());
});
afterAll(() => stopShopJourney({ app, receiver, journey }));

const as = requestsAs(() => app);

async function placeAsShopA(): Promise<{ orderId: string; workflowId: string }> {
  const placed = await as(KEYS.intake, 'POST', '/orders', orderRequest({ lines: [{ sku: 'MUG-CER-350', quantity: 1 }] }), {
    'idempotency-key': newKey('wh'),
  });
  expect(placed.statusCode, placed.body).toBe(202);
  return placed.json();
}

const deliveriesOf = async (orderId: string, key: { key: string } = KEYS.ops) =>
  (await as(key, 'GET', `/webhooks/deliveries?orderId=${orderId}&limit=200`)).json().items as {
    id: string;
    subscriptionId: string;
    status: string;
    sequence: number;
    type: string;
    attempts: number;
    parkedReason?: string;
    attemptLog: { statusCode?: number }[];
  }[];

const subscriptionAs = async (key: { key: string }, id: string) =>
  ((await as(key, 'GET', '/webhooks/subscriptions')).json().items as { id: string; status: string }[]).find((s) => s.id === id);

describe('shop webhooks', () => {
  let subscriptionId = '';

  it('without a subscription an order writes no webhook event and starts no webhook relay (webhooks cost nothing in Temporal)', async () => {
    const { orderId, workflowId } = await placeAsShopA();
    expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('completed');
    expect(await journey.database.db.webhookEvent.count({ where: { orderId } })).toBe(0);
    // No webhook relay was ever asked to wake (its row is written with the first event it must send).
    expect(await journey.database.db.notificationRelay.count({ where: { id: { startsWith: 'webhooks:' } } })).toBe(0);
  });

  it("a shop subscribes with its own key and sees the secret once; ops and another shop's key see it without the secret", async () => {
    const created = await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: receiver.url }, { 'idempotency-key': newKey('sub') });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ shopId: 'shop-a', url: receiver.url, events: [], active: true });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    subscriptionId = body.id;
    receiver.secrets = [body.secret];
    const listed = (await as(KEYS.intake, 'GET', '/webhooks/subscriptions')).json();
    expect(listed.items).toEqual([expect.objectContaining({ id: subscriptionId })]);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    expect((await as(KEYS.intakeB, 'GET', '/webhooks/subscriptions')).json().items).toEqual([]);
    expectErrorShape(await as(KEYS.intakeB, 'POST', `/webhooks/subscriptions/${subscriptionId}/rotate`), 404, 'not_found');
    // An event type named twice is subscribed to once.
    const twice = await as(KEYS.intakeB, 'POST', '/webhooks/subscriptions', {
      url: receiver.url,
      events: ['shipment.shipped', 'shipment.shipped', 'shipment.delivered'],
    });
    expect(twice.statusCode, twice.body).toBe(201);
    expect(twice.json().events).toEqual(['shipment.shipped', 'shipment.delivered']);
    await journey.database.db.webhookSubscription.delete({ where: { id: twice.json().id } });
  });

  it("refuses what a client cannot mean: another shop's subscription, an unknown event type, a URL that is not http", async () => {
    expectErrorShape(await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: receiver.url, shopId: 'shop-b' }), 403, 'forbidden');
    const bad = expectErrorShape(
      await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: receiver.url, events: ['order.exploded'] }),
      400,
    );
    expect(bad.details?.[0]?.path).toBe('body.events.0');
    const ftp = expectErrorShape(await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: 'ftp://shop.example/x' }), 400);
    expect(ftp.details?.[0]?.path).toBe('body.url');
    // A port HTTP clients never call (SMTP's, "discard"): every delivery would fail for three days before it was parked.
    for (const url of ['http://127.0.0.1:9/hooks', 'https://shop.example:25/hooks']) {
      const port = expectErrorShape(await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url }), 400);
      expect(port.details, url).toEqual([
        { path: 'body.url', message: expect.stringMatching(/^uses port (9|25), which HTTP clients refuse/) },
      ]);
    }
    // Port 0 names no server: every delivery was refused by the network (ECONNREFUSED) until parked.
    for (const url of ['http://127.0.0.1:0/hooks', 'https://shop.example:0/hooks', 'http://127.0.0.1:00/hooks']) {
      const zero = expectErrorShape(await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url }), 400);
      expect(zero.details, url).toEqual([{ path: 'body.url', message: 'uses port 0, which no server listens on' }]);
    }
    // Past the last port: the URL does not parse, and the refusal says why (it said "is not an absolute URL").
    const past = expectErrorShape(
      await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: 'https://shop.example:99999/hooks' }),
      400,
    );
    expect(past.details).toEqual([{ path: 'body.url', message: 'uses port 99999, past the last port (65535)' }]);
    const ops = expectErrorShape(await as(KEYS.ops, 'POST', '/webhooks/subscriptions', { url: receiver.url }), 400);
    expect(ops.details?.[0]?.path).toBe('body.shopId');
    // Ops naming a shop Colis does not know (a typo): refused, nothing subscribed; a shop's key name is known before its first order.
    const before = await journey.database.db.webhookSubscription.count();
    const typo = expectErrorShape(await as(KEYS.ops, 'POST', '/webhooks/subscriptions', { url: receiver.url, shopId: 'shop-bb' }), 400);
    expect(typo.details?.[0]?.path).toBe('body.shopId');
    expect(await journey.database.db.webhookSubscription.count()).toBe(before);
    expectErrorShape(await as(KEYS.ops, 'PATCH', '/shops/shop-bb', { returnWindowDays: 14 }), 404, 'not_found');
    expect(await journey.database.db.shop.findUnique({ where: { id: 'shop-bb' } })).toBeNull();
  });

  it("holds a shop's own key to a few active subscriptions, so one shop's dead endpoints cannot hold every notify slot", async () => {
    // Each subscription's relay holds a colis-notify activity slot while it posts (20 per worker): 20 subscriptions to an
    // endpoint that never answers held them all, and customer mails and other shops' webhooks waited (probe4).
    const { db } = journey.database;
    // Sent at once: each request counted before any had inserted, and all eight were made.
    const tries = Array.from({ length: MAX_SHOP_SUBSCRIPTIONS + 3 }, () => newKey('cap'));
    const answers = await Promise.all(
      tries.map((key) => as(KEYS.intakeB, 'POST', '/webhooks/subscriptions', { url: receiver.url }, { 'idempotency-key': key })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(MAX_SHOP_SUBSCRIPTIONS).fill(201), 409, 409, 409]);
    const keys = tries.filter((_, i) => answers[i]?.statusCode === 201);
    const before = await db.webhookSubscription.count({ where: { shopId: 'shop-b' } });
    const over = expectErrorShape(await as(KEYS.intakeB, 'POST', '/webhooks/subscriptions', { url: receiver.url }), 409, 'conflict');
    expect(over.details).toEqual([
      { path: 'body.url', message: expect.stringContaining(`already holds ${MAX_SHOP_SUBSCRIPTIONS} active`) },
    ]);
    expect(await db.webhookSubscription.count({ where: { shopId: 'shop-b' } })).toBe(before);
    // A repeat of one already made still answers it; ops are not held to the cap.
    const repeat = await as(KEYS.intakeB, 'POST', '/webhooks/subscriptions', { url: receiver.url }, { 'idempotency-key': keys[0] ?? '' });
    expect(repeat.statusCode, repeat.body).toBe(200);
    const byOps = await as(KEYS.ops, 'POST', '/webhooks/subscriptions', { url: receiver.url, shopId: 'shop-b' });
    expect(byOps.statusCode, byOps.body).toBe(201);
    await db.webhookSubscription.deleteMany({ where: { shopId: 'shop-b' } });
  });

  it('in production a URL to loopback or a private network is a 400 naming body.url', async () => {
    const production = await journeyApi(journey, { allowPrivateWebhookUrls: false });
    try {
      for (const url of [receiver.url, 'https://127.0.0.1/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://10.0.0.8/x']) {
        const refused = await production.inject({
          method: 'POST',
          url: '/webhooks/subscriptions',
          headers: { 'x-api-key': KEYS.intake.key },
          payload: { url },
        });
        const error = expectErrorShape(refused, 400, 'validation_failed');
        expect(error.details?.[0]?.path).toBe('body.url');
      }
    } finally {
      await production.close();
    }
  });

  it(
    "an order's events reach the shop signed, in sequence, each once, and its deliveries are listed with their attempts",
    async () => {
      const { orderId, workflowId } = await placeAsShopA();
      expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('completed');
      const events = await until(
        journey,
        `webhooks of ${orderId}`,
        async () => receiver.received.filter((r) => r.orderId === orderId),
        (got) => got.some((r) => r.type === 'order.completed'),
        { stepMs: HOUR_MS },
      );
      expect(events.filter((e) => !e.verified)).toEqual([]);
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('order.accepted');
      expect(types.at(-1)).toBe('order.completed');
      expect(types).toEqual(expect.arrayContaining(['shipment.shipped', 'shipment.tracking_updated', 'shipment.delivered']));
      expect(types.indexOf('shipment.shipped')).toBeLessThan(types.indexOf('shipment.delivered'));
      expect(events[0]?.data).toMatchObject({ orderId, promisedBy: expect.any(String) });
      expect(JSON.stringify(events)).not.toMatch(/Camille|Durand|Lilas|@example/);

      // The relay records a delivery once the endpoint has answered: the last one may still be closing.
      const deliveries = await until(
        journey,
        `${orderId}'s deliveries recorded`,
        () => deliveriesOf(orderId),
        (list) => list.length === events.length && list.every((d) => d.status !== 'pending'),
        { stepMs: 60_000 },
      );
      expect(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.attemptLog[0]?.statusCode === 204)).toBe(true);
      expect(await deliveriesOf(orderId, KEYS.intake)).toHaveLength(events.length);
      expect(await deliveriesOf(orderId, KEYS.intakeB)).toEqual([]);
    },
    SLOW_UNDER_LOAD_MS,
  );

  it(
    'a dead endpoint never slows the order; it is retried with backoff for three days, parked as failed, and replayed by ops',
    async () => {
      receiver.mode = 'fail';
      const { orderId, workflowId } = await placeAsShopA();
      expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('completed');
      // The order is done; only the first of its events has been tried: the others wait behind it, in order.
      const parked = await until(
        journey,
        `${orderId}'s first webhook parked`,
        () => deliveriesOf(orderId),
        (list) => list.some((d) => d.status === 'failed'),
        { stepMs: 6 * HOUR_MS, maxBusinessMs: 6 * 24 * HOUR_MS, realMs: SLOW_UNDER_LOAD_MS - 30_000 },
      );
      const first = parked.find((d) => d.sequence === 1);
      expect(parked.filter((d) => d.status === 'failed').map((d) => d.sequence)).toEqual([1]);
      expect(first?.sequence).toBe(1);
      expect(first?.attempts).toBeGreaterThanOrEqual(8);
      expect(first?.attemptLog.every((a) => a.statusCode === 500)).toBe(true);
      expect((await as(KEYS.ops, 'GET', '/webhooks/deliveries?status=failed')).json().items.map((d: { id: string }) => d.id)).toContain(
        first?.id,
      );

      receiver.mode = 'ok';
      expect(receiver.refused).toBeGreaterThanOrEqual(first?.attempts ?? 99);
      const replayed = await as(KEYS.ops, 'POST', `/webhooks/deliveries/${first?.id}/replay`);
      expect(replayed.statusCode, replayed.body).toBe(200);
      expectErrorShape(await as(KEYS.intake, 'POST', `/webhooks/deliveries/${first?.id}/replay`), 403, 'forbidden');
      const delivered = await until(
        journey,
        `${orderId}'s webhooks after the replay`,
        () => deliveriesOf(orderId),
        (list) => list.every((d) => d.status !== 'pending') && list.find((d) => d.id === first?.id)?.status === 'delivered',
        { stepMs: 6 * HOUR_MS, maxBusinessMs: 6 * 24 * HOUR_MS, realMs: SLOW_UNDER_LOAD_MS - 30_000 },
      );
      expect(delivered.find((d) => d.id === first?.id)?.attempts).toBe((first?.attempts ?? 0) + 1);
      expect(receiver.received.filter((r) => r.orderId === orderId && r.sequence === 1)).toHaveLength(1);
    },
    SLOW_UNDER_LOAD_MS,
  );

  it('a subscription to some event types gets only those, signed with its own secret; the full one still gets every event', async () => {
    const picky = await startShopReceiver();
    try {
      const created = await as(
        KEYS.intake,
        'POST',
        '/webhooks/subscriptions',
        { url: picky.url, events: ['order.accepted', 'order.completed'] },
        { 'idempotency-key': newKey('sub-picky') },
      );
      expect(created.statusCode, created.body).toBe(201);
      picky.secrets = [created.json().secret];
      const { orderId, workflowId } = await placeAsShopA();
      expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('completed');
      const got = await until(
        journey,
        `the picky subscription's events of ${orderId}`,
        async () => picky.received.filter((r) => r.orderId === orderId),
        (events) => events.some((e) => e.type === 'order.completed'),
        { stepMs: HOUR_MS },
      );
      expect(got.map((e) => [e.type, e.verified])).toEqual([
        ['order.accepted', true],
        ['order.completed', true],
      ]);
      const all = await until(
        journey,
        `every event of ${orderId}`,
        async () => receiver.received.filter((r) => r.orderId === orderId),
        (events) => events.some((e) => e.type === 'order.completed'),
        { stepMs: HOUR_MS },
      );
      // The order's sequence numbers: the picky receiver sees the first and the last of the full stream.
      expect(got.map((e) => e.sequence)).toEqual([1, all.length]);
      expect(all.length).toBeGreaterThan(2);
      await as(KEYS.intake, 'DELETE', `/webhooks/subscriptions/${created.json().id}`);
    } finally {
      await picky.close();
    }
  });

  it(
    "a cancel by the shop's own key, a parcel in trouble and a moved promise reach the shop: order.cancelled, shipment.exception, order.promise_changed",
    async () => {
      receiver.mode = 'ok';
      const cancelled = await placeAsShopA();
      const answer = await as(KEYS.intake, 'POST', `/orders/${cancelled.orderId}/cancel`, { reason: 'the customer changed their mind' });
      expect(answer.statusCode, answer.body).toBe(200);
      expect(((await journey.env.client.workflow.getHandle(cancelled.workflowId).result()) as OrderView).stage).toBe('cancelled');

      const troubled = await as(
        KEYS.intake,
        'POST',
        '/orders',
        orderRequest({
          lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
          shipTo: {
            name: 'Camille Durand [scenario:exception_then_delivered]',
            line1: '12 rue des Lilas',
            city: 'Lyon',
            postalCode: '69003',
            countryCode: 'FR',
          },
        }),
        { 'idempotency-key': newKey('wh-exception') },
      );
      expect(troubled.statusCode, troubled.body).toBe(202);
      const { orderId, workflowId } = troubled.json() as { orderId: string; workflowId: string };
      expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('completed');
      // A promise moved after the journey (as a late scan moves it): announced like the journey announces it.
      const moved = {
        orderId,
        previousPromisedBy: '2026-12-07T12:00:00Z',
        promisedBy: '2026-12-11T12:00:00Z',
        reason: 'the carrier is behind its schedule',
        reasonCode: 'late_scan',
      };
      await new MockActivityEnvironment().run(
        createOrderActivities(journey.database.db, temporalRelayWaker(journey.env.client)).announcePromiseChange,
        moved,
      );

      const eventsOf = (id: string, done: (e: ReceivedWebhook) => boolean) =>
        until(
          journey,
          `the events of ${id} at the shop`,
          async () => receiver.received.filter((r) => r.orderId === id),
          (got) => got.some(done),
          { stepMs: HOUR_MS },
        );
      const cancelEvents = await eventsOf(cancelled.orderId, (e) => e.type === 'order.cancelled');
      expect(cancelEvents.map((e) => [e.sequence, e.type, e.verified])).toEqual([
        [1, 'order.accepted', true],
        [2, 'order.cancelled', true],
      ]);
      // The journey may re-promise on its own on the way (the exception delays the parcel): the moved date is the one sent here.
      const troubleEvents = await eventsOf(orderId, (e) => e.type === 'order.promise_changed' && e.data.promisedBy === moved.promisedBy);
      expect(troubleEvents.every((e) => e.verified)).toBe(true);
      expect(troubleEvents.map((e) => e.sequence)).toEqual(troubleEvents.map((_, i) => i + 1));
      const types = troubleEvents.map((e) => e.type);
      expect(types.indexOf('shipment.exception')).toBeGreaterThan(types.indexOf('shipment.shipped'));
      expect(types.indexOf('shipment.exception')).toBeLessThan(types.indexOf('shipment.delivered'));
      expect(troubleEvents.find((e) => e.type === 'shipment.exception')?.data).toMatchObject({ status: 'exception' });
      // Each change of status is told, the exception and the recovery from it included.
      const statuses = troubleEvents.filter((e) => e.type === 'shipment.tracking_updated').map((e) => e.data.status);
      expect(statuses.slice(statuses.indexOf('exception'))).toEqual(['exception', 'in_transit', 'out_for_delivery', 'delivered']);
      expect(troubleEvents.at(-1)).toMatchObject({
        type: 'order.promise_changed',
        data: { promisedBy: moved.promisedBy, reasonCode: 'late_scan' },
      });
      // The shop reads its own deliveries of them.
      const own = await deliveriesOf(cancelled.orderId, KEYS.intake);
      expect(own.sort((a, b) => a.sequence - b.sequence).map((d) => d.type)).toEqual(['order.accepted', 'order.cancelled']);
    },
    SLOW_UNDER_LOAD_MS,
  );

  it(
    'a carrier webhook whose scans go somewhere and back tells the shop every change (shipment.exception) and the customer where it ends, once',
    async () => {
      receiver.mode = 'ok';
      const email = uniqueAddress('round-trip');
      const placed = await as(
        KEYS.intake,
        'POST',
        '/orders',
        orderRequest({
          customer: { id: 'CUST-ROUND-TRIP', name: 'Camille Durand', email },
          lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
          // The simulated carrier never scans the parcel: every scan is this test's webhook.
          shipTo: {
            name: 'Camille Durand [scenario:unused]',
            line1: '12 rue des Lilas',
            city: 'Lyon',
            postalCode: '69003',
            countryCode: 'FR',
          },
        }),
        { 'idempotency-key': newKey('wh-round-trip') },
      );
      expect(placed.statusCode, placed.body).toBe(202);
      const { orderId, workflowId } = placed.json() as { orderId: string; workflowId: string };
      const shipmentId = ids.shipmentId(orderId, 1);
      const labelled = await untilShipmentStage(journey, shipmentId, ['label_created'], { stepMs: HOUR_MS });
      const carrier = labelled.carrierCode as SimulatedCarrierCode;
      // The last hour on the API's (wall) clock, which the time-skipping server has left behind: the label's own scan,
      // dated on the server's clock, sorts after these and is stale; a scan from beyond the API's clock would be redated.
      const t0 = Date.now() - HOUR_MS;
      const scan = (id: string, status: TrackingStatus, minutes: number, detail: string): CarrierTrackingEvent => ({
        carrierCode: carrier,
        eventId: `${id}-${shipmentId}`,
        trackingNumber: labelled.trackingNumber ?? '',
        statusCode: CARRIER_STATUS_CODES[carrier][status],
        detail,
        location: 'Lyon',
        occurredAt: new Date(t0 + minutes * 60_000).toISOString(),
      });
      const pushed = async (events: CarrierTrackingEvent[], answer: Record<string, unknown>) => {
        const response = await carrierWebhook(app, carrier, events);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json()).toMatchObject(answer);
        // One batch heard at a time, as a carrier's webhooks come: the next waits until this one is in the workflow.
        const last = events.at(-1)?.detail;
        await until(
          journey,
          `${last} in the shipment's timeline`,
          () => shipmentView(journey, shipmentId),
          (view) => view.timeline.some((e) => e.detail === last),
          { stepMs: 60_000 },
        );
      };

      await pushed([scan('pickup', 'in_transit', 0, 'Parcel picked up')], { accepted: 1 });
      // Held at customs and released, in one webhook: in transit again, as before it.
      await pushed([scan('held', 'exception', 10, 'Held at customs'), scan('released', 'in_transit', 20, 'Released by customs')], {
        accepted: 2,
      });
      await pushed([scan('van', 'out_for_delivery', 30, 'Out for delivery')], { accepted: 1 });
      // A missed attempt and the van's second round, in one webhook: out for delivery, as before it.
      const secondRound = [scan('missed', 'delivery_failed', 40, 'Nobody at home'), scan('again', 'out_for_delivery', 45, 'Second round')];
      await pushed(secondRound, { accepted: 2 });
      // The carrier delivers that webhook again: a duplicate, news to nobody.
      expect((await carrierWebhook(app, carrier, secondRound)).json()).toMatchObject({ accepted: 0, duplicate: true });
      await pushed([scan('door', 'delivered', 50, 'Delivered')], { accepted: 1 });
      expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('completed');

      const events = await until(
        journey,
        `the events of ${orderId} at the shop`,
        async () => receiver.received.filter((r) => r.orderId === orderId),
        (got) => got.some((e) => e.type === 'order.completed'),
        { stepMs: HOUR_MS },
      );
      expect(events.every((e) => e.verified)).toBe(true);
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      // Each change of status once, in the order of the scans; an exception for each trouble on the way.
      const changes = events.flatMap((e) =>
        e.type === 'shipment.tracking_updated'
          ? [`${e.data.previousStatus} → ${e.data.status}`]
          : e.type === 'shipment.exception'
            ? [`exception: ${e.data.status}`]
            : [],
      );
      expect(changes).toEqual([
        'label_created → in_transit',
        'in_transit → exception',
        'exception: exception',
        'exception → in_transit',
        'in_transit → out_for_delivery',
        'out_for_delivery → delivery_failed',
        'exception: delivery_failed',
        'delivery_failed → out_for_delivery',
        'out_for_delivery → delivered',
      ]);
      expect(events.find((e) => e.type === 'shipment.exception')?.data).toMatchObject({ status: 'exception', detail: 'Held at customs' });
      // The customer: the van once, the doorstep once; nothing for a trouble the carrier got over within the batch.
      const mails = await until(
        journey,
        `the mails to ${email}`,
        () => mailsTo(email),
        (got) => got.some((m) => milestoneOf(m) === 'delivered'),
        { stepMs: HOUR_MS },
      );
      const sent = (milestone: string) => mails.filter((m) => milestoneOf(m) === milestone).length;
      expect({ outForDelivery: sent('out_for_delivery'), delivered: sent('delivered'), actionNeeded: sent('action_needed') }).toEqual({
        outForDelivery: 1,
        delivered: 1,
        actionNeeded: 0,
      });
    },
    SLOW_UNDER_LOAD_MS,
  );

  it(
    'a rotated secret signs alongside the old one for a day, so the receiver can switch without missing a delivery',
    async () => {
      receiver.mode = 'ok';
      const rotated = await as(KEYS.intake, 'POST', `/webhooks/subscriptions/${subscriptionId}/rotate`);
      expect(rotated.statusCode, rotated.body).toBe(200);
      const { secret, previousSecretValidUntil } = rotated.json();
      expect(previousSecretValidUntil).toEqual(expect.any(String));
      const old = receiver.secrets[0] ?? '';
      receiver.secrets = [secret];
      const { orderId, workflowId } = await placeAsShopA();
      await journey.env.client.workflow.getHandle(workflowId).result();
      const events = await until(
        journey,
        `webhooks of ${orderId}`,
        async () => receiver.received.filter((r) => r.orderId === orderId),
        (got) => got.some((r) => r.type === 'order.completed'),
        { stepMs: HOUR_MS, realMs: SLOW_UNDER_LOAD_MS - 30_000 },
      );
      expect(events.every((e) => e.verified && e.signature.split(' ').length === 2)).toBe(true);
      receiver.secrets = [old];
      expect(old).not.toBe(secret);
    },
    SLOW_UNDER_LOAD_MS,
  );
  it('a rotation over a secret that changed meanwhile (two at once) is refused with 409 and stores nothing', async () => {
    const before = await journey.database.db.webhookSubscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    const stale = { id: subscriptionId, secret: `whsec_${Buffer.from('a secret read before another rotation').toString('base64')}` };
    const refused = await rotateSecret(journey.database.db, stale).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ statusCode: 409, code: 'conflict' });
    expect(await journey.database.db.webhookSubscription.findUniqueOrThrow({ where: { id: subscriptionId } })).toEqual(before);
  });

  it(
    'an endpoint answering 410 Gone disables its subscription and its deliveries stop; enabled again, it gets the new events, and the parked ones when asked',
    async () => {
      receiver.mode = 'ok';
      const gone = await startShopReceiver();
      try {
        gone.mode = { answer: 410 };
        const created = await as(
          KEYS.intake,
          'POST',
          '/webhooks/subscriptions',
          { url: gone.url },
          { 'idempotency-key': newKey('sub-gone') },
        );
        expect(created.statusCode, created.body).toBe(201);
        const { id } = created.json() as { id: string };
        gone.secrets = [created.json().secret];
        const first = await placeAsShopA();
        // Read from the database while waiting: the shop key's rate limit is not for polling.
        await until(
          journey,
          `subscription ${id} disabled by its endpoint`,
          () => journey.database.db.webhookSubscription.findUniqueOrThrow({ where: { id } }),
          (sub) => !sub.active,
          { stepMs: 60_000 },
        );
        const disabled = await subscriptionAs(KEYS.intake, id);
        expect(disabled).toMatchObject({
          active: false,
          status: 'disabled',
          disabledReason: 'endpoint_gone',
          disabledAt: expect.any(String),
        });
        expect(created.json()).toMatchObject({ active: true, status: 'active' });
        await journey.env.client.workflow.getHandle(first.workflowId).result();
        // One POST was answered 410; nothing is tried after it, nothing waits as pending, and the order's later events
        // were not queued for the disabled subscription (or, recorded before the 410, were parked with the rest).
        const parked = await until(
          journey,
          `${first.orderId}'s deliveries to the gone endpoint settled`,
          async () => (await deliveriesOf(first.orderId)).filter((d) => d.subscriptionId === id),
          (list) => list.length > 0 && list.every((d) => d.status === 'parked'),
          { stepMs: HOUR_MS },
        );
        expect(parked.every((d) => d.parkedReason === 'endpoint_gone')).toBe(true);
        expect(parked.reduce((sum, d) => sum + d.attempts, 0)).toBe(1);
        expect(gone.refused).toBe(1);
        const all = (await as(KEYS.intake, 'GET', `/webhooks/deliveries?orderId=${first.orderId}`)).json().items as { type: string }[];
        expect(parked.length).toBeLessThanOrEqual(all.length);

        // Bad input names the field and changes nothing; another shop's key does not find it.
        for (const [body, path] of [
          [{}, 'body.active'],
          [{ active: 'yes' }, 'body.active'],
          [{ active: true, url: 'http://127.0.0.1:1/x' }, 'body.url'],
        ] as const) {
          const bad = expectErrorShape(await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, body), 400, 'validation_failed');
          expect(
            bad.details?.map((d) => d.path),
            JSON.stringify(body),
          ).toEqual([path]);
        }
        expectErrorShape(await as(KEYS.intakeB, 'PATCH', `/webhooks/subscriptions/${id}`, { active: true }), 404, 'not_found');
        expect((await subscriptionAs(KEYS.intake, id))?.status).toBe('disabled');

        // A parked delivery is not replayed into a disabled subscription.
        const firstParked = [...parked].sort((a, b) => a.sequence - b.sequence)[0];
        const early = expectErrorShape(await as(KEYS.ops, 'POST', `/webhooks/deliveries/${firstParked?.id}/replay`), 409);
        expect(early.message).toContain('is disabled');

        gone.mode = 'ok';
        const enabled = await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: true });
        expect(enabled.statusCode, enabled.body).toBe(200);
        expect(enabled.json()).toMatchObject({ id, active: true, status: 'active' });
        expect(enabled.json().disabledReason).toBeUndefined();
        const second = await placeAsShopA();
        const events = await until(
          journey,
          `${second.orderId}'s events at the endpoint enabled again`,
          async () => gone.received.filter((r) => r.orderId === second.orderId),
          (got) => got.some((r) => r.type === 'order.completed'),
          { stepMs: HOUR_MS },
        );
        expect(events.every((e) => e.verified)).toBe(true);
        expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
        // The first order's parked deliveries stay parked: enabling sends what is recorded from then on.
        expect(gone.received.filter((r) => r.orderId === first.orderId)).toEqual([]);
        // Ops may replay one once the subscription is active again.
        const replayed = await as(KEYS.ops, 'POST', `/webhooks/deliveries/${firstParked?.id}/replay`);
        expect(replayed.statusCode, replayed.body).toBe(200);
        const again = await until(
          journey,
          `${first.orderId}'s replayed delivery at the endpoint`,
          async () => gone.received.filter((r) => r.orderId === first.orderId),
          (got) => got.length > 0,
          { stepMs: 60_000 },
        );
        expect(again.map((r) => r.sequence)).toEqual([firstParked?.sequence]);
        // The shop may disable it too, and asking twice changes nothing.
        for (let i = 0; i < 2; i += 1) {
          const off = await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: false });
          expect(off.statusCode, off.body).toBe(200);
          expect(off.json()).toMatchObject({ active: false, status: 'disabled', disabledReason: 'disabled_by_shop' });
        }
        // Enabled again with resendParked, the rest of what the 410 parked goes out, in order, each once.
        const refused = expectErrorShape(
          await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: false, resendParked: true }),
          400,
          'validation_failed',
        );
        expect(refused.details?.map((d) => d.path)).toEqual(['body.resendParked']);
        const resent = await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: true, resendParked: true });
        expect(resent.statusCode, resent.body).toBe(200);
        expect(resent.json()).toMatchObject({ status: 'active', resentDeliveries: parked.length - 1 });
        const caughtUp = await until(
          journey,
          `${first.orderId}'s parked deliveries sent again`,
          async () => gone.received.filter((r) => r.orderId === first.orderId),
          (got) => got.length >= parked.length,
          { stepMs: 60_000 },
        );
        expect(caughtUp.map((r) => r.sequence)).toEqual(parked.map((d) => d.sequence).sort((a, b) => a - b));
        const again2 = await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: true, resendParked: true });
        expect(again2.json()).toMatchObject({ resentDeliveries: 0 });
        // A resend committed whose relay wake-up Temporal refused (the PATCH answered 503): its deliveries are pending
        // and the drained relay sleeps for hours. The client's repeat finds nothing to change and still wakes it.
        const before = gone.received.length;
        await journey.database.db.webhookDelivery.updateMany({
          where: { subscriptionId: id, orderId: first.orderId, seq: caughtUp[0]?.sequence },
          data: { status: 'pending', nextAttemptAt: new Date(), deliveredAt: null },
        });
        const repeat = await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: true, resendParked: true });
        expect(repeat.json()).toMatchObject({ status: 'active', resentDeliveries: 0 });
        await until(
          journey,
          'the pending delivery sent once its repeat woke the relay',
          async () => gone.received.length,
          (count) => count > before,
          { stepMs: 60_000, maxBusinessMs: 30 * 60_000 },
        );
        await as(KEYS.intake, 'DELETE', `/webhooks/subscriptions/${id}`);
      } finally {
        await gone.close();
      }
    },
    SLOW_UNDER_LOAD_MS,
  );

  it("enabling a subscription again counts towards a shop key's cap of active ones (409 naming body.active)", async () => {
    const { db } = journey.database;
    const made: string[] = [];
    for (let i = 0; i < MAX_SHOP_SUBSCRIPTIONS; i += 1) {
      const created = await as(
        KEYS.intakeB,
        'POST',
        '/webhooks/subscriptions',
        { url: receiver.url },
        { 'idempotency-key': newKey('cap-on') },
      );
      expect(created.statusCode, created.body).toBe(201);
      made.push(created.json().id);
    }
    const [off] = made;
    expect((await as(KEYS.intakeB, 'PATCH', `/webhooks/subscriptions/${off}`, { active: false })).json().status).toBe('disabled');
    const another = await as(
      KEYS.intakeB,
      'POST',
      '/webhooks/subscriptions',
      { url: receiver.url },
      { 'idempotency-key': newKey('cap-on') },
    );
    expect(another.statusCode, another.body).toBe(201);
    const over = expectErrorShape(await as(KEYS.intakeB, 'PATCH', `/webhooks/subscriptions/${off}`, { active: true }), 409, 'conflict');
    expect(over.details?.map((d) => d.path)).toEqual(['body.active']);
    expect((await subscriptionAs(KEYS.intakeB, off ?? ''))?.status).toBe('disabled');
    // Ops are not held to it.
    expect((await as(KEYS.ops, 'PATCH', `/webhooks/subscriptions/${off}`, { active: true })).json().status).toBe('active');
    await db.webhookSubscription.deleteMany({ where: { shopId: 'shop-b' } });
  });

  it(
    'removing a subscription parks its pending deliveries: nothing is tried for it again, nothing lingers as pending',
    async () => {
      receiver.mode = 'ok';
      const down = await startShopReceiver();
      try {
        down.mode = 'fail';
        const created = await as(
          KEYS.intake,
          'POST',
          '/webhooks/subscriptions',
          { url: down.url },
          { 'idempotency-key': newKey('sub-down') },
        );
        expect(created.statusCode, created.body).toBe(201);
        const { id } = created.json() as { id: string };
        const { orderId, workflowId } = await placeAsShopA();
        await journey.env.client.workflow.getHandle(workflowId).result();
        // Tried at least once and waiting for its next try, as a dead endpoint's deliveries wait.
        await until(
          journey,
          `${orderId}'s first delivery to the dead endpoint tried`,
          async () => (await deliveriesOf(orderId)).filter((d) => d.subscriptionId === id),
          (list) => list.some((d) => d.attempts > 0 && d.status === 'pending'),
          { stepMs: 60_000 },
        );
        const removed = await as(KEYS.intake, 'DELETE', `/webhooks/subscriptions/${id}`);
        expect(removed.statusCode, removed.body).toBe(200);
        const pending = (await as(KEYS.intake, 'GET', `/webhooks/deliveries?subscriptionId=${id}&status=pending`)).json().items;
        expect(pending.map((d: { id: string; status: string }) => d.status)).toEqual([]);
        expect(removed.json()).toMatchObject({ id, active: false, status: 'removed', removedAt: expect.any(String) });
        const settled = (await deliveriesOf(orderId)).filter((d) => d.subscriptionId === id);
        // The order's journey may have taken the three days after which its first delivery was given up on (failed).
        const parked = settled.filter((d) => d.status !== 'failed');
        expect(parked.length).toBeGreaterThan(0);
        expect(parked.filter((d) => d.status !== 'parked' || d.parkedReason !== 'subscription_removed')).toEqual([]);
        const tried = down.refused;
        await skipBusinessTime(journey, 12 * HOUR_MS);
        expect(down.refused).toBe(tried);
        // Removed for good: it cannot be enabled again, nor its deliveries replayed.
        expectErrorShape(await as(KEYS.intake, 'PATCH', `/webhooks/subscriptions/${id}`, { active: true }), 409, 'conflict');
        expectErrorShape(await as(KEYS.ops, 'POST', `/webhooks/deliveries/${parked[0]?.id}/replay`), 409, 'conflict');
        // A second removal answers it as it is.
        const again = await as(KEYS.intake, 'DELETE', `/webhooks/subscriptions/${id}`);
        expect(again.json().removedAt).toBe(removed.json().removedAt);
      } finally {
        await down.close();
      }
    },
    SLOW_UNDER_LOAD_MS,
  );

  it("the subscription behind COLIS_SHOP_WEBHOOK_URL is its variables': the API neither rotates nor removes it (409 naming them)", async () => {
    const db = journey.database.db;
    const secret = `whsec_${Buffer.from('the operator secret of the env subscription').toString('base64')}`;
    await syncEnvSubscription(
      db,
      notifyConfigFrom(loadConfig({ COLIS_SHOP_WEBHOOK_URL: receiver.url, COLIS_SHOP_WEBHOOK_SECRET: secret })),
    );
    try {
      const listed = (await as(KEYS.ops, 'GET', '/webhooks/subscriptions')).json().items.map((s: { id: string }) => s.id);
      expect(listed).toContain(ENV_SUBSCRIPTION_ID);
      for (const [method, url] of [
        ['POST', `/webhooks/subscriptions/${ENV_SUBSCRIPTION_ID}/rotate`],
        ['DELETE', `/webhooks/subscriptions/${ENV_SUBSCRIPTION_ID}`],
      ] as const) {
        const error = expectErrorShape(await as(KEYS.ops, method, url), 409, 'conflict');
        expect(error.message).toContain('COLIS_SHOP_WEBHOOK_URL');
      }
      expect(await db.webhookSubscription.findUniqueOrThrow({ where: { id: ENV_SUBSCRIPTION_ID } })).toMatchObject({
        secret,
        previousSecret: null,
        active: true,
      });
    } finally {
      await syncEnvSubscription(db, notifyConfigFrom(loadConfig({})));
    }
  });
});

describe('a subscription requested twice at once under one Idempotency-Key', () => {
  it('creates one subscription and answers every copy with it and its one secret, never a 409', async () => {
    const key = newKey('sub-race');
    const body = { url: 'http://127.0.0.1:59999/race', shopId: KEYS.intakeB.name };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => as(KEYS.ops, 'POST', '/webhooks/subscriptions', body, { 'idempotency-key': key })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array.from({ length: 11 }, () => 200), 201]);
    expect(new Set(answers.map((a) => `${a.json().id} ${a.json().secret}`)).size).toBe(1);
    expect(await journey.database.db.webhookSubscription.count({ where: { shopId: KEYS.intakeB.name } })).toBe(1);
    await journey.database.db.webhookSubscription.deleteMany({ where: { shopId: KEYS.intakeB.name } });
  });
});
