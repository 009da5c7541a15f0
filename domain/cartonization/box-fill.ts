import { BoxLoad } from './extreme-points';
import { type Box, type Unit, unitFitsEmptyBox } from './units';

export interface BoxFill {
  packed: Unit[];
  rest: Unit[];
}

/**
 * Extreme-point first fit: each placed item offers the corners next to it (projected back onto the walls or the
 * items below/behind) as places for the next; a point is tried bottom-first, back-first, left-first.
 * `stopAtFirstMiss` turns it into a "does all of this fit?" test that gives up early.
 */
export function fillBox(box: Box, units: readonly Unit[], stopAtFirstMiss = false): BoxFill {
  const load = new BoxLoad(box.dims);
  let weight = 0;
  let volumeLeft = box.volume;
  const packed: Unit[] = [];
  const rest: Unit[] = [];
  const failedKeys = new Set<string>();

  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    const spot =
      weight + unit.weightGrams > box.spec.maxWeightGrams || unit.volume > volumeLeft || failedKeys.has(unit.key)
        ? undefined
        : load.findSpot(unit);
    if (!spot) {
      failedKeys.add(unit.key);
      if (stopAtFirstMiss) return { packed, rest: units.slice(i) };
      rest.push(unit);
      continue;
    }
    load.place(spot.point, spot.d);
    packed.push(unit);
    weight += unit.weightGrams;
    volumeLeft -= unit.volume;
    failedKeys.clear();
  }
  return { packed, rest };
}

export function fitsAll(box: Box, units: readonly Unit[]): boolean {
  let volume = 0;
  let weight = 0;
  for (const unit of units) {
    if (!unitFitsEmptyBox(unit, box)) return false;
    volume += unit.volume;
    weight += unit.weightGrams;
  }
  if (volume > box.volume || weight > box.spec.maxWeightGrams) return false;
  return fillBox(box, units, true).rest.length === 0;
}
