import { z } from 'zod';

/**
 * Cartonization: which boxes a shipment's items go in, so that the billed cost — box price plus the carrier's
 * charge on each package's billable weight — is lowest.
 *
 * Billable weight = max(actual weight incl. tare, dimensional weight). Dimensional weight is L×W×H in cm / 5000,
 * in kg; in this module's units that is L×W×H in mm / 5000 in grams, rounded up to the next whole gram
 * (the carriers then charge per started kg). Boxed packages are measured by the box's inner dimensions: the
 * catalogue does not record wall thickness.
 *
 * A box's `maxWeightGrams` limits its contents (what the box is rated to carry); the tare comes on top.
 *
 * Packing inside one box is an extreme-point first-fit-decreasing heuristic (Crainic, Perboli & Tadei 2008)
 * trying all six orientations. Several whole-shipment strategies are run and the cheapest plan wins; each
 * plan's packages are then re-boxed into the cheapest box that holds their contents.
 */

export const CartonItemSchema = z.object({
  skuCode: z.string(),
  lengthMm: z.number().int().positive(),
  widthMm: z.number().int().positive(),
  heightMm: z.number().int().positive(),
  weightGrams: z.number().int().nonnegative(),
  quantity: z.number().int().positive(),
});
export type CartonItem = z.infer<typeof CartonItemSchema>;

export const BoxSpecSchema = z.object({
  id: z.string(),
  code: z.string(),
  innerLengthMm: z.number().int().positive(),
  innerWidthMm: z.number().int().positive(),
  innerHeightMm: z.number().int().positive(),
  maxWeightGrams: z.number().int().positive(),
  tareWeightGrams: z.number().int().nonnegative(),
  costCents: z.number().int().nonnegative(),
});
export type BoxSpec = z.infer<typeof BoxSpecSchema>;

export const PlannedPackageSchema = z.object({
  /** Null when the item ships in its own packaging: it fits no box. */
  boxId: z.string().nullable(),
  boxCode: z.string().nullable(),
  lengthMm: z.number().int().positive(),
  widthMm: z.number().int().positive(),
  heightMm: z.number().int().positive(),
  /** Contents plus tare. */
  weightGrams: z.number().int().nonnegative(),
  billableWeightGrams: z.number().int().nonnegative(),
  contents: z.array(z.object({ skuCode: z.string(), quantity: z.number().int().positive() })),
  boxCostCents: z.number().int().nonnegative(),
});
export type PlannedPackage = z.infer<typeof PlannedPackageSchema>;

export const PackingPlanSchema = z.object({
  packages: z.array(PlannedPackageSchema),
  totalBoxCostCents: z.number().int().nonnegative(),
  totalBillableWeightGrams: z.number().int().nonnegative(),
  /** Sum of `rateForBillableGrams` over the packages: an estimate, the booked rate comes from the carrier. */
  estimatedShippingCents: z.number().int().nonnegative(),
});
export type PackingPlan = z.infer<typeof PackingPlanSchema>;

export type RateForBillableGrams = (billableWeightGrams: number) => number;

export interface PlanPackagesOptions {
  rateForBillableGrams?: RateForBillableGrams;
}

/** L×W×H mm / 5000 = grams (see the module comment), rounded up to the next gram. */
export function dimensionalWeightGrams(lengthMm: number, widthMm: number, heightMm: number): number {
  return Math.ceil((lengthMm * widthMm * heightMm) / 5000);
}

export function billableWeightGrams(weightGrams: number, lengthMm: number, widthMm: number, heightMm: number): number {
  return Math.max(weightGrams, dimensionalWeightGrams(lengthMm, widthMm, heightMm));
}

/**
 * A typical standard-service rate card, per package: a base price plus a price per started kilogram of billable
 * weight — the same shape and level as the simulated carriers' standard services, so plans made with the default
 * are priced the way the carriers will price them.
 */
export const DEFAULT_RATE_CARD = { baseCents: 790, perStartedKgCents: 120 } as const;

export function defaultRateForBillableGrams(billableGrams: number): number {
  return DEFAULT_RATE_CARD.baseCents + DEFAULT_RATE_CARD.perStartedKgCents * Math.ceil(billableGrams / 1000);
}

// ---------------------------------------------------------------------------------------------------------------
// Packing one box

type Dims = readonly [number, number, number];

