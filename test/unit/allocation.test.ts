import { describe, expect, it } from 'vitest';
import { allocateOrder, isFullyAllocated, type AllocationLine, type StockLevel } from '../../domain/allocation';

const line = (lineId: string, skuCode: string, quantity: number): AllocationLine => ({ lineId, skuCode, quantity });
const stockOf = (warehouseCode: string, levels: Record<string, number>): StockLevel[] =>
  Object.entries(levels).map(([skuCode, available]) => ({ warehouseCode, skuCode, available }));

describe('allocateOrder', () => {
  it('an order one warehouse can fill ships as one shipment', () => {
    const lines = [line('l1', 'MUG', 2), line('l2', 'TEA', 1)];
    const stock = [...stockOf('PAR', { MUG: 5 }), ...stockOf('LYS', { MUG: 2, TEA: 1 })];

    const allocation = allocateOrder(lines, stock);

    expect(allocation.shipments).toEqual([{ warehouseCode: 'LYS', lines }]);
    expect(allocation.shortages).toEqual([]);
    expect(isFullyAllocated(allocation)).toBe(true);
  });

  it('among warehouses that can each fill the order, the preferred one wins, then the lower code', () => {
    const lines = [line('l1', 'MUG', 1)];
    const stock = [...stockOf('PAR', { MUG: 5 }), ...stockOf('LYS', { MUG: 5 }), ...stockOf('BOD', { MUG: 5 })];

    expect(allocateOrder(lines, stock, { warehousePreference: ['PAR', 'LYS'] }).shipments[0]?.warehouseCode).toBe('PAR');
    expect(allocateOrder(lines, stock).shipments[0]?.warehouseCode).toBe('BOD');
  });

  it('splits to the fewest warehouses, even when the greedy first pick would need three', () => {
    // Greedy would start with BIG (covers 4 lines) and then need two more; {LEFT, RIGHT} covers all six.
    const lines = ['A', 'B', 'C', 'D', 'E', 'F'].map((sku, i) => line(`l${i}`, sku, 1));
    const stock = [
      ...stockOf('BIG', { B: 1, C: 1, D: 1, E: 1 }),
      ...stockOf('LEFT', { A: 1, B: 1, C: 1 }),
      ...stockOf('RIGHT', { D: 1, E: 1, F: 1 }),
    ];

    const allocation = allocateOrder(lines, stock, { warehousePreference: ['BIG', 'LEFT', 'RIGHT'] });

    expect(allocation.shipments.map((s) => s.warehouseCode)).toEqual(['LEFT', 'RIGHT']);
    expect(allocation.shipments.flatMap((s) => s.lines.map((l) => l.skuCode)).sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(isFullyAllocated(allocation)).toBe(true);
  });

  it('keeps a line whole when one warehouse can hold it, even if splitting it would need fewer warehouses', () => {
    // MUG×4 fits whole only at PAR; splitting it LYS 2 + BOD 2 is not allowed.
    const lines = [line('l1', 'MUG', 4), line('l2', 'TEA', 1)];
    const stock = [...stockOf('PAR', { MUG: 4 }), ...stockOf('LYS', { MUG: 2, TEA: 1 }), ...stockOf('BOD', { MUG: 2 })];

    const allocation = allocateOrder(lines, stock);

    expect(allocation.shipments).toEqual([
      { warehouseCode: 'LYS', lines: [line('l2', 'TEA', 1)] },
      { warehouseCode: 'PAR', lines: [line('l1', 'MUG', 4)] },
    ]);
  });

  it('splits a line across warehouses only when no single warehouse holds its quantity, largest stock first', () => {
    const lines = [line('l1', 'MUG', 10)];
    const stock = [...stockOf('PAR', { MUG: 3 }), ...stockOf('LYS', { MUG: 8 }), ...stockOf('BOD', { MUG: 4 })];

    const allocation = allocateOrder(lines, stock);

    expect(allocation.shipments).toEqual([
      { warehouseCode: 'BOD', lines: [line('l1', 'MUG', 2)] },
      { warehouseCode: 'LYS', lines: [line('l1', 'MUG', 8)] },
    ]);
    expect(allocation.shortages).toEqual([]);
  });

  it('never allocates more than is available and reports the shortage per line', () => {
    const lines = [line('l1', 'MUG', 5), line('l2', 'TEA', 2), line('l3', 'PEN', 1)];
    const stock = [...stockOf('PAR', { MUG: 2, TEA: 2 }), ...stockOf('LYS', { MUG: 1, PEN: -3 })];

    const allocation = allocateOrder(lines, stock);

    const allocatedMugs = allocation.shipments.flatMap((s) => s.lines).filter((l) => l.skuCode === 'MUG');
    expect(allocatedMugs.reduce((sum, l) => sum + l.quantity, 0)).toBe(3);
    expect(allocation.shortages).toEqual([
      { lineId: 'l1', skuCode: 'MUG', missing: 2 },
      { lineId: 'l3', skuCode: 'PEN', missing: 1 },
    ]);
    expect(isFullyAllocated(allocation)).toBe(false);
  });

  it('two lines of the same SKU share its stock without overselling', () => {
    const lines = [line('l1', 'MUG', 2), line('l2', 'MUG', 2)];
    const stock = stockOf('PAR', { MUG: 3 });

    const allocation = allocateOrder(lines, stock);

    expect(allocation.shipments.flatMap((s) => s.lines).reduce((sum, l) => sum + l.quantity, 0)).toBe(3);
    expect(allocation.shortages).toEqual([{ lineId: 'l2', skuCode: 'MUG', missing: 1 }]);
  });

  it('an order with no stock anywhere is all shortage and no shipment', () => {
    const allocation = allocateOrder([line('l1', 'MUG', 1)], []);
    expect(allocation).toEqual({ shipments: [], shortages: [{ lineId: 'l1', skuCode: 'MUG', missing: 1 }] });
  });

  it('beyond the exact-search limit a greedy cover still allocates everything', () => {
    const skus = Array.from({ length: 20 }, (_, i) => `SKU-${i}`);
    const lines = skus.map((sku, i) => line(`l${i}`, sku, 1));
    // 20 warehouses, each holding two consecutive SKUs.
    const stock = skus.flatMap((_, w) =>
      stockOf(`W${String(w).padStart(2, '0')}`, { [skus[w] ?? '']: 1, [skus[(w + 1) % skus.length] ?? '']: 1 }),
    );

    const allocation = allocateOrder(lines, stock);

    expect(isFullyAllocated(allocation)).toBe(true);
    expect(allocation.shipments.length).toBe(10);
  });

  it('is deterministic: the same input always gives the same plan', () => {
    const lines = [line('l1', 'A', 1), line('l2', 'B', 1), line('l3', 'C', 1)];
    const stock = [...stockOf('X', { A: 1, B: 1 }), ...stockOf('Y', { B: 1, C: 1 }), ...stockOf('Z', { A: 1, C: 1 })];
    const first = allocateOrder(lines, stock);
    expect(allocateOrder(lines, [...stock].reverse())).toEqual(first);
  });
});
