import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARRIER_CATALOGUE } from '../../scripts/carrier-simulator/catalogue';
import { createDb, type Db } from '../../activities/db';
import { SkuCodeSchema } from '../../domain/order';
import { applyMigrations } from '../../prisma/migrate';
import { seed, type SeedReport } from '../../prisma/seed';
import { OVERSIZE_SKU_CODES } from '../../prisma/seed-data/skus';
import { INBOUND_STOCK } from '../../prisma/seed-data/stock';
import { businessClock, toBusinessMs } from '../../domain/business-clock';
import { DAY_MS } from '../../domain/clock';
import { createEmptyDatabase, createTestDatabase } from '../support/database';

// A freshly migrated, never seeded database: the run's shared template is seeded already.
let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
let db: Db;
let first: SeedReport;
let second: SeedReport;
let afterFirst: Snapshot;
let afterSecond: Snapshot;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await applyMigrations(database.url);
  db = createDb(database.url, 2);
  first = await seed(db);
  afterFirst = await snapshot(db);
  second = await seed(db);
  afterSecond = await snapshot(db);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

type Dims = [number, number, number];
const sorted = (dims: Dims): Dims => [...dims].sort((a, b) => b - a) as Dims;
/** Axis-aligned fit with any of the six rotations: compare the sides longest to shortest. */
const fitsInside = (item: Dims, box: Dims): boolean => {
  const [i, b] = [sorted(item), sorted(box)];
  return i.every((side, k) => side <= b[k]!);
};

