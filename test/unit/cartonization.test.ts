import { describe, expect, it } from 'vitest';
import { billableWeightGrams, defaultRateForBillableGrams, dimensionalWeightGrams } from '../../domain/cartonization/billable-weight';
import { planPackages } from '../../domain/cartonization/plan-packages';
import type { BoxSpec, CartonItem } from '../../domain/cartonization/shapes';

function box(
  code: string,
  [l, w, h]: [number, number, number],
  costCents: number,
  maxWeightGrams = 20_000,
  tareWeightGrams = 100,
): BoxSpec {
  return { id: `box-${code}`, code, innerLengthMm: l, innerWidthMm: w, innerHeightMm: h, maxWeightGrams, tareWeightGrams, costCents };
}
function item(skuCode: string, [l, w, h]: [number, number, number], weightGrams: number, quantity = 1): CartonItem {
  return { skuCode, lengthMm: l, widthMm: w, heightMm: h, weightGrams, quantity };
}
const unitsIn = (plan: ReturnType<typeof planPackages>) => plan.packages.flatMap((p) => p.contents).reduce((sum, c) => sum + c.quantity, 0);

describe('billable weight', () => {
  it('dimensional weight is L×W×H cm / 5000 in kg, i.e. mm³ / 5000 in grams, rounded up to the gram', () => {
    expect(dimensionalWeightGrams(400, 300, 200)).toBe(4800); // 40×30×20 cm / 5000 = 4.8 kg
    expect(dimensionalWeightGrams(101, 101, 101)).toBe(207); // 206.06 g rounds up
  });

  it('is the larger of actual and dimensional weight', () => {
    expect(billableWeightGrams(1000, 400, 300, 200)).toBe(4800);
    expect(billableWeightGrams(9000, 400, 300, 200)).toBe(9000);
  });
});

