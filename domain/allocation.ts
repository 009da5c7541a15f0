import { z } from 'zod';

/**
 * Allocation: which warehouse ships which order line.
 *
 * Objective, in priority order:
 *   1. allocate as many units as the stock allows (never more than `available`);
 *   2. use as few warehouses (= shipments) as possible — one when any warehouse can fill the whole order;
 *   3. keep lines whole: a line is split across warehouses only when no single warehouse holds its quantity;
 *   4. ties go to the earlier warehouse in `warehousePreference`, then to the lower warehouse code.
 * Warehouse counts are small (3–10), so up to EXACT_SEARCH_MAX_WAREHOUSES every subset is tried by
 * increasing size (exact minimum set cover); above that a greedy cover keeps the cost linear-ish.
 */

export const AllocationLineSchema = z.object({
  lineId: z.string(),
  skuCode: z.string(),
  quantity: z.number().int().positive(),
});
export type AllocationLine = z.infer<typeof AllocationLineSchema>;

export const StockLevelSchema = z.object({
  warehouseCode: z.string(),
  skuCode: z.string(),
  /** On hand minus already reserved. */
  available: z.number().int(),
});
export type StockLevel = z.infer<typeof StockLevelSchema>;

export const PlannedShipmentSchema = z.object({
  warehouseCode: z.string(),
  lines: z.array(AllocationLineSchema).min(1),
});
export type PlannedShipment = z.infer<typeof PlannedShipmentSchema>;

export const ShortageSchema = z.object({
  lineId: z.string(),
  skuCode: z.string(),
  missing: z.number().int().positive(),
});
export type Shortage = z.infer<typeof ShortageSchema>;

export const AllocationSchema = z.object({
  shipments: z.array(PlannedShipmentSchema),
  shortages: z.array(ShortageSchema),
});
export type Allocation = z.infer<typeof AllocationSchema>;

export interface AllocationOptions {
  /** Warehouse codes, most preferred first (e.g. nearest to the customer). Unlisted warehouses follow by code. */
  warehousePreference?: readonly string[];
}

/** 2^12 subsets × 100 lines stays in the low milliseconds; beyond that the greedy cover takes over. */
export const EXACT_SEARCH_MAX_WAREHOUSES = 12;

interface Candidate {
  /** Warehouse indexes allowed, in preference order. */
  warehouses: number[];
  /** Warehouse indexes that actually ship something, in preference order. */
  used: number[];
  /** Per line: [warehouseIndex, quantity] pieces. */
  pieces: [number, number][][];
  allocatedUnits: number;
  usedWarehouses: number;
  splitLines: number;
}

export function allocateOrder(lines: readonly AllocationLine[], stock: readonly StockLevel[], options: AllocationOptions = {}): Allocation {
  const warehouseCodes = rankWarehouses(stock, options.warehousePreference ?? []);
  const availableByWarehouse = availabilityByWarehouse(warehouseCodes, stock);

  // A line may only be split when no single warehouse can hold all of it.
  const splittable = lines.map(
    (line) => !availableByWarehouse.some((byWarehouse) => (byWarehouse.get(line.skuCode) ?? 0) >= line.quantity),
  );
  const targetUnits = maxAllocatableUnits(lines, availableByWarehouse);

  const evaluate = (warehouses: number[]): Candidate => fillFrom(warehouses, lines, splittable, availableByWarehouse);

  let best: Candidate = evaluate([]);
  if (best.allocatedUnits < targetUnits) {
    best =
      warehouseCodes.length <= EXACT_SEARCH_MAX_WAREHOUSES
        ? exactCover(warehouseCodes.length, targetUnits, evaluate)
        : greedyCover(warehouseCodes.length, targetUnits, evaluate);
  }
  return toAllocation(best, lines, warehouseCodes);
}

/**
 * Every allocation that places as many units as the stock allows, from the fewest warehouses that can up
 * to `extraWarehouses` more (default 1): the options a choice by cost to the customer's door weighs, where
 * `allocateOrder` would take the first by warehouse rank. Each keeps rule 3 (a line is split only when no
 * single warehouse holds it). Distinct, ordered by number of shipments then by rank.
 */
