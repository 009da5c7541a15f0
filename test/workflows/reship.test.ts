import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { createReshipActivities } from '../../activities/reships';
import { orderViewFromDb } from '../../api/services/views';
import { HOUR_MS } from '../../domain/clock';
import { ids } from '../../domain/ids';
import type { OrderView } from '../../domain/journey';
import type { OrderRequest } from '../../domain/order';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { cancelOrderUpdate, changeAddressUpdate, resolveEscalationUpdate, trackingEventsSignal } from '../../workflows/definitions';
import { KEYS, journeyApi } from '../api/harness';
import { startJourney, type Journey } from '../support/journey';
import { mailsTo, milestoneOf, uniqueAddress } from '../support/mailbox';
import { type ShopReceiver, startSubscribedShopReceiver } from '../support/shop-receiver';
import {
  firstShipmentId,
  labelDestination,
  NEW_ADDRESS,
  orderIdOf,
  orderView,
  recipient,
  rejectionOf,
  shipmentView,
  simulator,
  skipToParisTime,
  until,
  untilEscalation,
  untilShipmentStage,
  untilWorkflowKnowsEscalation,
  workingDayBeforeAnother,
} from './steps';

/** Reads until `done` holds without moving business time: what changes meanwhile was not a timer's doing. */
async function untilWithoutTimers<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, realMs = 30_000): Promise<T> {
  const giveUpAt = Date.now() + realMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what} with the clock stopped; last state: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const reship = (journey: Journey, shipmentId: string, escalationId: string) =>
  journey.env.client.workflow.getHandle(`shipment-${shipmentId}`).executeUpdate(resolveEscalationUpdate, {
    args: [{ escalationId, decision: 'reship', resolvedBy: 'ops-test', note: 'send it again' }],
  });

