import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { closeAllDbs, getDb } from '../activities/db';
import { DEV_API_KEYS } from '../api/config';
import { startApi } from '../api/server';
import { applyMigrations } from '../prisma/migrate';
import { seed } from '../prisma/seed';
import { logLine } from './lib/log';
import { DATA_DIR } from './lib/paths';
import { startPostgres } from './postgres';
import { describe, resolveTemporalCli } from './provision-temporal';
import { startTemporalDevServer, type RunningDevServer } from './temporal-dev-server';
import { registerSearchAttributes } from '../worker/search-attributes';
import { connectionOptions, temporalTargetFromEnv } from '../worker/temporal-config';
import { buildCarriers, startColisWorkers } from '../worker/wiring';

/**
 * `npm start`: the whole product on its embedded defaults, in one terminal.
 *   PostgreSQL   embedded under .data/postgres (or DATABASE_URL), migrated and seeded
 *   Temporal     dev server with Web UI, persisted to .data/temporal/temporal.db (or TEMPORAL_ADDRESS)
 *   workers      every task queue (orders, carriers, one per warehouse)
 *   carriers     the simulator, pushing signed tracking webhooks to the API
 *   API          Fastify on :3000 with /docs
 * Ctrl-C stops everything in reverse order; the next start resumes the same data and orders.
 */

const env = process.env;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

async function main(): Promise<void> {
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logLine('colis', `${signal}: stopping`);
    // A last resort: whatever happens below, the process ends.
    setTimeout(() => {
      logLine('colis', 'shutdown took longer than 45 s; exiting');
      process.exit(1);
    }, 45_000).unref();
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        logLine('colis', `stopped ${name}`);
      } catch (error) {
        logLine('colis', `stopping ${name} failed: ${(error as Error).message}`);
      }
    }
    process.exit(0);
  };
  // Only add listeners, never remove others': tsx's launcher listens too, and relays Ctrl-C to this
  // process only while it sees it handled here (it kills the process otherwise).
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // Business seconds per real second for new orders and the simulator: a demo day lasts a minute.
  env.COLIS_TIME_SCALE ??= '1440';
  const timeScale = Number(env.COLIS_TIME_SCALE);

  const postgres = await startPostgres({
    dataDir: join(DATA_DIR, 'postgres'),
    port: port('COLIS_PG_PORT', 5433),
    database: 'colis',
  });
  stops.push({ name: 'PostgreSQL', stop: () => postgres.stop() });
  env.DATABASE_URL = postgres.url;
  logLine('postgres', postgres.embedded ? `embedded PostgreSQL on ${postgres.url.replace(/:[^:@/]+@/, ':***@')}` : 'using DATABASE_URL');
  const migrations = await applyMigrations(postgres.url);
  logLine('postgres', `migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already applied`);
  const db = getDb(postgres.url);
  stops.push({ name: 'database pool', stop: () => closeAllDbs() });
  const seeded = await seed(db);
  logLine(
    'postgres',
    `seed: ${seeded.warehouses} warehouses, ${seeded.skus} SKUs, ${seeded.carriers} carriers, ${seeded.stockLevelsCreated} stock levels created`,
  );

  const target = temporalTargetFromEnv(env, `127.0.0.1:${port('TEMPORAL_PORT', 7233)}`);
  let devServer: RunningDevServer | undefined;
  if (target.embedded) {
    const cli = resolveTemporalCli();
    logLine('temporal', describe(cli, 'Temporal CLI'));
    devServer = await startTemporalDevServer({
      cliPath: cli.path,
      port: port('TEMPORAL_PORT', 7233),
      uiPort: port('TEMPORAL_UI_PORT', 8233),
      dbFile: join(DATA_DIR, 'temporal', 'temporal.db'),
      namespace: target.namespace,
      logFile: join(DATA_DIR, 'logs', 'temporal.log'),
    });
    stops.push({ name: 'Temporal dev server', stop: () => devServer?.stop() ?? Promise.resolve() });
  }
  const uiUrl = env.COLIS_TEMPORAL_UI_URL ?? devServer?.uiUrl ?? 'https://cloud.temporal.io';
  env.COLIS_TEMPORAL_UI_URL = uiUrl;

  // shutdownSignals: [] — this script owns Ctrl-C and stops services in order; the SDK's own handler would re-raise the signal midway.
  // The workers' own metrics (task latencies, slots, polls) in Prometheus format; GET /metrics on the API appends them.
  Runtime.install({
    logger: new DefaultLogger((env.COLIS_WORKER_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN'),
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress: env.COLIS_TEMPORAL_METRICS_ADDRESS ?? '127.0.0.1:9464' } } },
  });
  const clientConnection = await Connection.connect(connectionOptions(target));
  stops.push({ name: 'Temporal client', stop: () => clientConnection.close() });
  await registerSearchAttributes(clientConnection, target.namespace, (m) => logLine('temporal', m));
  const client = new Client({ connection: clientConnection, namespace: target.namespace });

  const carriers = buildCarriers({ env, timeScale, stateFile: join(DATA_DIR, 'carrier-simulator.json') });
  stops.push({ name: 'carrier simulator', stop: async () => carriers.close() });
  const workerConnection = await NativeConnection.connect(connectionOptions(target));
  const workers = await startColisWorkers({
    connection: workerConnection,
    namespace: target.namespace,
    db,
    carriers,
    queueSelection: env.COLIS_WORKER_QUEUES,
    notify: { webhookUrl: env.COLIS_ESCALATION_WEBHOOK_URL },
  });
  stops.push({ name: 'workers', stop: () => workers.shutdown().then(() => workerConnection.close()) });
  workers.done.catch((error: unknown) => {
    logLine('worker', `a worker stopped with an error: ${(error as Error).message}`);
    void shutdown('worker failure');
  });

  const api = await startApi({ db, temporalClient: client, port: port('COLIS_API_PORT', 3000) });
  stops.push({ name: 'API', stop: () => api.close() });

  if (carriers.simulator) {
    stops.push({ name: 'webhook dispatcher', stop: workers.pushWebhooksTo(env.COLIS_WEBHOOK_TARGET_URL ?? api.url) });
  }

  const keys = env.COLIS_API_KEYS
    ? '(from COLIS_API_KEYS)'
    : DEV_API_KEYS.filter((k) => k.role !== 'carrier')
        .map((k) => `${k.role}: ${k.key}`)
        .join(', ');
  const lines = [
    '',
    'Colis is running',
    `  API            ${api.url}   (docs ${api.url}/docs, OpenAPI ${api.url}/openapi.json)`,
    `  Temporal UI    ${uiUrl}/namespaces/${target.namespace}/workflows`,
    `  Temporal       ${target.address} namespace ${target.namespace}${devServer ? ' (dev server, .data/temporal/temporal.db)' : ''}`,
    `  PostgreSQL     ${postgres.embedded ? 'embedded, .data/postgres' : 'DATABASE_URL'}`,
    `  time scale     ${timeScale} business seconds per second (COLIS_TIME_SCALE)`,
    `  API keys       ${keys}`,
    '  demo orders    npm run demo   (in another terminal)',
    '  stop           Ctrl-C',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