interface Unit {
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

interface Box {
  spec: BoxSpec;
  dims: Dims;
  sortedDims: Dims;
  volume: number;
}

function toUnits(items: readonly CartonItem[]): Unit[] {
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

function toBox(spec: BoxSpec): Box {
  const dims: Dims = [spec.innerLengthMm, spec.innerWidthMm, spec.innerHeightMm];
  return { spec, dims, sortedDims: sortDims(dims), volume: dims[0] * dims[1] * dims[2] };
}

/** Sorted-dimension dominance is exact for a single cuboid in a cuboid (axis-aligned, which is how parcels pack). */
function unitFitsEmptyBox(unit: Unit, box: Box): boolean {
  return (
    unit.weightGrams <= box.spec.maxWeightGrams &&
    unit.sortedDims[0] <= box.sortedDims[0] &&
    unit.sortedDims[1] <= box.sortedDims[1] &&
    unit.sortedDims[2] <= box.sortedDims[2]
  );
}

interface BoxFill {
  packed: Unit[];
  rest: Unit[];
}

type Point = [number, number, number];

/** Bottom-first, then back, then left: fills the floor before stacking. */
function pointBefore(a: Point, b: Point): boolean {
  return a[2] < b[2] || (a[2] === b[2] && (a[1] < b[1] || (a[1] === b[1] && a[0] < b[0])));
}

/** One box being filled: the placed items as a flat x, y, z, dx, dy, dz array, and the free corners. */
class BoxLoad {
  readonly placed: number[] = [];
  points: Point[] = [[0, 0, 0]];
  /** Points ever offered: a corner once covered stays covered, so it need never be offered again. */
  private readonly offered = new Set<string>(['0,0,0']);

  constructor(private readonly dims: Dims) {}

  overlaps(x: number, y: number, z: number, dx: number, dy: number, dz: number): boolean {
    const p = this.placed;
    for (let i = 0; i < p.length; i += 6) {
      if (
        x < p[i]! + p[i + 3]! &&
        p[i]! < x + dx &&
        y < p[i + 1]! + p[i + 4]! &&
        p[i + 1]! < y + dy &&
        z < p[i + 2]! + p[i + 5]! &&
        p[i + 2]! < z + dz
      ) {
        return true;
      }
    }
    return false;
  }

  findSpot(unit: Unit): { point: Point; d: Dims } | undefined {
    const [L, W, H] = this.dims;
    for (const point of this.points) {
      const [x, y, z] = point;
      for (const d of unit.orientations) {
        if (x + d[0] > L || y + d[1] > W || z + d[2] > H) continue;
        if (!this.overlaps(x, y, z, d[0], d[1], d[2])) return { point, d };
      }
    }
    return undefined;
  }

  place([x, y, z]: Point, d: Dims): void {
    this.placed.push(x, y, z, d[0], d[1], d[2]);
    // The remaining points covered by the new item are gone for good.
    this.points = this.points.filter(
      (p) => !(p[0] >= x && p[0] < x + d[0] && p[1] >= y && p[1] < y + d[1] && p[2] >= z && p[2] < z + d[2]),
    );
    const corners: Point[] = [
      [x + d[0], y, z],
      [x, y + d[1], z],
      [x, y, z + d[2]],
    ];
    for (let axisOfCorner = 0; axisOfCorner < 3; axisOfCorner++) {
      const corner = corners[axisOfCorner]!;
      this.offer(corner);
      for (let axis = 0; axis < 3; axis++) if (axis !== axisOfCorner) this.offer(this.project(corner, axis));
    }
  }

  /** Slides a point towards 0 along `axis` until it meets a wall or a placed item's face. */
  private project(point: Point, axis: number): Point {
    const p = this.placed;
    let reach = 0;
    for (let i = 0; i < p.length; i += 6) {
      const far = p[i + axis]! + p[i + 3 + axis]!;
      if (far > point[axis]! || far <= reach) continue;
      let covers = true;
      for (let other = 0; other < 3 && covers; other++) {
        if (other === axis) continue;
        const start = p[i + other]!;
        covers = point[other]! >= start && point[other]! < start + p[i + 3 + other]!;
      }
      if (covers) reach = far;
    }
    const projected: Point = [point[0], point[1], point[2]];
    projected[axis] = reach;
    return projected;
  }

  private offer(point: Point): void {
    const [L, W, H] = this.dims;
    if (point[0] >= L || point[1] >= W || point[2] >= H) return;
    const key = `${point[0]},${point[1]},${point[2]}`;
    if (this.offered.has(key)) return;
    this.offered.add(key);
    // Inside an item already placed: never usable.
    const p = this.placed;
    for (let i = 0; i < p.length; i += 6) {
      if (
        point[0] >= p[i]! &&
        point[0] < p[i]! + p[i + 3]! &&
        point[1] >= p[i + 1]! &&
        point[1] < p[i + 1]! + p[i + 4]! &&
        point[2] >= p[i + 2]! &&
        point[2] < p[i + 2]! + p[i + 5]!
      ) {
        return;
      }
    }
    let at = this.points.length;
    while (at > 0 && pointBefore(point, this.points[at - 1]!)) at--;
    this.points.splice(at, 0, point);
  }
}

/**
 * Extreme-point first fit: each placed item offers the corners next to it (projected back onto the walls or the
 * items below/behind) as places for the next; a point is tried bottom-first, back-first, left-first.
 * `stopAtFirstMiss` turns it into a "does all of this fit?" test that gives up early.
 */
function fillBox(box: Box, units: readonly Unit[], stopAtFirstMiss = false): BoxFill {
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

function fitsAll(box: Box, units: readonly Unit[]): boolean {
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

// ---------------------------------------------------------------------------------------------------------------
// Whole-shipment plans

interface Pack {
  box: Box | null;
  units: Unit[];
}

interface Pricing {
  rate: RateForBillableGrams;
}

function packageCost(pack: Pack, pricing: Pricing): number {
  const pkg = describe(pack);
  return pkg.boxCostCents + pricing.rate(pkg.billableWeightGrams);
}

function describe(pack: Pack): PlannedPackage {
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

/** Fills boxes of one type, one after another; whatever that type cannot take goes to `fallback`. */
function singleTypeStrategy(box: Box, boxes: readonly Box[], units: Unit[], pricing: Pricing): Pack[] {
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
function smallestThatFitsStrategy(boxes: readonly Box[], units: Unit[]): Pack[] {
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
function cheapestPerBoxStrategy(boxes: readonly Box[], units: Unit[], pricing: Pricing): Pack[] {
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
function rightSize(packs: Pack[], boxes: readonly Box[], pricing: Pricing): Pack[] {
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

function totalCost(packs: readonly Pack[], pricing: Pricing): number {
  return packs.reduce((sum, pack) => sum + packageCost(pack, pricing), 0);
}

export function planPackages(items: readonly CartonItem[], boxSpecs: readonly BoxSpec[], options: PlanPackagesOptions = {}): PackingPlan {
  const pricing: Pricing = { rate: options.rateForBillableGrams ?? defaultRateForBillableGrams };
  const boxes = [...boxSpecs]
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

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