/** An order whose parcel stalls until ops are asked; its replacement (…-S2) will travel normally. */
async function stuckParcel(
  journey: Journey,
  lines: { sku: string; quantity: number }[],
  email = uniqueAddress('grace'),
  extra: Partial<OrderRequest> = {},
) {
  const customer = { id: `CUST-${email.split('@')[0]?.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 64), name: 'Grace Hopper', email };
  const handle = await journey.placeOrder({ customer, shipTo: recipient('Grace Hopper [scenario:stall]'), lines, ...extra });
  const orderId = orderIdOf(handle);
  const lostId = firstShipmentId(handle);
  simulator(journey).scriptShipment(ids.shipmentId(orderId, 2), 'normal');
  const stuck = await untilEscalation(journey, { orderId, reason: 'stuck', status: 'open' }, { stepMs: 4 * HOUR_MS });
  await untilWorkflowKnowsEscalation(journey, stuck);
  return { handle, orderId, lostId, stuck };
}

/**
 * A re-ship that re-fulfils: ops answer "reship" on a stuck parcel, the parcel is written off and claimed
 * back from its carrier, and the order reserves the same lines again (wherever stock is, waiting for it
 * when there is none), picks, packs, books and tracks a replacement shipment to delivery.
 */
describe('re-ship: a lost parcel is sent again from stock', () => {
  let journey: Journey;
  let shop: ShopReceiver;
  beforeAll(async () => {
    // Real relays: mails to the suite's MailDev, signed webhooks to a shop endpoint on loopback.
    journey = await startJourney({ notify: true });
    shop = await startSubscribedShopReceiver(journey.database.db, 'whs-reship-test');
  });
  afterAll(async () => {
    await journey?.teardown();
    await shop?.close();
  });

  const db = () => journey.database.db;
  /** The first journey's order, once it has ended. */
  let finished: { orderId: string; lostId: string } | undefined;
  it('a stuck parcel re-shipped is reserved, picked, packed, booked and delivered anew; its goods written off and claimed once; the customer and shop told once', async () => {
    const email = uniqueAddress('grace-reship');
    const { handle, orderId, lostId, stuck } = await stuckParcel(journey, [{ sku: 'MUG-CER-350', quantity: 2 }], email);
    const lostLabel = await db().label.findFirstOrThrow({ where: { shipmentId: lostId } });
    await reship(journey, lostId, stuck.id);
    // The same decision sent again (a double click, a retried request) is refused and changes nothing.
    expect(await rejectionOf(reship(journey, lostId, stuck.id))).toMatch(/not open|already|no open/i);

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    finished = { orderId, lostId };
    const replacementId = ids.shipmentId(orderId, 2);
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage, s.reshipped !== undefined])).toEqual([
      [lostId, 'lost', true],
      [replacementId, 'delivered', false],
    ]);

    const replacement = await db().shipment.findUniqueOrThrow({
      where: { id: replacementId },
      include: { lines: true, labels: true, packages: true },
    });
    expect(replacement).toMatchObject({ replacesShipmentId: lostId, status: 'delivered' });
    expect(replacement.pickedAt).not.toBeNull();
    expect(replacement.packedAt).not.toBeNull();
    expect(replacement.packages.length).toBeGreaterThan(0);
    expect(replacement.labels).toHaveLength(1);
    expect(replacement.labels[0]?.trackingNumber).not.toBe(lostLabel.trackingNumber);
    expect(replacement.lines.map((l) => [l.skuCode, l.quantity])).toEqual([['MUG-CER-350', 2]]);
    expect(await db().shipment.count({ where: { orderId } })).toBe(2);

    // The ledger: the lost goods left with their parcel and are written off once; the replacement's reserved and shipped.
    const movements = await db().inventoryMovement.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    const of = (kind: string, shipmentId?: string) =>
      movements.filter((m) => m.kind === kind && (shipmentId === undefined || m.shipmentId === shipmentId));
    expect(of('write_off').map((m) => [m.shipmentId, m.skuCode, m.onHandDelta, m.reservedDelta])).toEqual([[lostId, 'MUG-CER-350', 0, 0]]);
    expect(of('ship', lostId).reduce((n, m) => n + m.onHandDelta, 0)).toBe(-2);
    expect(of('ship', replacementId).reduce((n, m) => n + m.onHandDelta, 0)).toBe(-2);
    expect(of('reserve').reduce((n, m) => n + m.reservedDelta, 0)).toBe(4);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
    const reservations = await db().reservation.findMany({ where: { orderId } });
    expect(reservations.every((r) => r.status === 'consumed')).toBe(true);

    const claims = await db().carrierClaim.findMany({ where: { orderId } });
    expect(claims).toHaveLength(1);
    const mug = await db().sku.findUniqueOrThrow({ where: { code: 'MUG-CER-350' } });
    expect(claims[0]).toMatchObject({
      shipmentId: lostId,
      carrierCode: lostLabel.carrierCode,
      trackingNumber: lostLabel.trackingNumber,
      reason: 'lost',
      status: 'open',
      amountCents: 2 * mug.unitPriceCents,
    });

    const mailRows = await db().customerMail.findMany({ where: { orderId, milestone: 'reshipped' } });
    expect(mailRows).toHaveLength(1);
    expect(mailRows[0]?.data).toMatchObject({ promisedBy: expect.any(String), items: [{ skuCode: 'MUG-CER-350', quantity: 2 }] });
    const events = await db().webhookEvent.findMany({ where: { orderId, type: 'shipment.reshipped' } });
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toMatchObject({ data: { shipmentId: lostId, replacedBy: [replacementId] } });

    // Sent through the real relays, once each: the mail to the customer, the signed event to the shop.
    const mails = await until(
      journey,
      'the re-ship mail',
      () => mailsTo(email),
      (m) => m.some((mail) => milestoneOf(mail) === 'delivered'),
      {
        stepMs: HOUR_MS,
      },
    );
    expect(mails.filter((mail) => milestoneOf(mail) === 'reshipped')).toHaveLength(1);
    const hooks = await until(
      journey,
      'the re-ship webhook',
      async () => shop.received.filter((w) => w.orderId === orderId),
      (received) => received.some((w) => w.type === 'order.completed'),
      { stepMs: HOUR_MS },
    );
    const reshipped = hooks.filter((w) => w.type === 'shipment.reshipped');
    expect(reshipped).toHaveLength(1);
    expect(reshipped[0]).toMatchObject({ verified: true, data: { shipmentId: lostId, replacedBy: [replacementId] } });

    // The order's view links the two.
    const view = await orderView(handle);
    expect(view.shipments.find((s) => s.shipmentId === lostId)).toMatchObject({ stage: 'lost', replacedBy: [replacementId] });
    expect(view.shipments.find((s) => s.shipmentId === replacementId)).toMatchObject({ stage: 'delivered', replaces: lostId });
    // And so does the view the API reads from the database once the journey has ended.
    const fromDb = await orderViewFromDb(db(), orderId);
    expect(fromDb?.view.shipments.map((s) => [s.shipmentId, s.replaces, s.replacedBy])).toEqual([
      [lostId, undefined, [replacementId]],
      [replacementId, lostId, undefined],
    ]);
    const escalation = await db().escalation.findUniqueOrThrow({ where: { id: stuck.id } });
    expect(escalation).toMatchObject({ status: 'resolved', decision: 'reship' });
  });

  it('the re-ship activities retried after they committed write off, claim and reserve nothing more', async () => {
    // The first journey's order, finished: what a worker killed after the commit, before the completion
    // reached Temporal, would run again.
    if (!finished) throw new Error('runs after the first journey');
    const { orderId, lostId } = finished;
    const snapshot = async () => ({
      movements: await db().inventoryMovement.count({ where: { orderId } }),
      claims: await db().carrierClaim.count({ where: { orderId } }),
      shipments: await db().shipment.count({ where: { orderId } }),
      mails: await db().customerMail.count({ where: { orderId } }),
      events: await db().webhookEvent.count({ where: { orderId } }),
      levels: await db().inventoryLevel.findMany({ where: { skuCode: 'MUG-CER-350' }, orderBy: { warehouseCode: 'asc' } }),
    });
    const before = await snapshot();
    const activities = createReshipActivities(db());
    expect(await activities.settleLostParcel({ shipmentId: lostId, damaged: false })).toEqual({
      writtenOff: 0,
      claimId: `claim-${lostId}`,
    });
    const again = await activities.reserveReplacement({ orderId, lostShipmentId: lostId, reason: 'retry' });
    expect(again).toEqual({ planned: [expect.objectContaining({ shipmentId: ids.shipmentId(orderId, 2) })], shortages: [] });
    expect(await snapshot()).toEqual(before);
  });

  it('a parcel the carrier reports damaged, re-shipped: its goods written off and claimed as damaged, the replacement delivered, the customer told why', async () => {
    const email = uniqueAddress('grace-damaged');
    const customer = { id: 'CUST-DAMAGED', name: 'Grace Hopper', email };
    const handle = await journey.placeOrder({
      customer,
      shipTo: recipient('Grace Hopper [scenario:exception]'),
      lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
    });
    const orderId = orderIdOf(handle);
    const damagedId = firstShipmentId(handle);
    simulator(journey).scriptShipment(ids.shipmentId(orderId, 2), 'normal');
    const broken = await untilEscalation(journey, { orderId, reason: 'broken', status: 'open' }, { stepMs: 2 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, broken);
    const label = await db().label.findFirstOrThrow({ where: { shipmentId: damagedId } });
    await reship(journey, damagedId, broken.id);
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage, s.reshipped?.cause])).toEqual([
      [damagedId, 'lost', 'damaged'],
      [ids.shipmentId(orderId, 2), 'delivered', undefined],
    ]);
    const writeOffs = await db().inventoryMovement.findMany({ where: { orderId, kind: 'write_off' } });
    expect(writeOffs.map((m) => [m.shipmentId, m.onHandDelta, m.note?.startsWith('damaged in transit')])).toEqual([[damagedId, 0, true]]);
    const mug = await db().sku.findUniqueOrThrow({ where: { code: 'MUG-CER-350' } });
    expect(await db().carrierClaim.findMany({ where: { orderId } })).toEqual([
      expect.objectContaining({
        shipmentId: damagedId,
        trackingNumber: label.trackingNumber,
        reason: 'damaged',
        status: 'open',
        amountCents: mug.unitPriceCents,
      }),
    ]);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
    const mails = await until(
      journey,
      "the mails of the damaged parcel's order",
      () => mailsTo(email),
      (m) => m.some((mail) => milestoneOf(mail) === 'delivered'),
      { stepMs: HOUR_MS },
    );
    const told = mails.filter((mail) => milestoneOf(mail) === 'reshipped');
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('abîmé pendant le transport');
  });
});

/** Without the notification relays: the stock side of a re-ship that has to wait and move warehouse. */
describe('re-ship: the replacement goes where the stock is', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());
  const db = () => journey.database.db;

  it('a re-ship with the goods gone from their warehouse waits for a restock, then ships from another warehouse', async () => {
    // KETTLE-17L: 4 at LYS1 and none at PAR1. The lost parcel takes all of LYS1's.
    const { handle, orderId, lostId, stuck } = await stuckParcel(journey, [{ sku: 'KETTLE-17L', quantity: 4 }]);
    expect((await db().shipment.findUniqueOrThrow({ where: { id: lostId } })).warehouseCode).toBe('LYS1');
    await reship(journey, lostId, stuck.id);

    await until(
      journey,
      'the replacement waiting for stock',
      () => orderView(handle),
      (v) => v.timeline.some((t) => t.label.includes('re-ship backordered')),
      { stepMs: HOUR_MS },
    );
    expect(await db().shipment.count({ where: { orderId } })).toBe(1);
    expect(await db().reservation.count({ where: { orderId, status: 'held' } })).toBe(0);
    // The customer moved meanwhile: the lost parcel no longer holds the order, the replacement goes to the new door.
    await handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] });
    await createInventoryActivities(db()).restock({
      warehouseCode: 'PAR1',
      skuCode: 'KETTLE-17L',
      quantity: 5,
      reference: `reship-test-${orderId}`,
    });

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const replacement = await db().shipment.findUniqueOrThrow({ where: { id: ids.shipmentId(orderId, 2) } });
    expect(replacement).toMatchObject({ warehouseCode: 'PAR1', replacesShipmentId: lostId, status: 'delivered' });
    expect(labelDestination(journey, replacement.trackingNumber ?? '')?.city).toBe(NEW_ADDRESS.city);
    expect(
      await db().inventoryLevel.findUniqueOrThrow({ where: { warehouseCode_skuCode: { warehouseCode: 'PAR1', skuCode: 'KETTLE-17L' } } }),
    ).toMatchObject({
      onHand: 1,
      reserved: 0,
    });
    expect(await db().customerMail.count({ where: { orderId, milestone: 'reshipped' } })).toBe(1);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
  });

  it('a replacement short of stock escalates past the backorder wait on the order; one restock through the API wakes it, once', async () => {
    // POT-CASTIRON-6L: 3 at LYS1 only. The lost parcel takes them all.
    const app = await journeyApi(journey, { workflowCallTimeoutMs: 10_000 });
    try {
      const { handle, orderId, lostId, stuck } = await stuckParcel(
        journey,
        [{ sku: 'POT-CASTIRON-6L', quantity: 3 }],
        uniqueAddress('pot'),
        {
          backorderWaitHours: 24,
        },
      );
      await reship(journey, lostId, stuck.id);
      // Like a backordered order: past the order's backorder wait, ops are asked (the order's one tracker).
      const overdue = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 4 * HOUR_MS });
      expect(overdue.shipmentId).toBeNull();
      expect(overdue.detail).toContain(`3 × POT-CASTIRON-6L short for the replacement of ${lostId}`);
      await untilWorkflowKnowsEscalation(journey, overdue);
      expect((await orderView(handle)).escalations.map((e) => [e.reason, e.resolvedAt])).toEqual([['backorder_deadline', undefined]]);
      expect(await db().shipment.count({ where: { orderId } })).toBe(1);

      const restock = (quantity: number, reference: string) =>
        app.inject({
          method: 'POST',
          url: '/inventory/restock',
          headers: { 'x-api-key': KEYS.ops.key },
          payload: { warehouseCode: 'LYS1', skuCode: 'POT-CASTIRON-6L', quantity, reference },
        });
      const first = await restock(3, `ASN-${orderId}-1`);
      expect(first.statusCode).toBe(200);
      expect(first.json<{ signalledOrders: string[] }>().signalledOrders.filter((id) => id === orderId)).toHaveLength(1);
      // Woken by that signal, not by its retry timer: business time does not move while this waits.
      const replacement = await untilWithoutTimers(
        'the replacement planned after the restock',
        () => db().shipment.findFirst({ where: { replacesShipmentId: lostId } }),
        (row) => row !== null,
      );
      expect(replacement).toMatchObject({ warehouseCode: 'LYS1', seq: 2 });
      // While the order runs, the API's view (each shipment's details from its own workflow) still says who replaces whom.
      const running = await untilWithoutTimers(
        'the running order view naming the replacement',
        async () =>
          (await app.inject({ method: 'GET', url: `/orders/${orderId}`, headers: { 'x-api-key': KEYS.ops.key } })).json<
            OrderView & { source: string }
          >(),
        (v) => v.shipments.length === 2,
      );
      expect(running.source).toBe('workflow');
      expect(running.shipments.map((s) => [s.shipmentId, s.replaces, s.replacedBy])).toEqual([
        [lostId, undefined, [replacement?.id]],
        [replacement?.id, lostId, undefined],
      ]);
      // The restock answered the escalation: closed by the facts, nobody has to.
      await untilWithoutTimers(
        'the escalation resolved by the restock',
        () => db().escalation.findUniqueOrThrow({ where: { id: overdue.id } }),
        (row) => row.status === 'resolved',
      );
      expect(await db().escalation.findUniqueOrThrow({ where: { id: overdue.id } })).toMatchObject({
        resolvedBy: 'colis',
        decision: 'wait',
      });
      // Nothing waits for this SKU any more: the next restock signals no one.
      const second = await restock(2, `ASN-${orderId}-2`);
      expect(second.json<{ signalledOrders: string[] }>().signalledOrders).not.toContain(orderId);

      const outcome = await handle.result();
      expect(outcome.stage).toBe('completed');
      expect(outcome.shipments.map((s) => [s.shipmentId, s.stage])).toEqual([
        [lostId, 'lost'],
        [replacement?.id, 'delivered'],
      ]);
      expect(await db().shipment.count({ where: { orderId } })).toBe(2);
      expect(
        await db().inventoryLevel.findUniqueOrThrow({
          where: { warehouseCode_skuCode: { warehouseCode: 'LYS1', skuCode: 'POT-CASTIRON-6L' } },
        }),
      ).toMatchObject({ onHand: 2, reserved: 0 });
      expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('ops answering "ship available" at the replacement\'s deadline send what is in stock now and short-ship the rest', async () => {
    // A subscription, so the shop's events are written (this journey runs no relay: they stay in the outbox).
    await db().webhookSubscription.upsert({
      where: { id: 'whs-shortfall' },
      create: { id: 'whs-shortfall', shopId: '*', url: 'http://127.0.0.1:9/unused', secret: 'whsec_dGVzdA==' },
      update: {},
    });
    const pots = (await db().inventoryLevel.findUniqueOrThrow({
      where: { warehouseCode_skuCode: { warehouseCode: 'LYS1', skuCode: 'POT-CASTIRON-6L' } },
    })) as { onHand: number; reserved: number };
    const quantity = pots.onHand - pots.reserved;
    expect(quantity).toBeGreaterThanOrEqual(2);
    const { handle, orderId, lostId, stuck } = await stuckParcel(
      journey,
      [{ sku: 'POT-CASTIRON-6L', quantity }],
      uniqueAddress('pot-part'),
      {
        backorderWaitHours: 24,
      },
    );
    await reship(journey, lostId, stuck.id);
    // One pot comes back in stock, unannounced (no restock signal): not enough for the all-or-nothing replacement.
    await createInventoryActivities(db()).restock({
      warehouseCode: 'LYS1',
      skuCode: 'POT-CASTIRON-6L',
      quantity: 1,
      reference: `part-${orderId}`,
    });
    const overdue = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, overdue);
    // Any other answer than the three a backorder deadline takes is refused, and nothing changes.
    expect(
      await rejectionOf(
        handle.executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: overdue.id, decision: 'reship', resolvedBy: 'ops-test' }] }),
      ),
    ).toMatch(/does not answer a backorder_deadline/);
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: overdue.id, decision: 'ship_available', resolvedBy: 'ops-test' }],
    });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const replacement = await db().shipment.findFirstOrThrow({ where: { replacesShipmentId: lostId }, include: { lines: true } });
    expect(replacement.lines.map((l) => [l.skuCode, l.quantity])).toEqual([['POT-CASTIRON-6L', 1]]);
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage])).toEqual([
      [lostId, 'lost'],
      [replacement.id, 'delivered'],
    ]);
    const view = await orderView(handle);
    expect(
      view.timeline.some(
        (t) => t.label === `${lostId} re-shipped` && t.detail?.includes(`${quantity - 1} × POT-CASTIRON-6L short-shipped`),
      ),
    ).toBe(true);
    expect(await db().escalation.findUniqueOrThrow({ where: { id: overdue.id } })).toMatchObject({
      status: 'resolved',
      decision: 'ship_available',
    });
    expect(await db().customerMail.count({ where: { orderId, milestone: 'reshipped' } })).toBe(1);
    // What the replacement does not send is owed: the shop hears refund.due for the units short, once.
    const pot = await db().sku.findUniqueOrThrow({ where: { code: 'POT-CASTIRON-6L' } });
    const refunds = await db().webhookEvent.findMany({ where: { orderId, type: 'refund.due' } });
    expect(refunds.map((e) => (e.payload as { data: unknown }).data)).toEqual([
      {
        shipmentId: lostId,
        amountCents: (quantity - 1) * pot.unitPriceCents,
        currency: pot.currency,
        basis: 'replacement_short_shipped',
        items: [{ sku: 'POT-CASTIRON-6L', quantity: quantity - 1, unitPriceCents: pot.unitPriceCents }],
      },
    ]);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
  });

  it('ops calling a short replacement off at its deadline: nothing more ships, the order completes and the shop hears the refund due for it all', async () => {
    await db().webhookSubscription.upsert({
      where: { id: 'whs-shortfall' },
      create: { id: 'whs-shortfall', shopId: '*', url: 'http://127.0.0.1:9/unused', secret: 'whsec_dGVzdA==' },
      update: {},
    });
    // KETTLE-17L: the lost parcel takes the largest pile, and no other warehouse holds as many.
    const levels = await db().inventoryLevel.findMany({ where: { skuCode: 'KETTLE-17L' } });
    const quantity = Math.max(...levels.map((l) => l.onHand - l.reserved));
    expect(levels.reduce((n, l) => n + l.onHand - l.reserved, 0) - quantity).toBeLessThan(quantity);
    const { handle, orderId, lostId, stuck } = await stuckParcel(journey, [{ sku: 'KETTLE-17L', quantity }], uniqueAddress('kettle'), {
      backorderWaitHours: 24,
    });
    await reship(journey, lostId, stuck.id);
    const overdue = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, overdue);
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: overdue.id, decision: 'cancel', resolvedBy: 'ops-test' }],
    });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage])).toEqual([[lostId, 'lost']]);
    expect(await db().shipment.count({ where: { orderId } })).toBe(1);
    const kettle = await db().sku.findUniqueOrThrow({ where: { code: 'KETTLE-17L' } });
    const refunds = await db().webhookEvent.findMany({ where: { orderId, type: 'refund.due' } });
    expect(refunds.map((e) => (e.payload as { data: { amountCents: number; basis: string } }).data)).toMatchObject([
      { shipmentId: lostId, amountCents: quantity * kettle.unitPriceCents, basis: 'replacement_called_off' },
    ]);
    // The customer hears it too, once: what will not come and what the shop refunds.
    const told = await db().customerMail.findMany({ where: { orderId, milestone: 'replacement_refunded' } });
    expect(told.map((m) => m.data)).toEqual([
      { items: [{ skuCode: 'KETTLE-17L', quantity }], amountCents: quantity * kettle.unitPriceCents, currency: kettle.currency },
    ]);
    expect(await db().reservation.count({ where: { orderId, status: 'held' } })).toBe(0);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
  });

  it('an order cancelled while its replacement waits for stock ends cancelled; its escalation closes and nothing stays held', async () => {
    // WATCH-STEEL-40: 1 at PAR1 only; the lost parcel takes it.
    const { handle, orderId, lostId, stuck } = await stuckParcel(
      journey,
      [{ sku: 'WATCH-STEEL-40', quantity: 1 }],
      uniqueAddress('watch'),
      {
        backorderWaitHours: 24,
      },
    );
    await reship(journey, lostId, stuck.id);
    const overdue = await untilEscalation(journey, { orderId, reason: 'backorder_deadline', status: 'open' }, { stepMs: 4 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, overdue);
    // The lost parcel no longer binds the order: the customer may still call the replacement off.
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer gave up waiting' }] });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(await db().escalation.findUniqueOrThrow({ where: { id: overdue.id } })).toMatchObject({
      status: 'resolved',
      resolvedBy: 'colis',
    });
    expect(await db().order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: 'cancelled' });
    expect(await db().shipment.count({ where: { orderId } })).toBe(1);
    expect(await db().reservation.count({ where: { orderId, status: 'held' } })).toBe(0);
    expect(await createInventoryActivities(db()).ledgerBalances()).toEqual([]);
  });

  it('a late parcel re-shipped is written off as late and claims nothing from its carrier (it is still moving)', async () => {
    // The carrier sends nothing by itself: the test scans the parcel once its promise has passed, so the late
    // escalation is the only one open when ops answer it. With the simulator's own pick-up scan, the judgement
    // at that scan could move the promise past the stall window, and a parcel that also stalled is presumed
    // lost (domain/parcel-loss.ts): that ordering depends on when the scan is heard, not on the rule under test.
    // Labelled at 09:00 on a working day, promised by the end of the next (~39 h): late before the 48 h stall
    // window ends, whatever the hour the suite runs (after a cut-off, the wait for the pick slot let it stall first).
    await skipToParisTime(journey, 9 * 60, workingDayBeforeAnother);
    const handle = await journey.placeOrder({ shipTo: recipient('Mary Jackson [scenario:unused]') }, { promiseWorkingDays: 1 });
    const orderId = orderIdOf(handle);
    const lostId = firstShipmentId(handle);
    simulator(journey).scriptShipment(ids.shipmentId(orderId, 2), 'normal');
    const booked = await untilShipmentStage(journey, lostId, ['label_created']);
    const late = await untilEscalation(journey, { orderId, reason: 'late', status: 'open' }, { stepMs: 2 * HOUR_MS });
    await untilWorkflowKnowsEscalation(journey, late);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    await journey.env.client.workflow.getHandle(`shipment-${lostId}`).signal(trackingEventsSignal, {
      source: 'webhook',
      events: [
        {
          carrierCode: carrier,
          eventId: `${lostId}-pickup`,
          trackingNumber: booked.trackingNumber ?? '',
          statusCode: CARRIER_STATUS_CODES[carrier].in_transit,
          occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
        },
      ],
    });
    await untilWithoutTimers(
      'the pick-up scan in the shipment',
      () => shipmentView(journey, lostId),
      (v) => v.stage === 'in_transit',
    );
    await reship(journey, lostId, late.id);
    const outcome = await handle.result();
    expect(outcome.shipments.map((s) => [s.shipmentId, s.stage, s.reshipped?.reason])).toEqual([
      [lostId, 'lost', 'late in transit'],
      [ids.shipmentId(orderId, 2), 'delivered', undefined],
    ]);
    expect(await db().carrierClaim.count({ where: { orderId } })).toBe(0);
    const writeOffs = await db().inventoryMovement.findMany({ where: { orderId, kind: 'write_off' } });
    expect(writeOffs.map((m) => [m.shipmentId, m.note?.startsWith('late in transit')])).toEqual([[lostId, true]]);
    const mail = await db().customerMail.findFirstOrThrow({ where: { orderId, milestone: 'reshipped' } });
    expect(mail.data).toMatchObject({ reason: 'late in transit', lossCause: 'late' });
  });
});
