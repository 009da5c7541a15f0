import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ESCALATION_DECISIONS,
  ESCALATION_REASONS,
  ESCALATION_SEVERITIES,
  ORDER_DB_STATUSES,
  SHIPMENT_DB_STATUSES,
  TRACKING_STATUSES,
} from '../../domain/lifecycle';
import { loadDataModel, SCHEMA_PATH } from '../../prisma/datamodel';
import { findSchemaDrift } from '../../prisma/drift';
import { applyMigrations, checksumOf, MIGRATIONS_DIR, MigrationError, readLocalMigrations } from '../../prisma/migrate';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/database';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the migrated database matches schema.prisma', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(1);
  });
  afterAll(() => database.drop());

  it('has no drift: tables, columns, types, nullability, keys, indexes, enums', async () => {
    expect(await findSchemaDrift(database.url, loadDataModel())).toEqual([]);
  });

  it('holds exactly the lifecycle vocabulary in its status, tracking and escalation enums, in journey order', async () => {
    const rows = await query<{ name: string; labels: string[] }>(
      database.url,
      `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const enums = Object.fromEntries(rows.map((row) => [row.name, row.labels]));
    expect(enums.OrderStatus).toEqual([...ORDER_DB_STATUSES]);
    expect(enums.ShipmentStatus).toEqual([...SHIPMENT_DB_STATUSES]);
    expect(enums.TrackingStatus).toEqual([...TRACKING_STATUSES]);
    expect(enums.EscalationReason).toEqual([...ESCALATION_REASONS]);
    expect(enums.EscalationSeverity).toEqual([...ESCALATION_SEVERITIES]);
    expect(enums.EscalationDecision).toEqual([...ESCALATION_DECISIONS]);
  });

  it('a field added to schema.prisma without a migration is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-schema-'));
    const edited = readFileSync(SCHEMA_PATH, 'utf8').replace('model Carrier {\n', 'model Carrier {\n  contactEmail     String\n');
    writeFileSync(join(dir, 'schema.prisma'), edited);
    const drift = await findSchemaDrift(database.url, loadDataModel(join(dir, 'schema.prisma'))).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    expect(drift).toEqual(['column "Carrier"."contactEmail" (TEXT NOT NULL) is missing from the database']);
  });

  it('a column, a nullability change or a unique index made only in the database is reported', async () => {
    await query(database.url, 'ALTER TABLE "Sku" ADD COLUMN "colour" TEXT');
    await query(database.url, 'ALTER TABLE "Order" ALTER COLUMN "source" DROP NOT NULL');
    await query(database.url, 'CREATE UNIQUE INDEX "Sku_name_key" ON "Sku"("name")');
    const drift = await findSchemaDrift(database.url, loadDataModel());
    expect(drift).toContain('column "Sku"."colour" (TEXT NULL) is in the database but not in schema.prisma');
    expect(drift).toContain('column "Order"."source": schema.prisma says TEXT NOT NULL, database has TEXT NULL');
    expect(drift).toContain('unique Sku(name) is in the database but not in schema.prisma');
  });
});

describe('the offline migration runner keeps Prisma Migrate’s bookkeeping', () => {
  it('records each migration once, with the sha256 checksum prisma migrate deploy would store', async () => {
    const empty = await createEmptyDatabase();
    try {
      const first = await applyMigrations(empty.url);
      const local = readLocalMigrations();
      expect(first.applied).toEqual(local.map((m) => m.name));
      const second = await applyMigrations(empty.url);
      expect(second).toEqual({ applied: [], alreadyApplied: local.map((m) => m.name) });

      const rows = await query<{ migration_name: string; checksum: string; finished: boolean; steps: number; rolled_back: boolean }>(
        empty.url,
        `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count AS steps,
                rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(rows).toEqual(
        local.map((m) => ({
          migration_name: m.name,
          checksum: checksumOf(readFileSync(join(MIGRATIONS_DIR, m.name, 'migration.sql'), 'utf8')),
          finished: true,
          steps: 1,
          rolled_back: false,
        })),
      );
      expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await empty.drop();
    }
  });

  it('refuses a migration edited after it was applied', async () => {
    const empty = await createEmptyDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'colis-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      await applyMigrations(empty.url, dir);
      const first = readLocalMigrations(dir)[0];
      if (!first) throw new Error('no migrations');
      writeFileSync(join(dir, first.name, 'migration.sql'), `${first.sql}\n-- edited\n`);
      await expect(applyMigrations(empty.url, dir)).rejects.toBeInstanceOf(MigrationError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await empty.drop();
    }
  });

  it('rolls back a failing migration completely and tries it again once fixed', async () => {
    const empty = await createEmptyDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'colis-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      await applyMigrations(empty.url, dir);
      const broken = join(dir, '29991231000000_broken');
      cpSync(join(dir, readLocalMigrations(dir)[0]!.name), broken, { recursive: true });
      writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE "Half" (id INT);\nSELECT * FROM "NoSuchTable";\n');
      await expect(applyMigrations(empty.url, dir)).rejects.toThrow(/29991231000000_broken failed/);
      const half = await query(empty.url, `SELECT to_regclass('"Half"') AS t`);
      expect(half).toEqual([{ t: null }]);
      writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE "Half" (id INT);\n');
      expect((await applyMigrations(empty.url, dir)).applied).toEqual(['29991231000000_broken']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await empty.drop();
    }
  });
});