export function candidateAllocations(
  lines: readonly AllocationLine[],
  stock: readonly StockLevel[],
  options: AllocationOptions & { extraWarehouses?: number } = {},
): Allocation[] {
  const warehouseCodes = rankWarehouses(stock, options.warehousePreference ?? []);
  const availableByWarehouse = availabilityByWarehouse(warehouseCodes, stock);
  const splittable = lines.map(
    (line) => !availableByWarehouse.some((byWarehouse) => (byWarehouse.get(line.skuCode) ?? 0) >= line.quantity),
  );
  const targetUnits = maxAllocatableUnits(lines, availableByWarehouse);
  const evaluate = (warehouses: number[]): Candidate => fillFrom(warehouses, lines, splittable, availableByWarehouse);
  if (targetUnits === 0) return [toAllocation(evaluate([]), lines, warehouseCodes)];
  if (warehouseCodes.length > EXACT_SEARCH_MAX_WAREHOUSES) {
    return [toAllocation(greedyCover(warehouseCodes.length, targetUnits, evaluate), lines, warehouseCodes)];
  }
  const found = new Map<string, Allocation>();
  let smallest: number | undefined;
  for (let size = 1; size <= warehouseCodes.length; size++) {
    if (smallest !== undefined && size > smallest + (options.extraWarehouses ?? 1)) break;
    for (const subset of combinations(warehouseCodes.length, size)) {
      const candidate = evaluate(subset);
      if (candidate.allocatedUnits < targetUnits || candidate.usedWarehouses < size) continue;
      smallest ??= size;
      const allocation = toAllocation(candidate, lines, warehouseCodes);
      found.set(JSON.stringify(allocation.shipments), allocation);
    }
  }
  return [...found.values()];
}

export function isFullyAllocated(allocation: Allocation): boolean {
  return allocation.shortages.length === 0;
}

function availabilityByWarehouse(warehouseCodes: readonly string[], stock: readonly StockLevel[]): Map<string, number>[] {
  const availableByWarehouse = warehouseCodes.map(() => new Map<string, number>());
  for (const level of stock) {
    const byWarehouse = availableByWarehouse[warehouseCodes.indexOf(level.warehouseCode)];
    if (!byWarehouse) continue;
    // Negative availability (an over-reservation elsewhere) must not offset positive rows.
    byWarehouse.set(level.skuCode, (byWarehouse.get(level.skuCode) ?? 0) + Math.max(0, level.available));
  }
  return availableByWarehouse;
}

