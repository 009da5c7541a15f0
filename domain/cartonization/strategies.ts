import { fillBox, fitsAll } from './box-fill';
import { type Pack, type Pricing, packageCost } from './package-cost';
import { type Box, compareText, type Unit, unitFitsEmptyBox } from './units';

/** The whole-shipment plans: each a different way to fill boxes, all priced and the cheapest kept (plan-packages.ts). */

/** Fills boxes of one type, one after another; whatever that type cannot take goes to `fallback`. */
export function singleTypeStrategy(box: Box, boxes: readonly Box[], units: Unit[], pricing: Pricing): Pack[] {
  const packs: Pack[] = [];
  let remaining = units.filter((unit) => unitFitsEmptyBox(unit, box));
  const misfits = units.filter((unit) => !unitFitsEmptyBox(unit, box));
  while (remaining.length > 0) {
    const { packed, rest } = fillBox(box, remaining);
    if (packed.length === 0) break;
    packs.push({ box, units: packed });
    remaining = rest;
  }
  return [...packs, ...cheapestPerBoxStrategy(boxes, [...remaining, ...misfits], pricing)];
}

/** Each step: the smallest box that takes everything left, else the largest box filled as far as it goes. */
export function smallestThatFitsStrategy(boxes: readonly Box[], units: Unit[]): Pack[] {
  const byVolume = [...boxes].sort((a, b) => a.volume - b.volume || a.spec.costCents - b.spec.costCents);
  const largestFirst = [...byVolume].reverse();
  const packs: Pack[] = [];
  let remaining = units;
  while (remaining.length > 0) {
    const all = byVolume.find((box) => fitsAll(box, remaining));
    if (all) {
      packs.push({ box: all, units: remaining });
      break;
    }
    let progressed = false;
    for (const box of largestFirst) {
      const { packed, rest } = fillBox(box, remaining);
      if (packed.length === 0) continue;
      packs.push({ box, units: packed });
      remaining = rest;
      progressed = true;
      break;
    }
    if (!progressed) break;
  }
  return packs;
}

/** Each step: the box with the lowest billed cost per packed volume — the one that trades box price best. */
export function cheapestPerBoxStrategy(boxes: readonly Box[], units: Unit[], pricing: Pricing): Pack[] {
  const packs: Pack[] = [];
  let remaining = units;
  while (remaining.length > 0) {
    let best: { pack: Pack; rest: Unit[]; score: number } | undefined;
    for (const box of boxes) {
      const { packed, rest } = fillBox(box, remaining);
      if (packed.length === 0) continue;
      const pack = { box, units: packed };
      const packedVolume = packed.reduce((sum, unit) => sum + unit.volume, 0);
      const score = packageCost(pack, pricing) / packedVolume;
      if (!best || score < best.score) best = { pack, rest, score };
    }
    if (!best) break;
    packs.push(best.pack);
    remaining = best.rest;
  }
  return packs;
}

/** Moves each package's contents into the cheapest box that still holds them (billed cost, not volume). */
export function rightSize(packs: Pack[], boxes: readonly Box[], pricing: Pricing): Pack[] {
  return packs.map((pack) => {
    if (!pack.box) return pack;
    const currentCost = packageCost(pack, pricing);
    const cheaper = boxes
      .map((box) => ({ box, cost: packageCost({ box, units: pack.units }, pricing) }))
      .filter(({ box, cost }) => cost < currentCost && box !== pack.box)
      .sort((a, b) => a.cost - b.cost || a.box.volume - b.box.volume || compareText(a.box.spec.code, b.box.spec.code));
    const better = cheaper.find(({ box }) => fitsAll(box, pack.units));
    return better ? { box: better.box, units: pack.units } : pack;
  });
}