describe('planPackages', () => {
  it('rotation makes a long item fit a box it only fits lying another way', () => {
    const umbrella = item('UMBRELLA', [600, 60, 60], 400);
    const longBox = box('LONG', [100, 650, 100], 90);

    const plan = planPackages([umbrella], [longBox]);

    expect(plan.packages).toHaveLength(1);
    expect(plan.packages[0]).toMatchObject({ boxCode: 'LONG', contents: [{ skuCode: 'UMBRELLA', quantity: 1 }] });
  });

  it('a box weight limit forces a second box even when the volume would fit', () => {
    const dumbbells = item('DUMBBELL', [100, 100, 100], 2_000, 4);
    const crate = box('CRATE', [400, 400, 400], 200, 5_000);

    const plan = planPackages([dumbbells], [crate]);

    expect(plan.packages).toHaveLength(2);
    expect(plan.packages.map((p) => p.contents[0]?.quantity)).toEqual([2, 2]);
    for (const pkg of plan.packages) expect(pkg.weightGrams - 100).toBeLessThanOrEqual(5_000);
  });

  it('an item too large or too heavy for every box ships alone in its own packaging', () => {
    const catalogue = [box('S', [200, 150, 100], 50), box('M', [400, 300, 200], 80, 15_000)];
    const items = [item('MUG', [120, 90, 90], 350, 2), item('BIKE', [1500, 250, 800], 12_000), item('ANVIL', [150, 150, 150], 30_000)];

    const plan = planPackages(items, catalogue);

    const unboxed = plan.packages.filter((p) => p.boxId === null);
    expect(unboxed.map((p) => p.contents)).toEqual([[{ skuCode: 'BIKE', quantity: 1 }], [{ skuCode: 'ANVIL', quantity: 1 }]]);
    expect(unboxed[0]).toMatchObject({ boxCode: null, lengthMm: 1500, widthMm: 250, heightMm: 800, weightGrams: 12_000, boxCostCents: 0 });
    expect(unboxed[0]?.billableWeightGrams).toBe(dimensionalWeightGrams(1500, 250, 800));
    expect(plan.packages.filter((p) => p.boxId !== null).flatMap((p) => p.contents)).toEqual([{ skuCode: 'MUG', quantity: 2 }]);
  });

  it('a cheaper billed choice beats the smallest box that fits', () => {
    // The snug box is a padded premium box: its 1 kg billing saves 1.20 € of postage but costs 2.40 € more.
    const snug = box('PADDED', [200, 150, 100], 300);
    const plain = box('PLAIN', [250, 200, 150], 60);
    const vase = item('VASE', [180, 140, 90], 500);

    const plan = planPackages([vase], [snug, plain]);

    expect(plan.packages.map((p) => p.boxCode)).toEqual(['PLAIN']);
    const snugCost = 300 + defaultRateForBillableGrams(billableWeightGrams(600, 200, 150, 100));
    const plainCost = 60 + defaultRateForBillableGrams(billableWeightGrams(600, 250, 200, 150));
    expect(plan.totalBoxCostCents + plan.estimatedShippingCents).toBe(plainCost);
    expect(plainCost).toBeLessThan(snugCost);
  });

  it('the cheapest box loses when its dimensional weight costs more in postage', () => {
    const small = box('S', [300, 200, 150], 150); // 1.8 kg dimensional
    const roomy = box('XL', [400, 300, 300], 40); // 7.2 kg dimensional
    const plan = planPackages([item('LAMP', [280, 180, 140], 900)], [roomy, small]);
    expect(plan.packages.map((p) => p.boxCode)).toEqual(['S']);
  });

  it('uses a custom rate function to trade box price against billable weight', () => {
    const small = box('S', [300, 200, 150], 150);
    const roomy = box('XL', [400, 300, 300], 40);
    const flatRate = () => 500; // weight does not matter: the cheaper box wins
    const plan = planPackages([item('LAMP', [280, 180, 140], 900)], [roomy, small], { rateForBillableGrams: flatRate });
    expect(plan.packages.map((p) => p.boxCode)).toEqual(['XL']);
    expect(plan.estimatedShippingCents).toBe(500);
  });

  it('reports totals that add up over the packages', () => {
    const plan = planPackages([item('BOOK', [240, 170, 40], 600, 7)], [box('S', [250, 180, 100], 40), box('M', [300, 250, 200], 70)]);
    expect(unitsIn(plan)).toBe(7);
    expect(plan.totalBoxCostCents).toBe(plan.packages.reduce((s, p) => s + p.boxCostCents, 0));
    expect(plan.totalBillableWeightGrams).toBe(plan.packages.reduce((s, p) => s + p.billableWeightGrams, 0));
    expect(plan.estimatedShippingCents).toBe(plan.packages.reduce((s, p) => s + defaultRateForBillableGrams(p.billableWeightGrams), 0));
  });

  it('an empty shipment needs no package', () => {
    expect(planPackages([], [box('S', [100, 100, 100], 10)])).toEqual({
      packages: [],
      totalBoxCostCents: 0,
      totalBillableWeightGrams: 0,
      estimatedShippingCents: 0,
    });
  });

  describe('a realistic mixed shipment of 50 items and 10 box types', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const between = (min: number, max: number) => Math.floor(min + random() * (max - min));
    const items = Array.from({ length: 50 }, (_, i) =>
      item(`SKU-${i}`, [between(30, 350), between(30, 250), between(10, 200)], between(50, 3_000)),
    );
    const catalogue = Array.from({ length: 10 }, (_, i) => {
      const scale = 1 + i * 0.35;
      return box(`B${i}`, [Math.round(200 * scale), Math.round(150 * scale), Math.round(100 * scale)], 30 + i * 25, 8_000 + i * 2_000);
    });

    it('packs every item without breaking a weight limit or a box volume', () => {
      const plan = planPackages(items, catalogue);
      expect(unitsIn(plan)).toBe(50);
      for (const pkg of plan.packages) {
        const spec = catalogue.find((b) => b.id === pkg.boxId);
        if (!spec) continue;
        expect(pkg.weightGrams - spec.tareWeightGrams).toBeLessThanOrEqual(spec.maxWeightGrams);
        const contentsVolume = pkg.contents.reduce((sum, c) => {
          const it = items.find((x) => x.skuCode === c.skuCode);
          return sum + (it ? it.lengthMm * it.widthMm * it.heightMm * c.quantity : 0);
        }, 0);
        expect(contentsVolume).toBeLessThanOrEqual(spec.innerLengthMm * spec.innerWidthMm * spec.innerHeightMm);
      }
    });

    it('is deterministic: the same items in any order give the same plan', () => {
      const first = planPackages(items, catalogue);
      expect(planPackages([...items].reverse(), [...catalogue].reverse())).toEqual(first);
    });

    it('never costs more than boxing every item separately in its cheapest box', () => {
      const plan = planPackages(items, catalogue);
      const separately = items.reduce((sum, it) => {
        const single = planPackages([it], catalogue);
        return sum + single.totalBoxCostCents + single.estimatedShippingCents;
      }, 0);
      expect(plan.totalBoxCostCents + plan.estimatedShippingCents).toBeLessThanOrEqual(separately);
    });
  });
});
