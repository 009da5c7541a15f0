import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { requireDatabaseUrl } from '../config';
import { exitWithError, loadConfigOrExit } from '../config/process';

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, without Prisma's schema engine
 * (which cannot be downloaded on an offline machine). It keeps Prisma's bookkeeping exactly:
 * the same `_prisma_migrations` table, one row per migration folder, the sha256 checksum of
 * migration.sql, the same advisory lock, so `prisma migrate status` / `deploy` on a networked
 * machine see the database as their own.
 */

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** The advisory lock key Prisma Migrate takes, so this runner and Prisma never run at once. */
const PRISMA_ADVISORY_LOCK = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

export function readLocalMigrations(dir: string = MIGRATIONS_DIR): LocalMigration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function applyMigrations(databaseUrl: string, dir: string = MIGRATIONS_DIR): Promise<MigrationReport> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const rows = (
      await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
      )
    ).rows;
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const migration of readLocalMigrations(dir)) {
      const attempts = rows.filter((r) => r.migration_name === migration.name && r.rolled_back_at === null);
      const finished = attempts.find((r) => r.finished_at !== null);
      if (finished) {
        if (finished.checksum !== migration.checksum) {
          // Prisma only warns here; a changed applied migration is how schemas silently drift, so stop.
          throw new MigrationError(
            `migration ${migration.name} was edited after it was applied (checksum differs); add a new migration instead`,
          );
        }
        report.alreadyApplied.push(migration.name);
        continue;
      }
      if (attempts.length > 0) {
        throw new MigrationError(
          `migration ${migration.name} failed earlier and was not rolled back; fix the database, then mark it ` +
            `with \`prisma migrate resolve --rolled-back ${migration.name}\` (or delete its _prisma_migrations row)`,
        );
      }
      await applyOne(client, migration);
      report.applied.push(migration.name);
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

async function applyOne(client: pg.Client, migration: LocalMigration): Promise<void> {
  try {
    // One transaction per migration, bookkeeping included: a crash or an error leaves neither a
    // half-applied schema nor a dangling "started" row behind.
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), NULL, 0)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query(migration.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL',
      [migration.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const message = error instanceof Error ? error.message : String(error);
    // Recorded as Prisma records a failed attempt, and marked rolled back because it truly was:
    // the next run tries the (fixed) migration again.
    await client
      .query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, rolled_back_at, logs, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), $4, 0)`,
        [randomUUID(), migration.checksum, migration.name, message],
      )
      .catch(() => {});
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${message}`);
  }
}

async function main(): Promise<void> {
  const url = requireDatabaseUrl(loadConfigOrExit(process.env, 'db:migrate'));
  const report = await applyMigrations(url);
  console.log(`migrations: ${report.applied.length} applied, ${report.alreadyApplied.length} already applied`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => exitWithError('db:migrate', error));
}
