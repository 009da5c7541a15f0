import { fileURLToPath } from 'node:url';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { currentBusinessClock } from '../activities/business-clock';
import { createDb } from '../activities/db';
import { type BusinessClock, REAL_TIME, toBusinessMs, toRealMs } from '../domain/business-clock';
import { DAY_MS } from '../domain/clock';
import type { Prisma, PrismaClient } from './generated/client';
import { BOX_TYPES } from './seed-data/boxes';
import { SKUS } from './seed-data/skus';
import { INBOUND_STOCK, STOCK_LEVELS, receiptIdempotencyKey } from './seed-data/stock';
import { WAREHOUSES } from './seed-data/warehouses';
import { requireDatabaseUrl } from '../config';
import { exitWithError, loadConfigOrExit } from '../config/process';

/**
 * Loads the reference data (warehouses, SKUs, box catalogues, carriers and their services) and the
 * opening stock. Safe to run any number of times, also against a database that has been trading:
 * - reference rows are upserted, so editing seed-data and seeding again updates them; the `active`
 *   flags are left alone, so a warehouse, box or carrier that ops switched off stays off;
 * - a stock level is only created when the warehouse holds no row for that SKU. An existing level
 *   is never touched, even if seed-data now says otherwise: resetting `onHand`/`reserved` would
 *   undo reservations and shipments and break the ledger. Change live stock with movements instead.
 * Each created level gets a `receipt` movement keyed `seed:receipt:<warehouse>:<sku>`, so summing
 * the ledger per warehouse and SKU still gives `onHand`.
 */

export interface SeedReport {
  warehouses: number;
  skus: number;
  boxTypes: number;
  carriers: number;
  carrierServices: number;
  stockLevelsCreated: number;
  stockLevelsKept: number;
}

/**
 * `clock`: the deployment's business clock, which dates the expected restocks in business days (real time when not
 * given). Under `npm start`'s fast clock a day passes in a real minute: a restock dated three real days ahead was
 * twelve business years away, and a backorder of it was promised for then.
 */
export async function seed(db: PrismaClient, clock: BusinessClock = REAL_TIME): Promise<SeedReport> {
  return db.$transaction((tx) => seedIn(tx, clock), { timeout: 60_000, maxWait: 10_000 });
}

async function seedIn(tx: Prisma.TransactionClient, clock: BusinessClock): Promise<SeedReport> {
  for (const { code, ...fields } of WAREHOUSES) {
    await tx.warehouse.upsert({ where: { code }, create: { code, ...fields }, update: fields });
  }
  for (const { code, ...fields } of SKUS) {
    await tx.sku.upsert({ where: { code }, create: { code, ...fields }, update: fields });
  }
  for (const { id, ...fields } of BOX_TYPES) {
    await tx.boxType.upsert({ where: { id }, create: { id, ...fields }, update: fields });
  }
  let carrierServices = 0;
  for (const carrier of CARRIER_CATALOGUE) {
    const fields = {
      name: carrier.name,
      reliability: carrier.reliability,
      supportsWebhooks: carrier.supportsWebhooks,
      zoneSurchargeCents: carrier.zoneSurchargeCents,
      destinationCountries: carrier.destinationCountries.join(','),
      maxParcelWeightGrams: carrier.maxParcelWeightGrams,
      maxParcelLengthMm: carrier.maxParcelLengthMm,
    };
    await tx.carrier.upsert({ where: { code: carrier.code }, create: { code: carrier.code, ...fields }, update: fields });
    for (const service of carrier.services) {
      const serviceFields = {
        name: service.name,
        level: service.level,
        stallWindowHours: service.stallWindowHours,
        baseCents: service.baseCents,
        perKgCents: service.perKgCents,
        transitDays: service.transitDays,
        // The carrier's published on-time share: the prior the learned transit distribution starts from.
        onTimeShare: carrier.reliability,
      };
      await tx.carrierService.upsert({
        where: { carrierCode_code: { carrierCode: carrier.code, code: service.code } },
        create: { carrierCode: carrier.code, code: service.code, ...serviceFields },
        update: serviceFields,
      });
      carrierServices += 1;
    }
  }

  // ON CONFLICT DO NOTHING RETURNING: only the levels this run created come back, which makes
  // "create when absent" race-free even if two seeds run at once.
  const created = await tx.inventoryLevel.createManyAndReturn({
    data: STOCK_LEVELS.map(({ warehouseCode, skuCode, onHand }) => ({ warehouseCode, skuCode, onHand })),
    skipDuplicates: true,
    select: { warehouseCode: true, skuCode: true, onHand: true },
  });
  await tx.inventoryMovement.createMany({
    data: created.map((level) => ({
      warehouseCode: level.warehouseCode,
      skuCode: level.skuCode,
      kind: 'receipt' as const,
      onHandDelta: level.onHand,
      reservedDelta: 0,
      idempotencyKey: receiptIdempotencyKey(level),
      note: 'opening stock (seed)',
    })),
    skipDuplicates: true,
  });

  await seedInboundStock(tx, clock);

  return {
    warehouses: WAREHOUSES.length,
    skus: SKUS.length,
    boxTypes: BOX_TYPES.length,
    carriers: CARRIER_CATALOGUE.length,
    carrierServices,
    stockLevelsCreated: created.length,
    stockLevelsKept: STOCK_LEVELS.length - created.length,
  };
}

/**
 * Expected restocks (advance shipping notices), dated `expectedInDays` business days after the seed: backorders are
 * promised from them. One still not received (POST /inventory/restock with its reference) whose date has passed is
 * dated again from this seed: a demo started again days later shows a backorder with a date ahead, not one long overdue.
 */
async function seedInboundStock(tx: Prisma.TransactionClient, clock: BusinessClock, nowMs = Date.now()): Promise<void> {
  const businessNowMs = toBusinessMs(clock, nowMs);
  for (const inbound of INBOUND_STOCK) {
    const expectedAt = new Date(toRealMs(clock, businessNowMs + inbound.expectedInDays * DAY_MS));
    const { reference, warehouseCode, skuCode, quantity } = inbound;
    await tx.inboundStock.createMany({ data: [{ reference, warehouseCode, skuCode, quantity, expectedAt }], skipDuplicates: true });
    await tx.inboundStock.updateMany({ where: { reference, receivedAt: null, expectedAt: { lt: new Date(nowMs) } }, data: { expectedAt } });
  }
}

export function describeSeed(report: SeedReport): string {
  return (
    `seed: ${report.warehouses} warehouses, ${report.skus} SKUs, ${report.boxTypes} box types, ` +
    `${report.carriers} carriers (${report.carrierServices} services), ` +
    `stock levels ${report.stockLevelsCreated} created / ${report.stockLevelsKept} kept`
  );
}

async function main(): Promise<void> {
  const url = requireDatabaseUrl(loadConfigOrExit(process.env, 'db:seed'));
  const db = createDb(url, 2);
  try {
    console.log(describeSeed(await seed(db, await currentBusinessClock(db))));
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => exitWithError('db:seed', error));
}
