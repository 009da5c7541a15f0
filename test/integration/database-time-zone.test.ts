import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db } from '../../activities/db';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * An external PostgreSQL whose `timezone` is not UTC (initdb takes the host's: a server in Paris runs Europe/Paris).
 * Prisma's `pg` adapter sends a Date with no offset, which the server read in its own zone: every instant Colis
 * wrote (a promise, a deadline, a lease) was stored an hour or two off, and read back so by every other reader.
 */
let database: TestDatabase;
let admin: pg.Client;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await admin.connect();
  const name = new URL(database.url).pathname.slice(1);
  await admin.query(`ALTER DATABASE "${name}" SET timezone TO 'America/New_York'`);
  // A fresh client: its connections start under the database's zone.
  db = createDb(database.url, 2);
});

afterAll(async () => {
  await db?.$disconnect();
  await admin?.end();
  await database?.drop();
});

describe('a database whose time zone is not UTC', () => {
  it('stores the instants Colis writes as they are, through Prisma and raw statements alike', async () => {
    const at = new Date('2026-12-08T17:00:00.000Z');
    await db.warehouse.update({ where: { code: 'PAR1' }, data: { downSince: at, downReason: 'time zone test' } });
    await db.$executeRaw`UPDATE "Warehouse" SET "downSince" = ${at} WHERE "code" = 'LYS1'`;
    const name = new URL(database.url).pathname.slice(1);
    const other = new pg.Client({ connectionString: inject('postgresAdminUrl').replace(/\/[^/?]*(\?|$)/, `/${name}$1`) });
    await other.connect();
    try {
      await other.query("SET TIME ZONE 'UTC'");
      const rows = await other.query<{ code: string; down: string }>(
        `SELECT "code", "downSince"::text AS down FROM "Warehouse" WHERE "code" IN ('PAR1', 'LYS1') ORDER BY "code"`,
      );
      expect(rows.rows).toEqual([
        { code: 'LYS1', down: '2026-12-08 17:00:00+00' },
        { code: 'PAR1', down: '2026-12-08 17:00:00+00' },
      ]);
    } finally {
      await other.end();
    }
    expect((await db.warehouse.findUniqueOrThrow({ where: { code: 'PAR1' } })).downSince?.toISOString()).toBe(at.toISOString());
  });
});
