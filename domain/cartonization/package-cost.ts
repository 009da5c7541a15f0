import { billableWeightGrams } from './billable-weight';
import type { PlannedPackage, RateForBillableGrams } from './shapes';
import { type Box, compareText, type Unit } from './units';

/** A package being planned: its box (none: the item's own packaging) and the units in it. */
export interface Pack {
  box: Box | null;
  units: Unit[];
}

export interface Pricing {
  rate: RateForBillableGrams;
}

/** What the shipment pays for a package: the box, and the carrier's charge on its billable weight. */
export function packageCost(pack: Pack, pricing: Pricing): number {
  const pkg = describe(pack);
  return pkg.boxCostCents + pricing.rate(pkg.billableWeightGrams);
}

/** A planned package as the plan reports it: its outer size, its weight with the tare, its billable weight and contents. */
export function describe(pack: Pack): PlannedPackage {
  const contentsWeight = pack.units.reduce((sum, unit) => sum + unit.weightGrams, 0);
  const [lengthMm, widthMm, heightMm] = pack.box ? pack.box.dims : (pack.units[0]?.dims ?? [1, 1, 1]);
  const weightGrams = contentsWeight + (pack.box?.spec.tareWeightGrams ?? 0);
  const quantities = new Map<string, number>();
  for (const unit of pack.units) quantities.set(unit.skuCode, (quantities.get(unit.skuCode) ?? 0) + 1);
  return {
    boxId: pack.box?.spec.id ?? null,
    boxCode: pack.box?.spec.code ?? null,
    lengthMm,
    widthMm,
    heightMm,
    weightGrams,
    billableWeightGrams: billableWeightGrams(weightGrams, lengthMm, widthMm, heightMm),
    contents: [...quantities.entries()].sort(([a], [b]) => compareText(a, b)).map(([skuCode, quantity]) => ({ skuCode, quantity })),
    boxCostCents: pack.box?.spec.costCents ?? 0,
  };
}

export function totalCost(packs: readonly Pack[], pricing: Pricing): number {
  return packs.reduce((sum, pack) => sum + packageCost(pack, pricing), 0);
}
