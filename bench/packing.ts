import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import type { CarrierCode, RateQuote } from '../domain/carrier';
import { chooseCarrierService } from '../domain/carrier-choice';
import { planPackages } from '../domain/cartonization/plan-packages';
import type { BoxSpec, CartonItem } from '../domain/cartonization/shapes';
import { BOX_TYPES } from '../prisma/seed-data/boxes';
import { SKUS } from '../prisma/seed-data/skus';
import type { BenchOptions } from './lib/cli';
import { fmt, fmtSpread, printTable, quantile, spread, writeResult } from './lib/report';

/**
 * Cartonization and carrier choice, in process (pure domain code, no I/O): the time to plan the
 * boxes for an order of 1, 5, 20 or 50 items against PAR1's 10 box types, then choose a service
 * among every carrier's quotes for each package. Items are drawn from the seeded catalogue with a
 * fixed seed, so every run packs the same orders.
 */

const SIZES = [1, 5, 20, 50];

function mulberry(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function orderOf(items: number, random: () => number): CartonItem[] {
  const bySku = new Map<string, CartonItem>();
  const smallEnough = SKUS.filter((s) => s.lengthMm <= 600);
  for (let i = 0; i < items; i++) {
    const sku = smallEnough[Math.floor(random() * smallEnough.length)]!;
    const line = bySku.get(sku.code);
    if (line) line.quantity += 1;
    else
      bySku.set(sku.code, {
        skuCode: sku.code,
        lengthMm: sku.lengthMm,
        widthMm: sku.widthMm,
        heightMm: sku.heightMm,
        weightGrams: sku.weightGrams,
        quantity: 1,
      });
  }
  return [...bySku.values()];
}

function quotesFor(billableGrams: number, now: number): RateQuote[] {
  return CARRIER_CATALOGUE.flatMap((carrier) =>
    carrier.services.map((service) => ({
      carrierCode: carrier.code,
      serviceCode: service.code,
      serviceLevel: service.level,
      amountCents: service.baseCents + Math.ceil(billableGrams / 1000) * service.perKgCents,
      currency: 'EUR',
      deliveryDays: service.transitDays,
      estimatedDeliveryAt: new Date(now + service.transitDays * 86_400_000).toISOString(),
      guaranteed: service.guaranteed,
    })),
  );
}

export async function packing(options: BenchOptions): Promise<void> {
  const runs = options.smoke ? 1 : Number(options.args.runs ?? 5);
  const iterations = options.smoke ? 100 : Number(options.args.iterations ?? 1000);
  const boxes: BoxSpec[] = BOX_TYPES.filter((b) => b.warehouseCode === 'PAR1');
  const reliability = Object.fromEntries(CARRIER_CATALOGUE.map((c) => [c.code, c.reliability])) as Record<CarrierCode, number>;
  const now = Date.now();
  const promisedBy = new Date(now + 3 * 86_400_000).toISOString();
  const results: Record<number, { p50: number[]; p99: number[]; packages: number }> = {};
  for (const size of SIZES) {
    const random = mulberry(size);
    const orders = Array.from({ length: iterations }, () => orderOf(size, random));
    for (const order of orders.slice(0, 20)) planPackages(order, boxes);
    const row: { p50: number[]; p99: number[]; packages: number } = { p50: [], p99: [], packages: 0 };
    results[size] = row;
    for (let r = 0; r < runs; r++) {
      const times: number[] = [];
      let packages = 0;
      for (const order of orders) {
        const t = performance.now();
        const plan = planPackages(order, boxes);
        for (const pkg of plan.packages) chooseCarrierService(quotesFor(pkg.billableWeightGrams, now), promisedBy, reliability);
        times.push(performance.now() - t);
        packages += plan.packages.length;
      }
      row.p50.push(quantile(times, 0.5));
      row.p99.push(quantile(times, 0.99));
      row.packages = packages / orders.length;
    }
  }
  printTable(
    `cartonization + carrier choice per order, ms, against ${boxes.length} box types (PAR1), ${iterations} orders × ${runs} run(s), median (min–max) over runs`,
    ['items', 'packages (mean)', 'p50 ms', 'p99 ms'],
    SIZES.map((size) => {
      const r = results[size]!;
      return [size, fmt(r.packages, 2), fmtSpread(spread(r.p50), 3), fmtSpread(spread(r.p99), 3)];
    }),
  );
  writeResult(`packing${options.smoke ? '-smoke' : ''}`, { iterations, runs, boxTypes: boxes.length, results });
}
