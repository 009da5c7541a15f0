import { MockActivityEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withMilestones } from '../../activities/notifications/outbox';
import { temporalRelayWaker } from '../../activities/notifications/waker';
import { orderEndMilestones } from '../../activities/orders';
import { createStageTimingActivities } from '../../activities/stage-timing';
import { HOUR_MS } from '../../domain/clock';
import type { OrderView } from '../../domain/journey';
import { type CaughtMail, mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import type { Journey } from '../support/journey';
import type { ShopReceiver } from '../support/shop-receiver';
import { until } from '../workflows/steps';
import { KEYS, newKey, orderRequest, requestsAs, startShopJourney, stopShopJourney } from './harness';

/**
 * A cancelled order tells the people outside, over the whole journey (time-skipping server, every worker, the notify
 * relays) and the HTTP API: the customer one mail in their language that says so and quotes nothing of the reason (ops'
 * text), the shop an `order.cancelled` carrying the reason, and the tracking page the mail links to says "Cancelled" and
 * when. Before: the shop's event had no reason, the customer no mail, and the page no word of when.
 */
let journey: Journey;
let app: FastifyInstance;
let receiver: ShopReceiver;

beforeAll(async () => {
  ({ journey, app, receiver } = await startShopJourney());
  const subscribed = await as(KEYS.intake, 'POST', '/webhooks/subscriptions', { url: receiver.url }, { 'idempotency-key': newKey('sub') });
  expect(subscribed.statusCode, subscribed.body).toBe(201);
  receiver.secrets = [subscribed.json().secret];
});
afterAll(() => stopShopJourney({ app, receiver, journey }));

const as = requestsAs(() => app);

/** Ops' words, which may name anything: none of them reaches the customer. */
const REASON = 'fraud check failed: card 4970 flagged by ops desk';
const RECIPIENT = { name: 'Jordan Keller', line1: '7 Quai Saint-Vincent', city: 'Lyon', postalCode: '69001' };

/** Places an order as shop-a and cancels it with REASON right away (before anything is picked): its id. */
async function placedAndCancelled(email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const placed = await as(
    KEYS.intake,
    'POST',
    '/orders',
    orderRequest({
      customer: { id: `CUST-${email.split('@')[0]?.replace(/\./g, '-')}`.slice(0, 64), name: 'Camille Durand', email },
      shipTo: { ...RECIPIENT, countryCode: 'FR' },
      lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
      ...extra,
    }),
    { 'idempotency-key': newKey('cancel-comms') },
  );
  expect(placed.statusCode, placed.body).toBe(202);
  const { orderId, workflowId } = placed.json() as { orderId: string; workflowId: string };
  const cancelled = await as(KEYS.intake, 'POST', `/orders/${orderId}/cancel`, { reason: REASON });
  expect(cancelled.statusCode, cancelled.body).toBe(200);
  expect(((await journey.env.client.workflow.getHandle(workflowId).result()) as OrderView).stage).toBe('cancelled');
  return orderId;
}

const untilCancelMail = (email: string) =>
  until(
    journey,
    `the order_cancelled mail to ${email}`,
    () => mailsTo(email),
    (mails) => mails.some((m) => milestoneOf(m) === 'order_cancelled'),
    { stepMs: HOUR_MS },
  );

/** What the customer reads of a mail, without the greeting (their own name, as every mail has). */
const readable = (mail: CaughtMail | undefined) => `${mail?.subject}\n${mail?.text}\n${mail?.html}`;

function expectNothingInternalOrPostal(mail: CaughtMail | undefined): void {
  const read = readable(mail);
  expect(read).not.toMatch(/fraud|4970|ops desk/i);
  expect(read).not.toMatch(/Jordan|Keller|Quai|Saint-Vincent|69001/);
}

describe('a cancelled order', () => {
  it('mails the customer once, in French, saying it is cancelled and nothing will be sent, without the reason or the address', async () => {
    const email = uniqueAddress('cancel-fr');
    const orderId = await placedAndCancelled(email);
    const mails = await untilCancelMail(email);
    expect(mails.map(milestoneOf)).toEqual(['order_confirmed', 'order_cancelled']);
    const mail = mails[1];
    expect(mail?.headers['content-language']).toBe('fr');
    expect(mail?.subject).toBe(`shop-a : votre commande ${orderId} est annulée`);
    expect(mail?.text).toContain('Bonjour Camille Durand');
    expect(mail?.text).toContain(`Votre commande ${orderId} chez shop-a a été annulée.`);
    expect(mail?.text).toContain('Aucun colis ne vous sera envoyé');
    expect(mail?.html).toContain('<html lang="fr">');
    expectNothingInternalOrPostal(mail);
    // One row, whatever runs again: a retried stage write finds the order ended, and the outbox's key takes no second row.
    const { db } = journey.database;
    await new MockActivityEnvironment().run(createStageTimingActivities(db).recordOrderStage, {
      orderId,
      status: 'cancelled' as const,
      stages: [],
      endReason: REASON,
    });
    await withMilestones(db, temporalRelayWaker(journey.env.client), async () => ({
      result: undefined,
      milestones: orderEndMilestones(orderId, 'fulfilling', 'cancelled', REASON),
    }));
    expect(await db.customerMail.count({ where: { orderId, milestone: 'order_cancelled' } })).toBe(1);
    // Nothing personal or internal in the outbox row either.
    const row = await db.customerMail.findFirstOrThrow({ where: { orderId, milestone: 'order_cancelled' } });
    expect(JSON.stringify(row.data)).not.toMatch(/fraud|@|Jordan|Quai/);
  });

  it('mails in English when the order asks for it, and not at all when the order opted out', async () => {
    const email = uniqueAddress('cancel-en');
    const orderId = await placedAndCancelled(email, { locale: 'en-GB' });
    const silentEmail = uniqueAddress('cancel-silent');
    const silent = await placedAndCancelled(silentEmail, { notifyCustomer: false });
    const mails = await untilCancelMail(email);
    const mail = mails.find((m) => milestoneOf(m) === 'order_cancelled');
    expect(mails.filter((m) => milestoneOf(m) === 'order_cancelled')).toHaveLength(1);
    expect(mail?.headers['content-language']).toBe('en');
    expect(mail?.subject).toBe(`shop-a: your order ${orderId} has been cancelled`);
    expect(mail?.text).toContain('Hello Camille Durand');
    expect(mail?.text).toContain('No parcel will be sent to you');
    expectNothingInternalOrPostal(mail);
    expect(await journey.database.db.customerMail.count({ where: { orderId: silent } })).toBe(0);
    expect(await mailsTo(silentEmail)).toEqual([]);
  });

  it("tells the shop why in order.cancelled's data, once, with nothing personal", async () => {
    const orderId = await placedAndCancelled(uniqueAddress('cancel-shop'));
    const events = await until(
      journey,
      `order.cancelled of ${orderId} at the shop`,
      async () => receiver.received.filter((r) => r.orderId === orderId),
      (got) => got.some((e) => e.type === 'order.cancelled'),
      { stepMs: HOUR_MS },
    );
    const cancelled = events.filter((e) => e.type === 'order.cancelled');
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.verified).toBe(true);
    expect(cancelled[0]?.data).toEqual({ orderId, status: 'cancelled', reason: REASON });
    expect(JSON.stringify(events)).not.toMatch(/Camille|Durand|Jordan|Quai|@example/);
  });

  it('the tracking page the mail links to says Cancelled and when, in its status and its timeline; so does the timeline JSON', async () => {
    const email = uniqueAddress('cancel-page');
    const orderId = await placedAndCancelled(email, { locale: 'en' });
    const mail = (await untilCancelMail(email)).find((m) => milestoneOf(m) === 'order_cancelled');
    const link = /https?:\/\/[^/\s]+(\/track\/\S+)/.exec(mail?.text ?? '')?.[1];
    expect(link, mail?.text).toMatch(new RegExp(`^/track/${orderId}\\?t=`));
    const page = await app.inject({ method: 'GET', url: link ?? '' });
    expect(page.statusCode, page.body).toBe(200);
    const endedAt = (await journey.database.db.order.findUniqueOrThrow({ where: { id: orderId } })).completedAt;
    expect(endedAt).not.toBeNull();
    const status = /<div data-fact="status">(.*?)<\/div>/.exec(page.body)?.[1] ?? '';
    expect(status).toContain('Cancelled');
    // When, as the page writes instants: the customer's day and clock.
    expect(status).toMatch(/data-fact="ended-at">on \w+day,? \d{1,2} \w+ \d{4},? (at )?\d{2}:\d{2} /);
    const timeline = /<ol class="timeline" id="timeline">(.*?)<\/ol>/.exec(page.body)?.[1] ?? '';
    expect(timeline).toMatch(/<time>[^<]+<\/time><strong>Cancelled<\/strong>/);
    // The last entry: nothing came after the cancel.
    expect(timeline.split('<li').at(-1)).toContain('<strong>Cancelled</strong>');
    expect(page.body).not.toMatch(/fraud|ops desk/);
    const json = (await as(KEYS.intake, 'GET', `/orders/${orderId}/timeline`)).json() as {
      entries: { at: string; kind: string; label: string }[];
    };
    expect(json.entries.filter((e) => e.kind === 'stage' && e.label === 'cancelled')).toEqual([
      expect.objectContaining({ at: endedAt?.toISOString() }),
    ]);
  });
});
