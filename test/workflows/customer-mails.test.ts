import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createNotifyActivities } from '../../activities/notifications';
import { notifyConfigFrom } from '../../activities/notifications/config';
import { loadConfig } from '../../config';
import { MailRelay } from '../../activities/notifications/mail-relay';
import { noRelayWaker, withMilestones } from '../../activities/notifications/outbox';
import { WebhookRelay } from '../../activities/notifications/webhook-relay';
import { HOUR_MS } from '../../domain/clock';
import { relayIds } from '../../domain/notifications';
import { type CaughtMail, mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import { startJourney, type Journey } from '../support/journey';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { trackingEventsSignal } from '../../workflows/definitions';
import { RELAY_WORKFLOW_TYPE } from '../../workflows/notify/definitions';
import { TASK_QUEUES } from '../../domain/ids';
import { temporal } from '@temporalio/proto';
import { orderIdOf, recipient, until, untilShipmentStage } from './steps';

/**
 * Customer mails over the whole journey: real workers on the time-skipping server, mails sent over
 * SMTP to the suite's MailDev and read back through its REST API.
 */
let journey: Journey;

beforeAll(async () => {
  journey = await startJourney({ notify: true });
  await journey.database.db.shop.create({ data: { id: 'atelier', displayName: 'Atelier Lumière' } });
});
afterAll(async () => {
  await journey?.teardown();
});

async function untilMails(address: string, milestones: string[]): Promise<CaughtMail[]> {
  return until(
    journey,
    `mails ${milestones.join(', ')} to ${address}`,
    () => mailsTo(address),
    (mails) => milestones.every((m) => mails.some((mail) => milestoneOf(mail) === m)),
    { stepMs: HOUR_MS },
  );
}

// One customer per address: a customer's mails go to the address their latest order gave.
const customer = (email: string, name = 'Camille Martin') => ({
  id: `CUST-${email.split('@')[0]?.replace(/\./g, '-')}`.slice(0, 64),
  name,
  email,
});

/** How a workflow the test started ended within 15 s: 'completed', its failure's messages down the causes, or that it had not. */
function outcomeWithin15s(handle: { result(): Promise<unknown> }): Promise<string> {
  const stuck = new Promise<string>((resolve) => setTimeout(() => resolve('no result after 15 s'), 15_000).unref());
  const ended = handle.result().then(
    () => 'completed',
    (error: Error) => {
      const messages: string[] = [];
      for (let e: unknown = error; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) messages.push(e.message);
      return messages.join(' / ');
    },
  );
  return Promise.race([ended, stuck]);
}

describe('customer mails', () => {
  it('a delivered French order sends confirmed, shipped, out for delivery and delivered, once each, in French, with the shop name', async () => {
    const email = uniqueAddress('camille');
    const handle = await journey.placeOrder({ customer: customer(email) }, { shopId: 'atelier' });
    expect((await handle.result()).stage).toBe('completed');
    const mails = await untilMails(email, ['order_confirmed', 'shipped', 'out_for_delivery', 'delivered']);
    expect(mails.map(milestoneOf)).toEqual(['order_confirmed', 'shipped', 'out_for_delivery', 'delivered']);
    const orderId = orderIdOf(handle);
    for (const mail of mails) {
      expect(mail.headers['content-language']).toBe('fr');
      expect(mail.headers['x-colis-order']).toBe(orderId);
      expect(mail.from[0]?.name).toBe('Atelier Lumière');
      expect(mail.text).toContain('Bonjour Camille Martin');
      expect(mail.html).toContain('<html lang="fr">');
    }
    const [confirmed, shipped] = mails;
    expect(confirmed?.subject).toBe(`Atelier Lumière : votre commande ${orderId} est confirmée`);
    expect(confirmed?.text).toMatch(/au plus tard le \S+ \d+ \S+ \d{4}/);
    const shipment = await journey.database.db.shipment.findFirstOrThrow({ where: { orderId } });
    expect(shipped?.text).toContain(shipment.trackingNumber ?? 'no tracking number');
    // The tracking link carries the order's token: the customer opens their page without a key.
    expect(shipped?.text).toMatch(new RegExp(`/track/${orderId}\\?t=[A-Za-z0-9_-]{32}`));
    expect(shipped?.html).toMatch(new RegExp(`href="http://127\\.0\\.0\\.1:\\d+/track/${orderId}\\?t=`));
    // The relay marks a row sent once the SMTP server has taken the mail: the mailbox can show it a moment before.
    const rows = await vi.waitFor(
      async () => {
        const found = await journey.database.db.customerMail.findMany({ where: { orderId } });
        expect(found.map((r) => r.status)).toEqual(found.map(() => 'sent'));
        return found;
      },
      { timeout: 30_000, interval: 250 },
    );
    // Nothing personal in the outbox: the address is read from Customer when the mail leaves.
    expect(JSON.stringify(rows.map((r) => r.data))).not.toMatch(/@|Camille|République/);
  });

  it('the language follows the order: English to Germany by default, English to France when the order asks for it', async () => {
    const toBerlin = uniqueAddress('emma');
    const german = await journey.placeOrder({
      customer: customer(toBerlin, 'Emma Schmidt'),
      shipTo: { name: 'Emma Schmidt', line1: 'Invalidenstraße 43', city: 'Berlin', postalCode: '10115', countryCode: 'DE' },
    });
    const askedEnglish = uniqueAddress('hugo');
    const english = await journey.placeOrder({ customer: customer(askedEnglish, 'Hugo Dubois'), locale: 'en-GB' });
    // One at a time: the time-skipping server skips for one awaited result at once.
    await german.result();
    await english.result();
    for (const address of [toBerlin, askedEnglish]) {
      const mails = await untilMails(address, ['order_confirmed', 'delivered']);
      expect(mails.every((m) => m.headers['content-language'] === 'en')).toBe(true);
      expect(mails.find((m) => milestoneOf(m) === 'order_confirmed')?.subject).toMatch(/^Colis: your order ORD-\S+ is confirmed$/);
    }
  });

  it('a failed delivery attempt tells the customer, and an order that opted out gets no mail at all', async () => {
    const email = uniqueAddress('lea');
    const failing = await journey.placeOrder({
      customer: customer(email, 'Léa Laurent'),
      shipTo: recipient('Léa Laurent [scenario:delivery_failed_then_delivered]'),
    });
    const silentEmail = uniqueAddress('noah');
    const silent = await journey.placeOrder({ customer: customer(silentEmail, 'Noah Weber'), notifyCustomer: false });
    await failing.result();
    await silent.result();
    const mails = await untilMails(email, ['action_needed', 'delivered']);
    const problem = mails.filter((m) => milestoneOf(m) === 'action_needed');
    expect(problem).toHaveLength(1);
    expect(problem[0]?.subject).toContain('la livraison de votre colis a échoué');
    expect(mails.filter((m) => milestoneOf(m) === 'out_for_delivery')).toHaveLength(1);
    expect(await mailsTo(silentEmail)).toEqual([]);
    expect(await journey.database.db.customerMail.count({ where: { orderId: orderIdOf(silent) } })).toBe(0);
  });

  it('a parcel left at a pickup point tells the customer where, once; a poll that brings a whole day tells only where it ended', async () => {
    const email = uniqueAddress('hugo');
    // The carrier scans nothing by itself: the test brings the scans, two of them in one batch as a poll would.
    const handle = await journey.placeOrder({
      customer: customer(email, 'Hugo Dubois'),
      shipTo: recipient('Hugo Dubois [scenario:unused]'),
    });
    const shipmentId = `${orderIdOf(handle)}-S1`;
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const nowMs = await journey.env.currentTimeMs();
    const scan = (n: number, status: 'in_transit' | 'available_for_pickup' | 'delivered', minutes: number, location?: string) => ({
      carrierCode: carrier,
      eventId: `${shipmentId}-pickup-${n}`,
      trackingNumber: booked.trackingNumber ?? '',
      statusCode: CARRIER_STATUS_CODES[carrier][status],
      occurredAt: new Date(nowMs + minutes * 60_000).toISOString(),
      ...(location ? { location } : {}),
    });
    const parcel = journey.env.client.workflow.getHandle(`shipment-${shipmentId}`);
    await parcel.signal(trackingEventsSignal, {
      source: 'poll',
      events: [scan(1, 'in_transit', 1), scan(2, 'available_for_pickup', 2, 'Relais Tabac de la Gare, Lyon')],
    });
    await untilShipmentStage(journey, shipmentId, ['available_for_pickup']);
    await parcel.signal(trackingEventsSignal, { source: 'poll', events: [scan(3, 'delivered', 3)] });
    expect((await handle.result()).stage).toBe('completed');
    const mails = await untilMails(email, ['shipped', 'action_needed', 'delivered']);
    const waiting = mails.filter((m) => milestoneOf(m) === 'action_needed');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.subject).toContain('votre colis vous attend en point relais');
    expect(waiting[0]?.text).toContain('Relais Tabac de la Gare, Lyon');

    // A poll that brings the whole last day at once: the customer is not told of the van after the doorstep.
    const late = await journey.placeOrder({ customer: customer(email, 'Hugo Dubois'), shipTo: recipient('Hugo Dubois [scenario:unused]') });
    const lateId = `${orderIdOf(late)}-S1`;
    const lateLabel = await untilShipmentStage(journey, lateId, ['label_created']);
    const lateCarrier = lateLabel.carrierCode as SimulatedCarrierCode;
    const dayMs = await journey.env.currentTimeMs();
    await journey.env.client.workflow.getHandle(`shipment-${lateId}`).signal(trackingEventsSignal, {
      source: 'poll',
      events: (['in_transit', 'out_for_delivery', 'delivered'] as const).map((status, n) => ({
        carrierCode: lateCarrier,
        eventId: `${lateId}-day-${n}`,
        trackingNumber: lateLabel.trackingNumber ?? '',
        statusCode: CARRIER_STATUS_CODES[lateCarrier][status],
        occurredAt: new Date(dayMs + (n + 1) * 60_000).toISOString(),
      })),
    });
    expect((await late.result()).stage).toBe('completed');
    const lateMails = await until(
      journey,
      `the mails of ${lateId}`,
      async () => (await mailsTo(email)).filter((m) => m.headers['x-colis-order'] === orderIdOf(late)),
      (got) => got.some((m) => milestoneOf(m) === 'delivered'),
      { stepMs: HOUR_MS },
    );
    expect(lateMails.map(milestoneOf).sort()).toEqual(['delivered', 'order_confirmed', 'shipped']);
  });

  it('an order split over two warehouses says which parcel each mail is about; only the last one delivered says the whole order arrived', async () => {
    const email = uniqueAddress('split');
    const handle = await journey.placeOrder({
      customer: customer(email, 'Inès Moreau'),
      lines: [
        { sku: 'BOOK-COOK-XL', quantity: 1 },
        { sku: 'TEA-GREEN-100G', quantity: 2 },
      ],
    });
    expect((await handle.result()).stage).toBe('completed');
    const orderId = orderIdOf(handle);
    expect(await journey.database.db.shipment.count({ where: { orderId } })).toBe(2);
    const mails = await until(
      journey,
      'two delivered mails',
      () => mailsTo(email),
      (all) => all.filter((mail) => milestoneOf(mail) === 'delivered').length === 2,
      { stepMs: HOUR_MS },
    );
    const delivered = mails.filter((mail) => milestoneOf(mail) === 'delivered');
    const shipped = mails.filter((mail) => milestoneOf(mail) === 'shipped');
    expect(shipped.map((mail) => mail.text.match(/colis (\d) sur 2/)?.[1]).sort()).toEqual(['1', '2']);
    // The mails leave one after the other in the journey's order: the first parcel delivered finds the other still on its way.
    const wholeOrder = delivered.filter((mail) => mail.text.includes('toute votre commande est arrivée'));
    const partOnly = delivered.filter((mail) => mail.text.includes('Le reste de votre commande est en route'));
    expect(wholeOrder.length + partOnly.length).toBe(2);
    expect(wholeOrder.length).toBeGreaterThanOrEqual(1);
    for (const mail of partOnly) expect(mail.subject).toBe(`Colis : un colis de votre commande ${orderId} a été livré`);
  });

  it('recording a milestone twice and draining twice sends one mail (a retried activity, a replayed workflow)', async () => {
    const email = uniqueAddress('ada');
    const handle = await journey.placeOrder({ customer: customer(email, 'Ada Lovelace') });
    await handle.result();
    await untilMails(email, ['delivered']);
    const orderId = orderIdOf(handle);
    const db = journey.database.db;
    const milestone = { orderId, key: 'delivered:again', mail: { milestone: 'delivered' as const, data: {} } };
    for (let i = 0; i < 2; i++) await withMilestones(db, noRelayWaker, async () => ({ result: undefined, milestones: [milestone] }));
    const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: inject('smtpUrl') }));
    const relay = createNotifyActivities({ db, mail: new MailRelay(db, settings.mail), webhooks: new WebhookRelay(db, settings.webhooks) });
    const before = (await mailsTo(email)).length;
    const activity = new MockActivityEnvironment();
    for (let i = 0; i < 3; i++) await activity.run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
    expect((await mailsTo(email)).length).toBe(before + 1);
    expect(await db.customerMail.count({ where: { orderId, milestone: 'delivered' } })).toBe(2);
  });
});

