import { defaultRateForBillableGrams } from './billable-weight';
import { type Pack, type Pricing, describe, totalCost } from './package-cost';
import type { BoxSpec, CartonItem, PackingPlan, PlanPackagesOptions } from './shapes';
import { cheapestPerBoxStrategy, rightSize, singleTypeStrategy, smallestThatFitsStrategy } from './strategies';
import { compareText, toBox, toUnits, unitFitsEmptyBox } from './units';

/**
 * Cartonization: which boxes a shipment's items go in, so that the billed cost — box price plus the carrier's
 * charge on each package's billable weight (billable-weight.ts) — is lowest.
 *
 * A box's `maxWeightGrams` limits its contents (what the box is rated to carry); the tare comes on top, and with
 * `maxPackageGrams` contents and tare together stay within what a carrier takes.
 *
 * Packing inside one box is an extreme-point first-fit-decreasing heuristic (Crainic, Perboli & Tadei 2008)
 * trying all six orientations (box-fill.ts, extreme-points.ts). Several whole-shipment strategies are run
 * (strategies.ts) and the cheapest plan wins; each plan's packages are then re-boxed into the cheapest box that
 * holds their contents.
 */
export function planPackages(items: readonly CartonItem[], boxSpecs: readonly BoxSpec[], options: PlanPackagesOptions = {}): PackingPlan {
  const pricing: Pricing = { rate: options.rateForBillableGrams ?? defaultRateForBillableGrams };
  const cap = options.maxPackageGrams;
  // A box filled to its own rating can weigh more than any carrier takes (30 kg of mugs in a 850 g box): fill it less.
  const usable =
    cap === undefined
      ? boxSpecs
      : boxSpecs
          .map((spec) => ({ ...spec, maxWeightGrams: Math.min(spec.maxWeightGrams, cap - spec.tareWeightGrams) }))
          .filter((spec) => spec.maxWeightGrams > 0);
  const boxes = usable
    .map(toBox)
    .sort((a, b) => a.volume - b.volume || a.spec.costCents - b.spec.costCents || compareText(a.spec.code, b.spec.code));
  const units = toUnits(items);

  // Items no box can take travel in their own packaging, one package each.
  const ownPackaging: Pack[] = units
    .filter((unit) => !boxes.some((box) => unitFitsEmptyBox(unit, box)))
    .map((unit) => ({ box: null, units: [unit] }));
  const boxable = units.filter((unit) => boxes.some((box) => unitFitsEmptyBox(unit, box)));

  let best: Pack[] = [];
  if (boxable.length > 0) {
    const strategies: (() => Pack[])[] = [
      () => smallestThatFitsStrategy(boxes, boxable),
      () => cheapestPerBoxStrategy(boxes, boxable, pricing),
      ...boxes.map((box) => () => singleTypeStrategy(box, boxes, boxable, pricing)),
    ];
    let bestCost = Number.POSITIVE_INFINITY;
    for (const strategy of strategies) {
      const packs = rightSize(strategy(), boxes, pricing);
      if (packs.reduce((n, pack) => n + pack.units.length, 0) !== boxable.length) continue;
      const cost = totalCost(packs, pricing);
      // Strict "<": on a tie the earlier strategy (fewer, fuller boxes) is kept, so the result is deterministic.
      if (cost < bestCost || (cost === bestCost && packs.length < best.length)) {
        best = packs;
        bestCost = cost;
      }
    }
  }

  const packages = [...best, ...ownPackaging].map(describe);
  return {
    packages,
    totalBoxCostCents: packages.reduce((sum, pkg) => sum + pkg.boxCostCents, 0),
    totalBillableWeightGrams: packages.reduce((sum, pkg) => sum + pkg.billableWeightGrams, 0),
    estimatedShippingCents: packages.reduce((sum, pkg) => sum + pricing.rate(pkg.billableWeightGrams), 0),
  };
}
