import { type WorkflowUpdateHandle, WorkflowUpdateStage } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { MAX_ADDRESS_CHANGES } from '../../domain/address-changes';
import { HOUR_MS } from '../../domain/clock';
import type { OrderView } from '../../domain/journey';
import { isWithCarrier } from '../../domain/lifecycle';
import { ids } from '../../domain/ids';
import { CARRIER_STATUS_CODES, type SimulatedCarrierCode } from '../../domain/tracking-codes';
import { cancelOrderUpdate, changeAddressUpdate, trackingEventsSignal } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import {
  fillWarehouseForAWeek,
  firstShipmentId,
  labelDestination,
  NEW_ADDRESS,
  orderIdOf,
  orderView,
  recipient,
  rejectionOf,
  type OrderHandle,
  simulator,
  skipBusinessTime,
  stockSnapshot,
  until,
  untilShipmentStage,
  whileRowHeld,
} from './steps';

/** Orders of these SKUs come only from LYS1, whose cut-off the tests move to hold a shipment before booking. */
const LYS1_ONLY = [{ sku: 'CUTTING-BOARD-OAK', quantity: 2 }];

describe('cancel and address change, validated against where the order is', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  const labelsOf = (orderId: string) =>
    journey.database.db.label.findMany({ where: { shipment: { orderId } }, orderBy: { attempt: 'asc' } });

  it('a cancel before booking releases the stock exactly as it was, and no label is bought', async () => {
    const inventory = createInventoryActivities(journey.database.db);
    const before = await stockSnapshot(journey, ['CUTTING-BOARD-OAK']);
    const sold = simulator(journey).labelsSold();
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    try {
      const handle = await journey.placeOrder({ lines: LYS1_ONLY });
      await untilShipmentStage(journey, firstShipmentId(handle), ['waiting_for_pick_slot']);
      expect(await stockSnapshot(journey, ['CUTTING-BOARD-OAK'])).not.toEqual(before);

      const cancelled = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer changed their mind' }] });
      expect(cancelled.stage).toBe('cancelled');
      const outcome = await handle.result();
      expect(outcome.stage).toBe('cancelled');
      expect(outcome.shipments.map((s) => s.stage)).toEqual(['cancelled']);
      expect(await stockSnapshot(journey, ['CUTTING-BOARD-OAK'])).toEqual(before);
      expect(await inventory.ledgerBalances()).toEqual([]);
      expect(await labelsOf(outcome.orderId)).toEqual([]);
      expect(simulator(journey).labelsSold()).toBe(sold);
      const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: firstShipmentId(handle) } });
      expect(shipment).toMatchObject({ status: 'cancelled', pickDay: null });
      const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId } });
      expect(order.status).toBe('cancelled');
    } finally {
      await reopen();
    }
  });

  it('a cancel right after intake, before any shipment exists, still cancels and releases everything', async () => {
    const before = await stockSnapshot(journey, ['MUG-CER-350']);
    const handle = await journey.placeOrder();
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'duplicate order' }] });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(outcome.shipments.every((s) => s.stage === 'cancelled')).toBe(true);
    expect(await stockSnapshot(journey, ['MUG-CER-350'])).toEqual(before);
    expect((await labelsOf(outcome.orderId)).filter((l) => l.status === 'purchased')).toEqual([]);
  });

  it('a cancel after booking but before the carrier collects voids the label, at the carrier too, and restores the stock', async () => {
    const inventory = createInventoryActivities(journey.database.db);
    const before = await stockSnapshot(journey, ['MUG-CER-350']);
    const handle = await journey.placeOrder();
    const booked = await untilShipmentStage(journey, firstShipmentId(handle), ['label_created']);
    const trackingNumber = booked.trackingNumber ?? '';

    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer changed their mind' }] });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(outcome.shippingCostCents).toBe(0);
    expect(await labelsOf(outcome.orderId)).toEqual([expect.objectContaining({ attempt: 1, status: 'voided', trackingNumber })]);
    expect(simulator(journey).soldLabel(trackingNumber)?.voidedAtMs).toBeTypeOf('number');
    expect(await stockSnapshot(journey, ['MUG-CER-350'])).toEqual(before);
    expect(await inventory.ledgerBalances()).toEqual([]);
    const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: firstShipmentId(handle) } });
    expect(shipment).toMatchObject({ status: 'cancelled', shippingCostCents: 0 });
  });

  it('a cancel once the carrier has the parcel is refused with the reason, and the order carries on', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['in_transit', 'out_for_delivery'], { stepMs: 3 * HOUR_MS });
    // The order hears of the stage by signal: its own view decides the validator.
    await until(
      journey,
      'the order to see the carrier has it',
      () => orderView(handle),
      (o) => o.shipments.some((s) => s.shipmentId === shipmentId && ['in_transit', 'out_for_delivery'].includes(s.stage)),
    );

    const reason = await rejectionOf(handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'too late' }] }));
    expect(reason).toMatch(
      new RegExp(
        `WorkflowUpdateFailedError.*order ${orderIdOf(handle)} cannot be cancelled: shipment ${shipmentId} is (in transit|out for delivery); the carrier already has it`,
      ),
    );
    const addressRefusal = await rejectionOf(handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] }));
    expect(addressRefusal).toMatch(new RegExp(`can no longer change: shipment ${shipmentId} is already with the carrier`));

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId }, include: { shippingAddress: true } });
    expect(order.shippingAddress.city).toBe('Lyon');
  });

  /**
   * A parcel with its label bought that the carrier never collects by itself ([scenario:unused]): it scans only when the
   * test says. Not [scenario:stall], whose carrier picks the parcel up one to three business hours after the label.
   */
  async function labelledParcel() {
    const handle = await journey.placeOrder({ shipTo: recipient('Ada Lovelace [scenario:unused]') });
    const shipmentId = firstShipmentId(handle);
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const shipment = journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(shipmentId));
    const scan = async (status: 'label_created' | 'in_transit' | 'delivered') =>
      shipment.signal(trackingEventsSignal, {
        source: 'webhook',
        events: [
          {
            carrierCode: carrier,
            eventId: `${shipmentId}-race-${status}`,
            trackingNumber: booked.trackingNumber ?? '',
            statusCode: CARRIER_STATUS_CODES[carrier][status],
            occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
          },
        ],
      });
    return { handle, shipmentId, trackingNumber: booked.trackingNumber ?? '', scan };
  }

  /** `write` (a scan) while the test holds the shipment's row; `meanwhile` once the shipment's write waits on it. */
  const whileShipmentWrites = (shipmentId: string, write: () => Promise<void>, meanwhile: () => Promise<void>) =>
    whileRowHeld(journey, { table: 'Shipment', id: shipmentId }, write, meanwhile);

  /**
   * Waits until the order shows it took an update whose `answer` comes only after (the race the tests set up), and
   * fails at once with the answer when it comes first: an update refused by the validator is never taken, and waiting
   * the 100 s `until` allows for it hid why (the order already knew the carrier had the parcel).
   */
  async function untilTaken(handle: OrderHandle, what: string, answer: Promise<string>, taken: (o: OrderView) => boolean) {
    let early: string | undefined;
    // Awaited by the caller: handled here only to notice it, not swallowed.
    answer.then(
      (a) => {
        early = a;
      },
      (error: unknown) => {
        early = String(error);
      },
    );
    const view = await until(
      journey,
      `the order to take the ${what}`,
      () => orderView(handle),
      (o) => taken(o) || early !== undefined,
      {
        stepMs: 0,
      },
    );
    if (!taken(view)) throw new Error(`the ${what} was answered before the order took it: ${early}`);
  }

  /** The order's cancel, sent and taken (the order says it is being cancelled); its answer, or its refusal, later. */
  async function cancelTaken(handle: OrderHandle): Promise<{ answer: Promise<string> }> {
    const answer = rejectionOf(
      Promise.race([
        handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer changed their mind' }] }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer to the cancel within 30 s')), 30_000)),
      ]),
    );
    await untilTaken(handle, 'cancel', answer, (o) => o.cancelReason !== undefined);
    return { answer };
  }

  it('a cancel overtaken by the carrier (the parcel collected while the cancel was on its way) is refused, and the order takes cancels again', async () => {
    const { handle, shipmentId, scan } = await labelledParcel();
    let cancel: Promise<string> | undefined;
    // The carrier's first scan is being written by the shipment when the order, not told yet, takes the cancel.
    await whileShipmentWrites(
      shipmentId,
      () => scan('in_transit'),
      async () => {
        cancel = (await cancelTaken(handle)).answer;
      },
    );

    expect(await cancel).toMatch(
      new RegExp(`order ${orderIdOf(handle)} cannot be cancelled: shipment ${shipmentId} reached the carrier before the cancellation did`),
    );
    const view = await until(
      journey,
      'the order to see the carrier has it',
      () => orderView(handle),
      (o) => o.cancelReason === undefined,
    );
    expect(view.timeline.map((e) => e.label)).toContain('cancellation overtaken by the carrier');
    // Refused for what it is now (the carrier has the parcel), not "already being cancelled" forever.
    expect(await rejectionOf(handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'again' }] }))).toMatch(
      /the carrier already has it/,
    );
    expect(await rejectionOf(handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] }))).toMatch(
      /already with the carrier/,
    );

    await scan('delivered');
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments).toEqual([expect.objectContaining({ shipmentId, stage: 'delivered' })]);
  });

  it("a cancel that reaches the shipment with the carrier's first scan is refused: the scan is taken first, the label and the stock stay out", async () => {
    const { handle, shipmentId, trackingNumber, scan } = await labelledParcel();
    const stockBefore = await stockSnapshot(journey, ['MUG-CER-350']);
    let cancel: Promise<string> | undefined;
    // The shipment is busy writing a first "label created" scan; the "collected" scan and the cancel both wait for it.
    await whileShipmentWrites(
      shipmentId,
      () => scan('label_created'),
      async () => {
        await scan('in_transit');
        cancel = (await cancelTaken(handle)).answer;
      },
    );

    expect(await cancel).toMatch(new RegExp(`shipment ${shipmentId} reached the carrier before the cancellation did`));
    expect(await labelsOf(orderIdOf(handle))).toEqual([expect.objectContaining({ attempt: 1, status: 'purchased', trackingNumber })]);
    expect(simulator(journey).soldLabel(trackingNumber)?.voidedAtMs).toBeUndefined();
    await scan('delivered');
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    // The goods left with the carrier: what was held for the parcel left the shelf, and nothing came back on it.
    const total = (rows: { onHand: number; reserved: number }[]) =>
      rows.reduce((sum, r) => ({ onHand: sum.onHand + r.onHand, reserved: sum.reserved + r.reserved }), { onHand: 0, reserved: 0 });
    const [before, after] = [total(stockBefore), total(await stockSnapshot(journey, ['MUG-CER-350']))];
    const held = before.reserved - after.reserved;
    expect(held).toBeGreaterThan(0);
    expect(after.onHand).toBe(before.onHand - held);
  });

  /** The order's address change, sent and taken (the order shows the new address); its answer, or its refusal, later. */
  async function addressChangeTaken(handle: OrderHandle): Promise<{ answer: Promise<string> }> {
    const answer = rejectionOf(
      Promise.race([
        handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] }),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer to the address change within 30 s')), 30_000)),
      ]),
    );
    await untilTaken(handle, 'address change', answer, (o) => o.shipTo.city === NEW_ADDRESS.city);
    return { answer };
  }

  it('an address change overtaken by the carrier is refused, and the order, its row and its view keep the address the parcel travels to', async () => {
    const { handle, shipmentId, trackingNumber, scan } = await labelledParcel();
    let change: Promise<string> | undefined;
    // The carrier's first scan is being written by the shipment when the order, not told yet, takes the address change.
    await whileShipmentWrites(
      shipmentId,
      () => scan('in_transit'),
      async () => {
        change = (await addressChangeTaken(handle)).answer;
      },
    );

    expect(await change).toMatch(
      new RegExp(
        `the address of order ${orderIdOf(handle)} did not change: shipment ${shipmentId} reached the carrier before the address change did and travels to Lyon, FR`,
      ),
    );
    const view = await orderView(handle);
    expect(view.shipTo.city).toBe('Lyon');
    expect(view.timeline.map((e) => e.label)).toEqual(
      expect.arrayContaining(['shipping address changed', 'address change overtaken by the carrier']),
    );
    const order = await journey.database.db.order.findUniqueOrThrow({
      where: { id: orderIdOf(handle) },
      include: { shippingAddress: true },
    });
    expect(order.shippingAddress.city).toBe('Lyon');
    // The parcel goes on under its one label, to the address it was labelled for.
    expect(await labelsOf(orderIdOf(handle))).toEqual([expect.objectContaining({ attempt: 1, status: 'purchased', trackingNumber })]);
    expect(labelDestination(journey, trackingNumber)?.city).toBe('Lyon');
    // Refused for what it is now, not "already changing".
    expect(await rejectionOf(handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] }))).toMatch(
      /already with the carrier/,
    );

    await scan('delivered');
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const ended = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId }, include: { shippingAddress: true } });
    expect(ended.shippingAddress.city).toBe('Lyon');
  });

  it('an address change overtaken for one shipment of a split order: the other takes it, and the refusal names the one that did not', async () => {
    // [scenario:unused]: the carrier collects neither parcel by itself, however long the second label takes.
    const handle = await journey.placeOrder({
      shipTo: recipient('Ada Lovelace [scenario:unused]'),
      lines: [
        { sku: 'BOOK-COOK-XL', quantity: 1 },
        { sku: 'TEA-GREEN-100G', quantity: 2 },
      ],
    });
    const orderId = orderIdOf(handle);
    const [first, second] = [firstShipmentId(handle), ids.shipmentId(orderId, 2)];
    const booked = await untilShipmentStage(journey, first, ['label_created']);
    const secondBooked = await untilShipmentStage(journey, second, ['label_created']);
    // The second label can come hours or days after the first (an order placed past a warehouse's cut-off, before its
    // weekend or holiday waits for its next pick day): the race below must hold however long that took. With
    // [scenario:stall] the carrier picked the first parcel up in those hours, the order refused the address change at
    // once ("already with the carrier"), and the test waited 100 s for it to be taken.
    await skipBusinessTime(journey, 4 * HOUR_MS);
    const collected = (await orderView(handle)).shipments.filter((s) => isWithCarrier(s.stage)).map((s) => s.shipmentId);
    expect(collected, 'a parcel the carrier took before the race').toEqual([]);
    const carrier = booked.carrierCode as SimulatedCarrierCode;
    const scanFirst = async (status: 'in_transit' | 'delivered') =>
      journey.env.client.workflow.getHandle(ids.shipmentWorkflowId(first)).signal(trackingEventsSignal, {
        source: 'webhook',
        events: [
          {
            carrierCode: carrier,
            eventId: `${first}-race-${status}`,
            trackingNumber: booked.trackingNumber ?? '',
            statusCode: CARRIER_STATUS_CODES[carrier][status],
            occurredAt: new Date(await journey.env.currentTimeMs()).toISOString(),
          },
        ],
      });
    let change: Promise<string> | undefined;
    await whileShipmentWrites(
      first,
      () => scanFirst('in_transit'),
      async () => {
        change = (await addressChangeTaken(handle)).answer;
      },
    );

    expect(await change).toMatch(
      new RegExp(
        `the address of order ${orderId} changed for shipment ${second} only: shipment ${first} reached the carrier before the address change did and travels to Lyon, FR`,
      ),
    );
    const view = await orderView(handle);
    expect(view.shipTo.city).toBe('Bordeaux');
    expect(view.timeline.map((e) => e.label)).toContain('address change overtaken by the carrier');
    const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: orderId }, include: { shippingAddress: true } });
    expect(order.shippingAddress.city).toBe('Bordeaux');
    // The shipment still in the warehouse is re-labelled to the new address; the collected one keeps its label.
    const relabelled = await until(
      journey,
      'the second shipment to be re-labelled',
      () => journey.database.db.label.findMany({ where: { shipmentId: second }, orderBy: { attempt: 'asc' } }),
      (labels) => labels.some((l) => l.attempt === 2 && l.status === 'purchased'),
    );
    expect(relabelled[0]).toMatchObject({ status: 'voided', trackingNumber: secondBooked.trackingNumber });
    expect(labelDestination(journey, relabelled[1]!.trackingNumber)?.city).toBe('Bordeaux');
    const firstLabels = await journey.database.db.label.findMany({ where: { shipmentId: first } });
    expect(firstLabels).toEqual([expect.objectContaining({ attempt: 1, status: 'purchased' })]);
    expect(labelDestination(journey, booked.trackingNumber ?? '')?.city).toBe('Lyon');
    await scanFirst('delivered');
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['delivered', 'delivered']);
  });

  /**
   * An order of LYS1's, held before booking (its pick slots full for a week) while `change` runs; then let go: its outcome
   * and its labels once it completed.
   */
  const changedBeforeBooking = async (change: (handle: OrderHandle) => Promise<void>) => {
    const reopen = await fillWarehouseForAWeek(journey, 'LYS1');
    let handle: OrderHandle | undefined;
    try {
      handle = await journey.placeOrder({ lines: LYS1_ONLY });
      await untilShipmentStage(journey, firstShipmentId(handle), ['waiting_for_pick_slot']);
      await change(handle);
    } finally {
      await reopen();
    }
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const labels = await labelsOf(outcome.orderId);
    expect(labels).toEqual([expect.objectContaining({ attempt: 1, status: 'purchased' })]);
    return { outcome, destination: labelDestination(journey, labels[0]!.trackingNumber) };
  };

  it('an address change before booking books one label, to the new address', async () => {
    const { outcome, destination } = await changedBeforeBooking(async (handle) => {
      const changed = await handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] });
      expect(changed.shipTo.city).toBe('Bordeaux');
    });
    expect(destination?.city).toBe('Bordeaux');
    const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId }, include: { shippingAddress: true } });
    expect(order.shippingAddress.city).toBe('Bordeaux');
  });

  it(`takes at most ${MAX_ADDRESS_CHANGES} address changes, then refuses the next with the reason: a client looping on new addresses cannot grow the order's history without bound`, async () => {
    const moved = (n: number) => ({ ...NEW_ADDRESS, line1: `${n} quai des Chartrons` });
    const { destination } = await changedBeforeBooking(async (handle) => {
      for (let n = 1; n <= MAX_ADDRESS_CHANGES; n++) await handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: moved(n) }] });
      const refusal = await rejectionOf(handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: moved(99) }] }));
      expect(refusal).toMatch(new RegExp(`has changed ${MAX_ADDRESS_CHANGES} times already, the most an order takes`));
    });
    expect(destination?.line1).toBe(`${MAX_ADDRESS_CHANGES} quai des Chartrons`);
  });

  it('an address change after booking voids the first label and books attempt 2 to the new address', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    const booked = await untilShipmentStage(journey, shipmentId, ['label_created']);
    expect(labelDestination(journey, booked.trackingNumber ?? '')?.city).toBe('Lyon');

    await handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: NEW_ADDRESS }] });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const labels = await labelsOf(outcome.orderId);
    expect(labels).toEqual([
      expect.objectContaining({ attempt: 1, status: 'voided', trackingNumber: booked.trackingNumber }),
      expect.objectContaining({ attempt: 2, status: 'purchased' }),
    ]);
    expect(simulator(journey).soldLabel(booked.trackingNumber ?? '')?.voidedAtMs).toBeTypeOf('number');
    expect(labelDestination(journey, labels[1]!.trackingNumber)?.city).toBe('Bordeaux');
    const shipment = await journey.database.db.shipment.findUniqueOrThrow({ where: { id: shipmentId } });
    expect(shipment).toMatchObject({
      status: 'delivered',
      trackingNumber: labels[1]!.trackingNumber,
      shippingCostCents: labels[1]!.amountCents,
    });
    expect(outcome.shippingCostCents).toBe(labels[1]!.amountCents);
  });

  it('from the CLI, a change to the address the order already ships to, or a second change while one is taken, is refused: one label bought again, not three', async () => {
    const handle = await journey.placeOrder();
    const shipmentId = firstShipmentId(handle);
    await untilShipmentStage(journey, shipmentId, ['label_created']);
    const { shipTo } = await orderView(handle);

    // The same address, sent as `temporal workflow update execute --name changeAddress` would (the API answers it as is).
    const same = await rejectionOf(handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: { ...shipTo } }] }));
    expect(same).toMatch(/already ships to this address: no label voided or bought again/);

    // Two changes at once: the first is taken and records its address (held here on the order's row); the second,
    // arriving meanwhile, is refused. Before, it was taken too, and each voided a label and bought another. The record is
    // a local activity, so the second is validated only once the workflow task it holds open heartbeats (~10-25 s here).
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first: WorkflowUpdateHandle<unknown> | undefined;
    const locked = journey.database.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Order" WHERE "id" = ${orderIdOf(handle)} FOR UPDATE`;
        first = await handle.startUpdate(changeAddressUpdate, {
          args: [{ shipTo: NEW_ADDRESS }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        await held;
      },
      { timeout: 100_000 },
    );
    await until(
      journey,
      'the first change to be taken',
      async () => first,
      (taken) => taken !== undefined,
      { stepMs: 0 },
    );
    try {
      const second = rejectionOf(
        handle.executeUpdate(changeAddressUpdate, { args: [{ shipTo: { ...NEW_ADDRESS, line1: '5 quai des Chartrons' } }] }),
      );
      expect(await second).toMatch(/is already changing: try again once it is answered/);
    } finally {
      release();
    }
    await locked;
    await first?.result();

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    const labels = await labelsOf(outcome.orderId);
    expect(labels.map((l) => [l.attempt, l.status])).toEqual([
      [1, 'voided'],
      [2, 'purchased'],
    ]);
    expect(labelDestination(journey, labels[1]!.trackingNumber)?.line1).toBe(NEW_ADDRESS.line1);
    const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId }, include: { shippingAddress: true } });
    expect(order.shippingAddress.line1).toBe(NEW_ADDRESS.line1);
  }, 180_000);
});
