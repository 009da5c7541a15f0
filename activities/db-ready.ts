import { readLocalMigrations } from '../prisma/migrate';
import type { Db } from './db';

/**
 * What an entry point checks of DATABASE_URL before it uses it, so that a database it cannot use stops it with one
 * line saying why (config/process.ts, startupStep) instead of Prisma's multi-line "Invalid `db.….()` invocation" and a
 * stack at its first query: no PostgreSQL answers, it refuses the credentials or the database name, or the database
 * lacks a migration of this release (an empty database, or one not migrated before the upgrade; the README's upgrade
 * order applies migrations first). Migrations the database has beyond this release's are a later release's: fine.
 */
export async function databaseReady(db: Db): Promise<void> {
  // A transaction: its connection failure is the driver's one line, a bare query's is Prisma's invocation report.
  const applied = await db.$transaction(async (tx) => {
    const [table] = await tx.$queryRaw<{ exists: boolean }[]>`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`;
    if (!table?.exists) return undefined;
    return tx.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  });
  if (applied === undefined) throw new Error('the database has no Colis schema: apply the migrations first (npm run db:migrate)');
  const done = new Set(applied.map((row) => row.migration_name));
  const missing = readLocalMigrations()
    .map((migration) => migration.name)
    .filter((name) => !done.has(name));
  if (missing.length > 0) {
    throw new Error(
      `the database lacks ${missing.length} migration(s) of this release (first: ${missing[0]}): apply them first (npm run db:migrate)`,
    );
  }
}