/** Preference order first, then every other warehouse by code: the single tie-break used everywhere below. */
function rankWarehouses(stock: readonly StockLevel[], preference: readonly string[]): string[] {
  const codes = [...new Set(stock.map((level) => level.warehouseCode))];
  const rank = (code: string) => {
    const i = preference.indexOf(code);
    return i === -1 ? preference.length : i;
  };
  return codes.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Upper bound on allocatable units, per SKU so that two lines of the same SKU share its stock. */
function maxAllocatableUnits(lines: readonly AllocationLine[], availableByWarehouse: Map<string, number>[]): number {
  const wantedBySku = new Map<string, number>();
  for (const line of lines) wantedBySku.set(line.skuCode, (wantedBySku.get(line.skuCode) ?? 0) + line.quantity);
  let total = 0;
  for (const [skuCode, wanted] of wantedBySku) {
    const available = availableByWarehouse.reduce((sum, byWarehouse) => sum + (byWarehouse.get(skuCode) ?? 0), 0);
    total += Math.min(wanted, available);
  }
  return total;
}

/** Allocates the order from a given set of warehouses only. */
function fillFrom(
  warehouses: number[],
  lines: readonly AllocationLine[],
  splittable: readonly boolean[],
  availableByWarehouse: Map<string, number>[],
): Candidate {
  const remaining = new Map<number, Map<string, number>>(warehouses.map((w) => [w, new Map(availableByWarehouse[w])]));
  const take = (w: number, skuCode: string, quantity: number) => {
    const byWarehouse = remaining.get(w);
    byWarehouse?.set(skuCode, (byWarehouse.get(skuCode) ?? 0) - quantity);
  };
  const left = (w: number, skuCode: string) => remaining.get(w)?.get(skuCode) ?? 0;

  const pieces: [number, number][][] = lines.map(() => []);
  // Whole lines first, so split lines only consume what whole lines did not need.
  lines.forEach((line, i) => {
    if (splittable[i]) return;
    const w = warehouses.find((candidate) => left(candidate, line.skuCode) >= line.quantity);
    if (w === undefined) return;
    take(w, line.skuCode, line.quantity);
    pieces[i] = [[w, line.quantity]];
  });
  lines.forEach((line, i) => {
    if ((pieces[i]?.length ?? 0) > 0) return;
    // A whole-able line left unplaced lost its stock to another line of the same SKU: it may take what is
    // left, but only from warehouses that could have held it whole, so rule 3 is never bent to save a shipment.
    const eligible = splittable[i]
      ? warehouses
      : warehouses.filter((w) => (availableByWarehouse[w]?.get(line.skuCode) ?? 0) >= line.quantity);
    // Largest remaining stock first: the fewest pieces for this line.
    const order = [...eligible].sort((a, b) => left(b, line.skuCode) - left(a, line.skuCode) || a - b);
    let needed = line.quantity;
    for (const w of order) {
      const quantity = Math.min(needed, left(w, line.skuCode));
      if (quantity <= 0) continue;
      take(w, line.skuCode, quantity);
      pieces[i]?.push([w, quantity]);
      needed -= quantity;
      if (needed === 0) break;
    }
  });

  const used = [...new Set(pieces.flat().map(([w]) => w))].sort((a, b) => a - b);
  return {
    warehouses,
    used,
    pieces,
    allocatedUnits: pieces.flat().reduce((sum, [, quantity]) => sum + quantity, 0),
    usedWarehouses: used.length,
    splitLines: pieces.filter((linePieces) => linePieces.length > 1).length,
  };
}

/** Negative when `a` is the better allocation. */
function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.allocatedUnits !== b.allocatedUnits) return b.allocatedUnits - a.allocatedUnits;
  if (a.usedWarehouses !== b.usedWarehouses) return a.usedWarehouses - b.usedWarehouses;
  if (a.splitLines !== b.splitLines) return a.splitLines - b.splitLines;
  // Lexicographic on preference rank: {nearest, 3rd} beats {2nd, 3rd}.
  for (let i = 0; i < a.used.length; i++) {
    const diff = (a.used[i] ?? 0) - (b.used[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function exactCover(warehouseCount: number, targetUnits: number, evaluate: (w: number[]) => Candidate): Candidate {
  let best: Candidate | undefined;
  for (let size = 1; size <= warehouseCount; size++) {
    for (const subset of combinations(warehouseCount, size)) {
      const candidate = evaluate(subset);
      if (!best || compareCandidates(candidate, best) < 0) best = candidate;
    }
    // The smallest size that reaches every allocatable unit is the minimum cover.
    if (best && best.allocatedUnits >= targetUnits) return best;
  }
  return best ?? evaluate([]);
}

function greedyCover(warehouseCount: number, targetUnits: number, evaluate: (w: number[]) => Candidate): Candidate {
  const chosen: number[] = [];
  let current = evaluate(chosen);
  while (current.allocatedUnits < targetUnits && chosen.length < warehouseCount) {
    let bestNext: Candidate | undefined;
    for (let w = 0; w < warehouseCount; w++) {
      if (chosen.includes(w)) continue;
      const candidate = evaluate([...chosen, w].sort((a, b) => a - b));
      if (!bestNext || compareCandidates(candidate, bestNext) < 0) bestNext = candidate;
    }
    if (!bestNext || bestNext.allocatedUnits === current.allocatedUnits) break;
    current = bestNext;
    chosen.splice(0, chosen.length, ...bestNext.warehouses);
  }
  return current;
}

/** Index subsets of {0..n-1} of the given size, in lexicographic order (preferred warehouses first). */
function* combinations(n: number, size: number): Generator<number[]> {
  const subset = Array.from({ length: size }, (_, i) => i);
  while (true) {
    yield [...subset];
    let i = size - 1;
    while (i >= 0 && subset[i] === n - size + i) i--;
    if (i < 0) return;
    subset[i] = (subset[i] ?? 0) + 1;
    for (let j = i + 1; j < size; j++) subset[j] = (subset[j - 1] ?? 0) + 1;
  }
}

function toAllocation(candidate: Candidate, lines: readonly AllocationLine[], warehouseCodes: string[]): Allocation {
  const byWarehouse = new Map<number, AllocationLine[]>();
  const shortages: Shortage[] = [];
  lines.forEach((line, i) => {
    const linePieces = candidate.pieces[i] ?? [];
    for (const [w, quantity] of linePieces) {
      const shipmentLines = byWarehouse.get(w) ?? [];
      shipmentLines.push({ lineId: line.lineId, skuCode: line.skuCode, quantity });
      byWarehouse.set(w, shipmentLines);
    }
    const missing = line.quantity - linePieces.reduce((sum, [, quantity]) => sum + quantity, 0);
    if (missing > 0) shortages.push({ lineId: line.lineId, skuCode: line.skuCode, missing });
  });
  const shipments = [...byWarehouse.entries()]
    .sort(([a], [b]) => a - b)
    .map(([w, shipmentLines]) => ({ warehouseCode: warehouseCodes[w] ?? '', lines: shipmentLines }));
  return { shipments, shortages };
}
