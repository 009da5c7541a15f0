import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client';

export type Db = PrismaClient;

/**
 * One Prisma client per process and database URL. Prisma 7 talks to PostgreSQL through the
 * `pg` driver adapter (no native query engine), so this works offline and in any Node process.
 */
const clients = new Map<string, PrismaClient>();

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  return url;
}

export function createDb(url: string = databaseUrl(), poolSize = Number(process.env.COLIS_DB_POOL ?? 10)): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
}

export function getDb(url: string = databaseUrl()): PrismaClient {
  let client = clients.get(url);
  if (!client) {
    client = createDb(url);
    clients.set(url, client);
  }
  return client;
}

export async function closeAllDbs(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.$disconnect()));
}