async function snapshot(client: Db) {
  const [warehouses, skus, boxTypes, carriers, carrierServices, levels, movements] = await Promise.all([
    client.warehouse.findMany({ orderBy: { code: 'asc' }, omit: { createdAt: true } }),
    client.sku.findMany({ orderBy: { code: 'asc' }, omit: { createdAt: true } }),
    client.boxType.findMany({ orderBy: { id: 'asc' } }),
    client.carrier.findMany({ orderBy: { code: 'asc' } }),
    client.carrierService.findMany({ orderBy: [{ carrierCode: 'asc' }, { code: 'asc' }] }),
    client.inventoryLevel.findMany({ orderBy: [{ warehouseCode: 'asc' }, { skuCode: 'asc' }] }),
    client.inventoryMovement.count(),
  ]);
  return { warehouses, skus, boxTypes, carriers, carrierServices, levels, movements };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;
/** Everything but the levels' update times. */
const comparable = (s: Snapshot) => ({ ...s, levels: s.levels.map(({ updatedAt: _u, ...level }) => level) });

describe('seed', () => {
  it('loads at least three warehouses in different regions and thirty valid SKUs', () => {
    expect(afterFirst.warehouses.length).toBeGreaterThanOrEqual(3);
    expect(new Set(afterFirst.warehouses.map((w) => w.region)).size).toBe(afterFirst.warehouses.length);
    for (const w of afterFirst.warehouses) {
      expect(w.cutoffLocalTime).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(w.dailyCapacityShipments).toBeGreaterThan(0);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: w.timeZone })).not.toThrow();
    }
    expect(afterFirst.skus.length).toBeGreaterThanOrEqual(30);
    for (const sku of afterFirst.skus) {
      expect(SkuCodeSchema.safeParse(sku.code).success, sku.code).toBe(true);
      expect(sku.currency).toBe('EUR');
      expect(Math.min(sku.weightGrams, sku.lengthMm, sku.widthMm, sku.heightMm, sku.unitPriceCents)).toBeGreaterThan(0);
    }
  });

  it('gives every warehouse its own box catalogue of 8 to 10 types, up to a 600×400×400 carton', () => {
    for (const w of afterFirst.warehouses) {
      const boxes = afterFirst.boxTypes.filter((b) => b.warehouseCode === w.code);
      expect(boxes.length, w.code).toBeGreaterThanOrEqual(8);
      expect(boxes.length, w.code).toBeLessThanOrEqual(10);
      for (const box of boxes) expect(box.id).toBe(`${w.code}-${box.code}`);
      expect(boxes.some((b) => fitsInside([600, 400, 400], [b.innerLengthMm, b.innerWidthMm, b.innerHeightMm]))).toBe(true);
    }
    const catalogue = (code: string) =>
      JSON.stringify(afterFirst.boxTypes.filter((b) => b.warehouseCode === code).map(({ id: _id, warehouseCode: _w, ...rest }) => rest));
    const distinct = new Set(afterFirst.warehouses.map((w) => catalogue(w.code)));
    expect(distinct.size).toBe(afterFirst.warehouses.length);
  });

  it('has SKUs too large for every box of every warehouse, and only those', () => {
    const tooLarge = afterFirst.skus
      .filter((sku) =>
        afterFirst.boxTypes.every(
          (box) => !fitsInside([sku.lengthMm, sku.widthMm, sku.heightMm], [box.innerLengthMm, box.innerWidthMm, box.innerHeightMm]),
        ),
      )
      .map((sku) => sku.code);
    expect(tooLarge.length).toBeGreaterThanOrEqual(1);
    expect(tooLarge.sort()).toEqual([...OVERSIZE_SKU_CODES].sort());
    // Everything else can be boxed wherever it is stocked, within the box's weight limit.
    for (const level of afterFirst.levels) {
      if (OVERSIZE_SKU_CODES.includes(level.skuCode)) continue;
      const sku = afterFirst.skus.find((s) => s.code === level.skuCode)!;
      const boxable = afterFirst.boxTypes.some(
        (box) =>
          box.warehouseCode === level.warehouseCode &&
          sku.weightGrams <= box.maxWeightGrams &&
          fitsInside([sku.lengthMm, sku.widthMm, sku.heightMm], [box.innerLengthMm, box.innerWidthMm, box.innerHeightMm]),
      );
      expect(boxable, `${sku.code} at ${level.warehouseCode}`).toBe(true);
    }
  });

  it('stocks SKUs unevenly: some in one warehouse, some at zero, some nowhere', () => {
    const stockedIn = (sku: string) => afterFirst.levels.filter((l) => l.skuCode === sku && l.onHand > 0).length;
    const counts = afterFirst.skus.map((s) => stockedIn(s.code));
    expect(counts.filter((n) => n >= 1 && n <= 3).length).toBeGreaterThan(afterFirst.skus.length / 2);
    expect(counts.filter((n) => n === 1).length).toBeGreaterThanOrEqual(3);
    expect(counts.filter((n) => n === 0).length).toBeGreaterThanOrEqual(1);
    expect(afterFirst.levels.filter((l) => l.onHand === 0).length).toBeGreaterThanOrEqual(1);
    expect(afterFirst.levels.filter((l) => l.onHand > 0 && l.onHand <= 5).length).toBeGreaterThanOrEqual(3);
    expect(afterFirst.levels.every((l) => l.reserved === 0)).toBe(true);
  });

  it('records every opening stock level as a receipt, so the ledger balances', async () => {
    const sums = await db.inventoryMovement.groupBy({
      by: ['warehouseCode', 'skuCode'],
      _sum: { onHandDelta: true, reservedDelta: true },
    });
    expect(sums).toHaveLength(afterSecond.levels.length);
    for (const level of afterSecond.levels) {
      const sum = sums.find((s) => s.warehouseCode === level.warehouseCode && s.skuCode === level.skuCode);
      expect(sum?._sum.onHandDelta, `${level.warehouseCode}/${level.skuCode}`).toBe(level.onHand);
      expect(sum?._sum.reservedDelta).toBe(level.reserved);
    }
    const receipts = await db.inventoryMovement.findMany({ where: { kind: 'receipt' } });
    expect(receipts.map((r) => r.idempotencyKey).sort()).toEqual(
      afterSecond.levels.map((l) => `seed:receipt:${l.warehouseCode}:${l.skuCode}`).sort(),
    );
  });

  it('loads the carriers and services of the simulator catalogue', () => {
    expect(afterFirst.carriers.map((c) => c.code).sort()).toEqual(CARRIER_CATALOGUE.map((c) => c.code).sort());
    for (const spec of CARRIER_CATALOGUE) {
      const row = afterFirst.carriers.find((c) => c.code === spec.code)!;
      expect(row).toMatchObject({ name: spec.name, reliability: spec.reliability, supportsWebhooks: spec.supportsWebhooks });
      const services = afterFirst.carrierServices.filter((s) => s.carrierCode === spec.code);
      expect(
        services
          .map(({ code, name, level, stallWindowHours }) => ({ code, name, level, stallWindowHours }))
          .sort((a, b) => a.code.localeCompare(b.code)),
      ).toEqual(
        spec.services
          .map(({ code, name, level, stallWindowHours }) => ({ code, name, level, stallWindowHours }))
          .sort((a, b) => a.code.localeCompare(b.code)),
      );
    }
  });

  it('changes nothing when run a second time', () => {
    expect(first.stockLevelsCreated).toBeGreaterThan(0);
    expect(first.stockLevelsKept).toBe(0);
    expect(second).toEqual({ ...first, stockLevelsCreated: 0, stockLevelsKept: first.stockLevelsCreated });
    expect(comparable(afterSecond)).toEqual(comparable(afterFirst));
    expect(afterSecond.levels.map((l) => l.updatedAt.getTime())).toEqual(afterFirst.levels.map((l) => l.updatedAt.getTime()));
  });

  it('never resets live stock or switched-off reference rows when seeding a trading database', async () => {
    const level = afterSecond.levels.find((l) => l.onHand >= 5)!;
    const key = { warehouseCode_skuCode: { warehouseCode: level.warehouseCode, skuCode: level.skuCode } };
    await db.$transaction([
      db.inventoryLevel.update({ where: key, data: { reserved: { increment: 2 }, onHand: { decrement: 1 } } }),
      db.inventoryMovement.create({
        data: {
          warehouseCode: level.warehouseCode,
          skuCode: level.skuCode,
          kind: 'reserve',
          onHandDelta: 0,
          reservedDelta: 2,
          idempotencyKey: 'test:reserve:1',
        },
      }),
      db.inventoryMovement.create({
        data: {
          warehouseCode: level.warehouseCode,
          skuCode: level.skuCode,
          kind: 'adjust',
          onHandDelta: -1,
          reservedDelta: 0,
          idempotencyKey: 'test:adjust:1',
        },
      }),
      db.boxType.update({ where: { id: afterSecond.boxTypes[0]!.id }, data: { active: false } }),
    ]);

    const third = await seed(db);

    expect(third.stockLevelsCreated).toBe(0);
    const after = await db.inventoryLevel.findUniqueOrThrow({ where: key });
    expect(after).toMatchObject({ onHand: level.onHand - 1, reserved: 2 });
    expect(await db.boxType.findUniqueOrThrow({ where: { id: afterSecond.boxTypes[0]!.id } })).toMatchObject({ active: false });
    expect(await db.inventoryMovement.count()).toBe(afterSecond.movements + 2);
  });

  it('is what every test database starts from', async () => {
    const shared = await createTestDatabase(2);
    try {
      expect(comparable(await snapshot(shared.db))).toEqual(comparable(afterSecond));
      expect((await seed(shared.db)).stockLevelsCreated).toBe(0);
    } finally {
      await shared.drop();
    }
  });
});

