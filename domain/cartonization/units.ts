import type { BoxSpec, CartonItem } from './shapes';

/** The items and boxes as the packer works with them: one unit per item, every orientation it may take. */

export type Dims = readonly [number, number, number];

export interface Unit {
  skuCode: string;
  /** Items with equal keys are interchangeable: one that failed to fit means the next one will too. */
  key: string;
  /** As the item is catalogued: the size of its own packaging when it ships unboxed. */
  dims: Dims;
  orientations: readonly Dims[];
  /** Ascending, for the quick "could it fit at all" test. */
  sortedDims: Dims;
  weightGrams: number;
  volume: number;
}

export interface Box {
  spec: BoxSpec;
  dims: Dims;
  sortedDims: Dims;
  volume: number;
}

export function toUnits(items: readonly CartonItem[]): Unit[] {
  const units: Unit[] = [];
  for (const item of items) {
    const dims: Dims = [item.lengthMm, item.widthMm, item.heightMm];
    const unit: Unit = {
      skuCode: item.skuCode,
      key: `${item.skuCode}|${dims.join('x')}|${item.weightGrams}`,
      dims,
      orientations: orientationsOf(dims),
      sortedDims: sortDims(dims),
      weightGrams: item.weightGrams,
      volume: item.lengthMm * item.widthMm * item.heightMm,
    };
    for (let i = 0; i < item.quantity; i++) units.push(unit);
  }
  // First-fit *decreasing*: big items first leave the gaps for small ones.
  return units.sort(
    (a, b) => b.volume - a.volume || b.sortedDims[2] - a.sortedDims[2] || b.weightGrams - a.weightGrams || compareText(a.key, b.key),
  );
}

function sortDims(dims: Dims): Dims {
  const [a, b, c] = [...dims].sort((x, y) => x - y);
  return [a ?? 0, b ?? 0, c ?? 0];
}

/** The distinct orientations, flattest first: low layers keep the remaining space usable. */
function orientationsOf([l, w, h]: Dims): Dims[] {
  const all: Dims[] = [
    [l, w, h],
    [w, l, h],
    [l, h, w],
    [h, l, w],
    [w, h, l],
    [h, w, l],
  ];
  const seen = new Set<string>();
  const distinct = all.filter((d) => {
    const key = d.join('x');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return distinct.sort((a, b) => a[2] - b[2] || b[0] - a[0] || b[1] - a[1]);
}

export function toBox(spec: BoxSpec): Box {
  const dims: Dims = [spec.innerLengthMm, spec.innerWidthMm, spec.innerHeightMm];
  return { spec, dims, sortedDims: sortDims(dims), volume: dims[0] * dims[1] * dims[2] };
}

/** Sorted-dimension dominance is exact for a single cuboid in a cuboid (axis-aligned, which is how parcels pack). */
export function unitFitsEmptyBox(unit: Unit, box: Box): boolean {
  return (
    unit.weightGrams <= box.spec.maxWeightGrams &&
    unit.sortedDims[0] <= box.sortedDims[0] &&
    unit.sortedDims[1] <= box.sortedDims[1] &&
    unit.sortedDims[2] <= box.sortedDims[2]
  );
}

/** Code-unit order, not the locale's: the same plan on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
