import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client';

export type Db = PrismaClient;

/**
 * One Prisma client per process and database URL. Prisma 7 talks to PostgreSQL through the
 * `pg` driver adapter (no native query engine), so this works offline and in any Node process.
 */
const clients = new Map<string, PrismaClient>();

/**
 * Budgets of an interactive transaction, for every client. Prisma's defaults (2 s to get a
 * connection, 5 s for the whole transaction) suit a dedicated server; on the 2-core machine Colis
 * must run on, loaded, the API's nine-statement key sync at start-up took 6.3 s and the start
 * failed. These still end a transaction that is really stuck, and free its locks, within half a
 * minute.
 */
export const TRANSACTION_BUDGET = { maxWait: 10_000, timeout: 30_000 } as const;

export function createDb(url: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg(connectionPool(url, poolSize), { disposeExternalPool: true });
  return new PrismaClient({ adapter, transactionOptions: TRANSACTION_BUDGET });
}

/**
 * The `pg` pool under Prisma, with every connection it opens listening for its own end. When PostgreSQL ends a
 * connection (a restart, a failover, the postmaster killed, pg_terminate_backend), `pg` raises an `error` event on
 * it; a connection lent out with no statement running at that instant has no listener of the pool's or Prisma's, and
 * Node would end the whole process (the API and the workers of `npm start` died with a stack trace). Nothing is
 * lost by listening: a statement in flight fails on its own and its caller retries, and the pool drops a connection
 * that can no longer query when it comes back.
 */
function connectionPool(url: string, max: number): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max,
    // Awaited by the pool before the new connection is lent for anything (see IN_UTC); if it fails, the pool ends that
    // connection and the borrower's statement fails and is retried, as for a connection that could not open.
    onConnect: async (connection) => {
      connection.on('error', connectionEnded);
      await connection.query(IN_UTC);
    },
  });
}

/**
 * Every session in UTC, whatever the server's `timezone`. Prisma's `pg` adapter sends a Date as a timestamp with no
 * offset, which PostgreSQL reads in the session's zone (prisma/orm#26786): on a server set to its host's zone (initdb's
 * default; a Paris server runs Europe/Paris) every instant Colis wrote was off by that zone's offset — promises,
 * deadlines, leases. A SET rather than a startup option, which poolers such as PgBouncer refuse by default.
 */
const IN_UTC = "SET TIME ZONE 'UTC'";

function connectionEnded(): void {
  // Heard so that it does not end the process; see connectionPool.
}

/** The process's shared client for `url` (pool size as the first caller asks, COLIS_DB_POOL in entry points). */
export function getDb(url: string, poolSize?: number): PrismaClient {
  let client = clients.get(url);
  if (!client) {
    client = createDb(url, poolSize);
    clients.set(url, client);
  }
  return client;
}

export async function closeAllDbs(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.$disconnect()));
}
