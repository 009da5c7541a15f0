import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertShipment, signalsReceived, startIdleWorkflow, uniqueId } from './fixtures';
import { createHarness, expectErrorShape, type Harness, KEYS } from './harness';
import { createFixtureSku } from '../support/skus';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const availability = (key: (typeof KEYS)[keyof typeof KEYS] | undefined, code: string, payload: unknown) =>
  h.as(key, { method: 'PUT', url: `/warehouses/${code}/availability`, payload: payload as Record<string, unknown> });

describe('PUT /warehouses/{code}/availability', () => {
  it('ops declare a warehouse down, attributed to their key; its waiting shipments are told; a repeat changes nothing; up again', async () => {
    const orderId = await insertOrder(h.db, { status: 'fulfilling' });
    const { shipmentId } = await insertShipment(h.db, orderId);
    await h.db.shipment.update({ where: { id: shipmentId }, data: { status: 'waiting_for_pick_slot', warehouseCode: 'MAD1' } });
    await startIdleWorkflow(h.client, `shipment-${shipmentId}`);

    const down = await availability(KEYS.ops, 'MAD1', { status: 'down', reason: 'power cut' });
    expect(down.statusCode).toBe(200);
    expect(down.json()).toMatchObject({
      warehouseCode: 'MAD1',
      down: true,
      downReason: 'power cut',
      downBy: 'ops-desk',
      changed: true,
      signalledShipments: 1,
    });
    expect(await signalsReceived(h.client, `shipment-${shipmentId}`, 'warehouseAvailability')).toEqual([
      { warehouseCode: 'MAD1', down: true, reason: 'power cut' },
    ]);
    const again = await availability(KEYS.ops, 'MAD1', { status: 'down', reason: 'still no power' });
    expect(again.json()).toMatchObject({ down: true, downReason: 'power cut', changed: false, signalledShipments: 0 });
    const list = await h.as(KEYS.ops, { method: 'GET', url: '/warehouses' });
    expect(list.json().items).toContainEqual(expect.objectContaining({ warehouseCode: 'MAD1', down: true, downBy: 'ops-desk' }));

    const up = await availability(KEYS.ops, 'MAD1', { status: 'up' });
    expect(up.json()).toMatchObject({ down: false, downSince: null, changed: true });
    const trail = await h.db.warehouseAvailabilityChange.findMany({ where: { warehouseCode: 'MAD1' }, orderBy: { createdAt: 'asc' } });
    expect(trail.map((t) => [t.down, t.changedBy])).toEqual([
      [true, 'ops-desk'],
      [false, 'ops-desk'],
    ]);
  });

  it('declared up, it tells the orders backordered for stock it holds free to try again, as a restock does', async () => {
    // A SKU only this test knows: MAD1 holds two free, and one held with none free, so nothing else waits for them.
    const sku = async (free: number) => {
      const code = await createFixtureSku(h.db, uniqueId('SKU-WH'));
      await h.db.inventoryLevel.create({ data: { warehouseCode: 'MAD1', skuCode: code, onHand: 2, reserved: 2 - free } });
      return code;
    };
    const [heldFree, heldTaken] = [await sku(2), await sku(0)];
    const waiting = await insertOrder(h.db, { status: 'backordered', skuCode: heldFree });
    const stillShort = await insertOrder(h.db, { status: 'backordered', skuCode: heldTaken });
    for (const orderId of [waiting, stillShort]) await startIdleWorkflow(h.client, `order-${orderId}`);

    const down = await availability(KEYS.ops, 'MAD1', { status: 'down', reason: 'flooded' });
    expect(down.json()).toMatchObject({ changed: true, signalledOrders: 0 });
    const up = await availability(KEYS.ops, 'MAD1', { status: 'up' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ down: false, changed: true, signalledOrders: 1 });
    expect(await signalsReceived(h.client, `order-${waiting}`, 'restocked')).toEqual([{ warehouseCode: 'MAD1', skuCode: heldFree }]);
    expect(await signalsReceived(h.client, `order-${stillShort}`, 'restocked')).toEqual([]);

    const again = await availability(KEYS.ops, 'MAD1', { status: 'up' });
    expect(again.json()).toMatchObject({ changed: false, signalledOrders: 0 });
    expect(await signalsReceived(h.client, `order-${waiting}`, 'restocked')).toHaveLength(1);
  });

  it('bad input is a 400 naming the field and changes nothing', async () => {
    const before = await h.db.warehouse.findUniqueOrThrow({ where: { code: 'PAR1' } });
    const cases: [string, unknown, string][] = [
      ['PAR1', { status: 'sideways' }, 'status'],
      ['PAR1', {}, 'status'],
      ['PAR1', { status: 'down', reason: '' }, 'reason'],
      ['PAR1', { status: 'down', reason: 'x'.repeat(201) }, 'reason'],
      ['PAR1', { status: 'down', extra: true }, ''],
      ['par-1!', { status: 'down' }, 'code'],
    ];
    for (const [code, payload, field] of cases) {
      const error = expectErrorShape(await availability(KEYS.ops, code, payload), 400);
      expect(JSON.stringify(error)).toContain(field);
    }
    expect(await h.db.warehouse.findUniqueOrThrow({ where: { code: 'PAR1' } })).toEqual(before);
  });

  it('an unknown warehouse is a 404; a shop key is refused and no key is a 401', async () => {
    expectErrorShape(await availability(KEYS.ops, 'NOPE1', { status: 'down' }), 404, 'not_found');
    expect((await availability(KEYS.intake, 'PAR1', { status: 'down' })).statusCode).toBe(403);
    expect((await availability(undefined, 'PAR1', { status: 'down' })).statusCode).toBe(401);
    expect((await h.db.warehouse.findUniqueOrThrow({ where: { code: 'PAR1' } })).downSince).toBeNull();
  });
});
