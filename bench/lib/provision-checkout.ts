import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Run as a child process from another commit's checkout (cwd = that checkout): applies THAT
 * checkout's migrations and seed to its own database and registers ITS search attributes in its own
 * Temporal namespace, with its own modules, so an old commit runs on the schema it was written for.
 *
 * env: BENCH_CHECKOUT_ROOT (the checkout's root), DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, BENCH_EXTRA_STOCK.
 */

interface CheckoutModules {
  applyMigrations(url: string): Promise<unknown>;
  createDb(
    url: string,
    pool?: number,
  ): {
    $disconnect(): Promise<void>;
    $executeRawUnsafe(sql: string): Promise<number>;
    warehouse: { updateMany(a: object): Promise<unknown> };
  };
  seed(db: unknown): Promise<unknown>;
  registerSearchAttributes(connection: unknown, namespace: string, log: (m: string) => void): Promise<void>;
  Connection: { connect(o: { address: string }): Promise<{ close(): Promise<void> }> };
}

async function load(root: string): Promise<CheckoutModules> {
  const from = (path: string) => import(pathToFileURL(join(root, path)).href);
  const [migrate, db, seed, attributes] = await Promise.all([
    from('prisma/migrate.ts'),
    from('activities/db.ts'),
    from('prisma/seed.ts'),
    from('worker/search-attributes.ts'),
  ]);
  // The checkout's own copy of the client, as its workers use it.
  const client = createRequire(join(root, 'package.json'))('@temporalio/client');
  return {
    applyMigrations: migrate.applyMigrations,
    createDb: db.createDb,
    seed: seed.seed,
    registerSearchAttributes: attributes.registerSearchAttributes,
    Connection: client.Connection,
  };
}

async function main(): Promise<void> {
  const root = process.env.BENCH_CHECKOUT_ROOT;
  const url = process.env.DATABASE_URL;
  const address = process.env.TEMPORAL_ADDRESS;
  const namespace = process.env.TEMPORAL_NAMESPACE;
  if (!root || !url || !address || !namespace)
    throw new Error('provision-checkout needs BENCH_CHECKOUT_ROOT, DATABASE_URL, TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE');
  const m = await load(root);
  await m.applyMigrations(url);
  const db = m.createDb(url, 5);
  await m.seed(db);
  const extra = Number(process.env.BENCH_EXTRA_STOCK ?? 0);
  if (extra > 0) {
    // The same top-up as the stack's (bench/lib/stack.ts), through the ledger so it still balances.
    await db.$executeRawUnsafe(`
      INSERT INTO "InventoryMovement" ("warehouseCode", "skuCode", "kind", "onHandDelta", "reservedDelta", "idempotencyKey", "note")
      SELECT "warehouseCode", "skuCode", 'receipt'::"MovementKind", ${extra}, 0, 'bench:topup:' || "warehouseCode" || ':' || "skuCode", 'bench stock'
      FROM "InventoryLevel"`);
    await db.$executeRawUnsafe(`UPDATE "InventoryLevel" SET "onHand" = "onHand" + ${extra}, "updatedAt" = now()`);
  }
  await db.$disconnect();
  const connection = await m.Connection.connect({ address });
  await m.registerSearchAttributes(connection, namespace, () => {});
  await connection.close();
  process.stdout.write('provisioned ready \n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
