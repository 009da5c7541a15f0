import { describe, expect, it } from 'vitest';
import { holdsAfterReservation, netOfHolds, stockHoldsOf } from '../../domain/promised-stock';
import type { PlanChoice } from '../../domain/plan-choice';

const shelf = (warehouseCode: string, skuCode: string, available: number) => ({ warehouseCode, skuCode, available });
const restock = (warehouseCode: string, skuCode: string, quantity: number, expectedAtMs: number) => ({
  warehouseCode,
  skuCode,
  quantity,
  expectedAtMs,
});

describe('stock held by promises not yet reserved', () => {
  it('takes from its own warehouse shelf first, then from that warehouse restocks in order of arrival', () => {
    const { stock, restocks } = netOfHolds(
      [shelf('PAR1', 'MUG', 2), shelf('LYS1', 'MUG', 5)],
      [restock('PAR1', 'MUG', 4, 300), restock('PAR1', 'MUG', 3, 100)],
      [
        { warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 3 },
        { warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 3 },
      ],
    );
    expect(stock).toEqual([shelf('PAR1', 'MUG', 0), shelf('LYS1', 'MUG', 5)]);
    // 6 held: 2 from the shelf, the 3 arriving first, 1 of the later 4.
    expect(restocks).toEqual([restock('PAR1', 'MUG', 3, 300)]);
  });

  it('never goes below nothing, and a hold on a SKU or warehouse with nothing changes nothing else', () => {
    const { stock, restocks } = netOfHolds(
      [shelf('PAR1', 'MUG', 1), shelf('PAR1', 'BOOK', 4)],
      [],
      [
        { warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 9 },
        { warehouseCode: 'HAM1', skuCode: 'BOOK', quantity: 2 },
      ],
    );
    expect(stock).toEqual([shelf('PAR1', 'MUG', 0), shelf('PAR1', 'BOOK', 4)]);
    expect(restocks).toEqual([]);
    // Whether a hold took anything: what the engine says when nothing is left ("promised to earlier orders").
    expect(netOfHolds([shelf('PAR1', 'MUG', 1)], [], [{ warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 1 }]).tookAny).toBe(true);
    expect(netOfHolds([shelf('PAR1', 'MUG', 0)], [], [{ warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 1 }]).tookAny).toBe(false);
    expect(netOfHolds([shelf('PAR1', 'MUG', 1)], [], []).tookAny).toBe(false);
  });

  it('a plan holds the sum of its lines per warehouse and SKU; no plan holds nothing', () => {
    const option = (warehouseCode: string, lines: [string, number][]) => ({
      option: { warehouseCode, lines: lines.map(([skuCode, quantity], i) => ({ lineId: `L${i}`, skuCode, quantity })) },
    });
    const choice = {
      deliveryDay: '2026-12-08',
      costCents: 0,
      confidence: 1,
      shipments: [
        option('PAR1', [
          ['MUG', 1],
          ['MUG', 2],
        ]),
        option('HAM1', [['BOOK', 1]]),
      ],
    } as unknown as PlanChoice;
    expect(stockHoldsOf(choice)).toEqual([
      { warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 3 },
      { warehouseCode: 'HAM1', skuCode: 'BOOK', quantity: 1 },
    ]);
    expect(stockHoldsOf(undefined)).toEqual([]);
  });

  it('after a reservation, an order holds only what it still waits for, where its promise counted on it', () => {
    const held = [
      { warehouseCode: 'HAM1', skuCode: 'MUG', quantity: 2 },
      { warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 4 },
      { warehouseCode: 'PAR1', skuCode: 'BOOK', quantity: 1 },
    ];
    expect(holdsAfterReservation(held, [{ skuCode: 'MUG', missing: 3 }])).toEqual([
      { warehouseCode: 'HAM1', skuCode: 'MUG', quantity: 2 },
      { warehouseCode: 'PAR1', skuCode: 'MUG', quantity: 1 },
    ]);
    // Short of more than was promised (the promise was made before a loss): no more than it held.
    expect(holdsAfterReservation(held, [{ skuCode: 'BOOK', missing: 5 }])).toEqual([
      { warehouseCode: 'PAR1', skuCode: 'BOOK', quantity: 1 },
    ]);
    expect(holdsAfterReservation(held, [])).toEqual([]);
  });
});