describe('a relay started by hand without its input', () => {
  it("refuses to drain without a relay id, at once, and leaves every relay's wake-up mark as it was", async () => {
    const { db } = journey.database;
    const marked = ['webhooks:hand-started-a', 'webhooks:hand-started-b'];
    for (const id of marked) await db.notificationRelay.create({ data: { id, wakePending: true } });
    const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: inject('smtpUrl') }));
    const relay = createNotifyActivities({ db, mail: new MailRelay(db, settings.mail), webhooks: new WebhookRelay(db, settings.webhooks) });
    const activity = new MockActivityEnvironment();
    for (const input of [{ nowMs: Date.now() }, { relayId: '', nowMs: Date.now() }, null]) {
      const failure = await activity.run(relay.drainRelay, input as unknown as { relayId: string; nowMs: number }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect((failure as ApplicationFailure).nonRetryable).toBe(true);
      expect((failure as ApplicationFailure).message).toMatch(/^drainRelay: relayId: expected text/);
    }
    const rows = await db.notificationRelay.findMany({ where: { id: { in: marked } } });
    expect(rows.map((r) => r.wakePending)).toEqual([true, true]);
  });

  it('a relay workflow started with no input or none of its id fails at its first drain, without a failed workflow task', async () => {
    const { client } = journey.env;
    for (const input of [null, {}, { relayId: '' }]) {
      const workflowId = `relay-by-hand-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const handle = await client.workflow.start(RELAY_WORKFLOW_TYPE, { args: [input], taskQueue: TASK_QUEUES.orders, workflowId });
      const failure = await outcomeWithin15s(handle);
      expect(failure, JSON.stringify(input)).toMatch(/drainRelay: relayId: expected text/);
      const events = (await handle.fetchHistory()).events ?? [];
      const failedTasks = events.filter((event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(failedTasks, JSON.stringify(input)).toHaveLength(0);
    }
  });

  it("a relay started under one relay's id with another's input fails at its first drain and leaves both outboxes as they were", async () => {
    const { client } = journey.env;
    const { db } = journey.database;
    // Under a webhook relay's id, with the mail relay's input: it drained the mail outbox while its own waited for ever.
    const hijacked = relayIds.webhooks(`hijacked-${Date.now().toString(36)}`);
    await db.notificationRelay.create({ data: { id: hijacked, wakePending: true } });
    const handle = await client.workflow.start(RELAY_WORKFLOW_TYPE, {
      args: [{ relayId: relayIds.mail }],
      taskQueue: TASK_QUEUES.orders,
      workflowId: relayIds.workflowId(hijacked),
    });
    expect(await outcomeWithin15s(handle)).toMatch(
      /drainRelay: relay mail is drained by notify-mail only, not by notify-webhooks-hijacked-/,
    );
    expect((await db.notificationRelay.findUniqueOrThrow({ where: { id: hijacked } })).wakePending).toBe(true);
  });
});

describe('a promise that moves', () => {
  it('tells the customer the new date and why, once, in their language', async () => {
    const email = uniqueAddress('promise');
    const handle = await journey.placeOrder({ customer: customer(email, 'Lucas Bernard') });
    await handle.result();
    const orderId = orderIdOf(handle);
    const db = journey.database.db;
    const settings = notifyConfigFrom(loadConfig({ COLIS_SMTP_URL: inject('smtpUrl') }));
    const { createOrderQueueActivities } = await import('../../activities');
    const activities = createOrderQueueActivities({ db, carriers: journey.carriers });
    const change = {
      orderId,
      previousPromisedBy: '2026-12-07T12:00:00Z',
      promisedBy: '2026-12-09T12:00:00Z',
      reason: 'the carrier is behind its schedule',
      reasonCode: 'late_scan',
    };
    const activity = new MockActivityEnvironment();
    await activity.run(activities.announcePromiseChange, change);
    await activity.run(activities.announcePromiseChange, change);
    const relay = createNotifyActivities({ db, mail: new MailRelay(db, settings.mail), webhooks: new WebhookRelay(db, settings.webhooks) });
    await activity.run(relay.drainRelay, { relayId: 'mail', nowMs: Date.now() });
    // This change's mail (the journey itself may have re-promised on the way, from a scan the time-skipping clock ran past).
    const mails = (await mailsTo(email)).filter((m) => milestoneOf(m) === 'promise_changed' && m.text.includes('mercredi 9 décembre 2026'));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain('mercredi 9 décembre 2026 (au lieu du lundi 7 décembre 2026)');
    // The reason in French too (the shipment words it in English for the timeline).
    expect(mails[0]?.text).toContain('Pourquoi : le transporteur a pris du retard sur son planning.');
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).promisedBy.toISOString()).toBe('2026-12-09T12:00:00.000Z');
  });
});
