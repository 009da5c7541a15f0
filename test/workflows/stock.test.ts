import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory';
import { HOUR_MS } from '../../domain/clock';
import { cancelOrderUpdate, resolveEscalationUpdate, restockedSignal } from '../../workflows/definitions';
import { startJourney, type Journey } from '../support/journey';
import {
  orderIdOf,
  orderView,
  rejectionOf,
  stockSnapshot,
  until,
  untilEscalation,
  untilOrderStage,
  untilWorkflowKnowsEscalation,
} from './steps';

describe('stock on the order journey: split shipments, backorders and short shipping', () => {
  let journey: Journey;
  beforeAll(async () => {
    journey = await startJourney();
  });
  afterAll(() => journey?.teardown());

  /** An order short of `sku` whose 24-hour backorder wait has passed: ops are asked, and the order knows it. */
  async function pastBackorderDeadline(sku: string, quantity: number) {
    const handle = await journey.placeOrder({ lines: [{ sku, quantity }], backorderPolicy: 'backorder', backorderWaitHours: 24 });
    const escalation = await untilEscalation(
      journey,
      { orderId: orderIdOf(handle), reason: 'backorder_deadline', status: 'open' },
      { stepMs: 6 * HOUR_MS },
    );
    // The row lands before the order knows the escalation: answer once its view lists it.
    await untilWorkflowKnowsEscalation(journey, escalation);
    return { handle, escalation };
  }

  it('lines only different warehouses hold ship as one shipment per warehouse, both delivered', async () => {
    const handle = await journey.placeOrder({
      lines: [
        { sku: 'BOOK-COOK-XL', quantity: 1 },
        { sku: 'TEA-GREEN-100G', quantity: 2 },
      ],
    });
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shipments.map((s) => s.stage)).toEqual(['delivered', 'delivered']);
    const shipments = await journey.database.db.shipment.findMany({
      where: { orderId: outcome.orderId },
      include: { lines: true, labels: true },
      orderBy: { seq: 'asc' },
    });
    expect(shipments).toHaveLength(2);
    const byWarehouse = Object.fromEntries(shipments.map((s) => [s.warehouseCode, s.lines.map((l) => l.skuCode)]));
    expect(byWarehouse.LYS1).toEqual(['BOOK-COOK-XL']);
    expect(Object.keys(byWarehouse).sort()).toContain('LYS1');
    expect(shipments.every((s) => s.status === 'delivered' && s.labels.length === 1)).toBe(true);
    const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId } });
    expect(order.status).toBe('completed');
  });

  it('an order for more than the stock waits backordered, and a restock completes it', async () => {
    const inventory = createInventoryActivities(journey.database.db);
    const handle = await journey.placeOrder({ lines: [{ sku: 'KETTLE-17L', quantity: 6 }], backorderPolicy: 'backorder' });
    const waiting = await untilOrderStage(journey, handle, ['backordered']);
    expect(waiting.shortages).toEqual([expect.objectContaining({ skuCode: 'KETTLE-17L', missing: 2 })]);
    // The workflow's own view turns backordered before its status write to the Order row lands: wait for the row too.
    const row = await until(
      journey,
      `Order row of ${orderIdOf(handle)} backordered`,
      () => journey.database.db.order.findUniqueOrThrow({ where: { id: orderIdOf(handle) } }),
      (o) => o.status === 'backordered',
      { stepMs: 60_000 },
    );
    expect(row.backorderDeadline).not.toBeNull();

    await inventory.restock({ warehouseCode: 'LYS1', skuCode: 'KETTLE-17L', quantity: 5, reference: `ASN-${orderIdOf(handle)}` });
    await handle.signal(restockedSignal, { warehouseCode: 'LYS1', skuCode: 'KETTLE-17L' });

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shortages).toEqual([]);
    const consumed = await journey.database.db.reservation.findMany({ where: { orderId: outcome.orderId, status: 'consumed' } });
    expect(consumed.reduce((n, r) => n + r.quantity, 0)).toBe(6);
    expect(await inventory.ledgerBalances()).toEqual([]);
  });

  it('at the backorder deadline ops are asked, and "ship_available" ships what is held', async () => {
    const { handle, escalation } = await pastBackorderDeadline('POT-CASTIRON-6L', 5);
    const resolved = await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, decision: 'ship_available', resolvedBy: 'test' }],
    });
    expect(resolved.decision).toBe('ship_available');

    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shortages).toEqual([expect.objectContaining({ skuCode: 'POT-CASTIRON-6L', missing: 2 })]);
    const lines = await journey.database.db.shipmentLine.findMany({ where: { shipment: { orderId: outcome.orderId } } });
    expect(lines.reduce((n, l) => n + l.quantity, 0)).toBe(3);
    const stored = await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalation.id } });
    expect(stored).toMatchObject({ status: 'resolved', decision: 'ship_available', resolvedBy: 'test' });
  });

  it('at the backorder deadline "cancel" ends the order and gives every unit back', async () => {
    const inventory = createInventoryActivities(journey.database.db);
    const before = await stockSnapshot(journey, ['WATCH-STEEL-40']);
    const { handle, escalation } = await pastBackorderDeadline('WATCH-STEEL-40', 3);
    expect(
      await rejectionOf(
        handle.executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: escalation.id, decision: 'reship', resolvedBy: 'test' }] }),
      ),
    ).toMatch(
      /WorkflowUpdateFailedError.*"reship" does not answer a backorder_deadline escalation; choose one of wait, ship_available, cancel/,
    );
    await handle.executeUpdate(resolveEscalationUpdate, {
      args: [{ escalationId: escalation.id, decision: 'cancel', resolvedBy: 'test' }],
    });

    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    expect(await stockSnapshot(journey, ['WATCH-STEEL-40'])).toEqual(before);
    expect(await inventory.ledgerBalances()).toEqual([]);
    expect((await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId } })).status).toBe('cancelled');
  });

  it('"wait" at the backorder deadline waits the whole wait again before ops are asked again', async () => {
    const { handle, escalation } = await pastBackorderDeadline('WATCH-STEEL-40', 3);
    await handle.executeUpdate(resolveEscalationUpdate, { args: [{ escalationId: escalation.id, decision: 'wait', resolvedBy: 'test' }] });
    const answeredAt = await journey.env.currentTimeMs();
    const next = await until(
      journey,
      'the backorder deadline escalated again',
      () => journey.database.db.escalation.findFirst({ where: { orderId: orderIdOf(handle), id: { not: escalation.id } } }),
      (e) => e !== null,
      { stepMs: 2 * HOUR_MS },
    );
    // Asked again a full wait (24 h) after the answer, not at the step-up the answered escalation had armed (the
    // timeline is on the workflow's clock; the rows on the activities').
    expect(next?.reason).toBe('backorder_deadline');
    const asked = (await orderView(handle)).timeline.filter((e) => e.label === 'escalated: backorder_deadline');
    expect(asked).toHaveLength(2);
    expect(Date.parse(asked[1]?.at ?? '')).toBeGreaterThanOrEqual(answeredAt + 24 * HOUR_MS - 60_000);
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'test over' }] });
    await handle.result();
  });

  it('a customer who cancels while ops are asked about the backorder closes the question: no escalation stays open', async () => {
    const { handle, escalation } = await pastBackorderDeadline('WATCH-STEEL-40', 3);
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer found it elsewhere' }] });

    const outcome = await handle.result();
    expect(outcome.stage).toBe('cancelled');
    // Nothing left on the ops desk for an order that no longer exists: closed by Colis, with the reason.
    const stored = await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalation.id } });
    expect(stored).toMatchObject({ status: 'resolved', resolvedBy: 'colis' });
    expect(stored.note).toMatch(/cancel/);
    expect(await journey.database.db.reservation.count({ where: { orderId: outcome.orderId, status: 'held' } })).toBe(0);
  });

  it('an answer to the backorder question given after the customer cancelled is refused, not recorded as ops decision', async () => {
    const { handle, escalation } = await pastBackorderDeadline('WATCH-STEEL-40', 3);
    const orderId = orderIdOf(handle);
    // Hold the cancel between its stage and its escalations' close: the release of the order's stock locks the order
    // row FOR UPDATE, which waits for this KEY SHARE lock; the stage write (a plain UPDATE) does not.
    let letGo = () => {};
    const gate = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const held = journey.database.db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM "Order" WHERE id = ${orderId} FOR KEY SHARE`;
        await gate;
      },
      { timeout: 60_000 },
    );
    try {
      // The cancel answers once the order's stage is cancelled, before its stock is released and its questions closed.
      await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer found it elsewhere' }] });
      const late = handle.executeUpdate(resolveEscalationUpdate, {
        args: [{ escalationId: escalation.id, decision: 'ship_available', resolvedBy: 'test' }],
      });
      expect(await rejectionOf(late)).toMatch(/order .* is being cancelled: its escalations close with it/);
    } finally {
      letGo();
      await held;
    }
    expect((await handle.result()).stage).toBe('cancelled');
    const stored = await journey.database.db.escalation.findUniqueOrThrow({ where: { id: escalation.id } });
    expect(stored).toMatchObject({ status: 'resolved', resolvedBy: 'colis' });
    expect(stored.decision).not.toBe('ship_available');
    const labels = (await orderView(handle)).timeline.map((e) => e.label);
    expect(labels).not.toContain('escalation resolved: ship_available');
  });

  it('the ship_available policy short-ships at once and records the shortage', async () => {
    const handle = await journey.placeOrder(
      {
        lines: [
          { sku: 'BIKE-CITY-28', quantity: 3 },
          { sku: 'SOCKS-WOOL-3P', quantity: 1 },
        ],
        backorderPolicy: 'ship_available',
      },
      { promiseWorkingDays: 10 },
    );
    const outcome = await handle.result();
    expect(outcome.stage).toBe('completed');
    expect(outcome.shortages).toEqual([expect.objectContaining({ skuCode: 'BIKE-CITY-28', missing: 1 })]);
    const lines = await journey.database.db.shipmentLine.findMany({ where: { shipment: { orderId: outcome.orderId } } });
    expect(lines.filter((l) => l.skuCode === 'BIKE-CITY-28').reduce((n, l) => n + l.quantity, 0)).toBe(2);
    const order = await journey.database.db.order.findUniqueOrThrow({ where: { id: outcome.orderId } });
    expect(order.status).toBe('completed');
    expect(order.backorderDeadline).toBeNull();
  });
});