describe('the seeded restock', () => {
  const reference = INBOUND_STOCK[0]!.reference;
  const expectedAt = async () => (await db.inboundStock.findUniqueOrThrow({ where: { reference } })).expectedAt.getTime();

  it('is dated in business days on a fast clock, and dated again once its date has passed unreceived, never once received', async () => {
    // npm start's clock: a business day a real minute. The restock is three business days ahead: three real minutes.
    await db.inboundStock.deleteMany({ where: { reference } });
    const fast = businessClock(1440, Date.now());
    const before = Date.now();
    await seed(db, fast);
    const dated = await expectedAt();
    const aheadMs = toBusinessMs(fast, dated) - toBusinessMs(fast, before);
    // Three business days from the seed's own now, a few real seconds (hours of business time) after `before`.
    expect(aheadMs).toBeGreaterThanOrEqual(3 * DAY_MS);
    expect(aheadMs).toBeLessThan(3 * DAY_MS + 6 * 3_600_000);
    expect(dated - before).toBeLessThan(4 * 60_000);

    // A later start finds it overdue and unreceived: it is dated ahead again; one that is not overdue is left alone.
    await db.inboundStock.update({ where: { reference }, data: { expectedAt: new Date(Date.now() - 60_000) } });
    await seed(db, fast);
    expect(await expectedAt()).toBeGreaterThan(Date.now());
    const kept = await expectedAt();
    await seed(db, fast);
    expect(await expectedAt()).toBe(kept);

    // Received (POST /inventory/restock with its reference), it is history: never moved.
    const past = new Date(Date.now() - 60_000);
    await db.inboundStock.update({ where: { reference }, data: { expectedAt: past, receivedAt: past } });
    await seed(db, fast);
    expect(await expectedAt()).toBe(past.getTime());
  });
});
