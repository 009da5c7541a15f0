import { PrismaPg } from '@prisma/adapter-pg';
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
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }), transactionOptions: TRANSACTION_BUDGET });
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
