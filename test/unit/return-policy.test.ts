import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../domain/clock';
import { inspectionProblems, refundCents, returnWindowClosesAtMs } from '../../domain/return-policy';

describe('return policy', () => {
  it('goods at fault are refunded whatever the inspection finds; a changed mind is not refunded for what it broke', () => {
    const lines = [{ quantity: 3, unitPriceCents: 1000, restocked: 2, writtenOff: 1 }];
    expect(refundCents('defective', lines)).toBe(3000);
    expect(refundCents('wrong_item', lines)).toBe(3000);
    expect(refundCents('no_longer_needed', lines)).toBe(2000);
    expect(refundCents('other', [{ quantity: 1, unitPriceCents: 500, restocked: 0, writtenOff: 1 }])).toBe(0);
  });

  it('an inspection must account for every unit of every line, once', () => {
    const returned = [
      { lineNo: 1, quantity: 2 },
      { lineNo: 2, quantity: 1 },
    ];
    expect(
      inspectionProblems(returned, [
        { lineNo: 1, restock: 1, writeOff: 1 },
        { lineNo: 2, restock: 0, writeOff: 1 },
      ]),
    ).toEqual([]);
    expect(
      inspectionProblems(returned, [
        { lineNo: 1, restock: 2, writeOff: 1 },
        { lineNo: 2, restock: 1, writeOff: 0 },
      ])[0]?.index,
    ).toBe(0);
    expect(inspectionProblems(returned, [{ lineNo: 1, restock: 2, writeOff: 0 }]).map((p) => p.message)).toEqual([
      'line 2 is not inspected',
    ]);
    expect(
      inspectionProblems(returned, [
        { lineNo: 1, restock: 2, writeOff: 0 },
        { lineNo: 1, restock: 2, writeOff: 0 },
        { lineNo: 2, restock: 1, writeOff: 0 },
      ]).map((p) => p.message),
    ).toEqual(['line 1 is inspected twice']);
    expect(inspectionProblems(returned, [{ lineNo: 3, restock: 1, writeOff: 0 }]).map((p) => p.message)).toContain(
      'the return has no line 3',
    );
  });

  it('the return window is counted in business days, so a demo at 1440× closes it in minutes', () => {
    expect(returnWindowClosesAtMs(0, 30, 1)).toBe(30 * DAY_MS);
    expect(returnWindowClosesAtMs(0, 30, 1440)).toBe(30 * 60_000);
  });
});
