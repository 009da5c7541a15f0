import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { closeAllDbs, getDb } from '../activities/db';
import { DEV_API_KEYS } from '../api/config';
import { startApi } from '../api/server';
import { applyMigrations } from '../prisma/migrate';
import { seed } from '../prisma/seed';
import { logLine } from './lib/log';
import { dataDir } from './lib/paths';
import { startPostgres } from './postgres';
import { describe, resolveTemporalCli } from './provision-temporal';
import { startTemporalDevServer, type RunningDevServer } from './temporal-dev-server';
import { registerSearchAttributes } from '../worker/search-attributes';
import { connectionOptions, temporalTarget } from '../worker/temporal-config';
import { buildCarriers, startColisWorkers } from '../worker/wiring';
import { selectQueues } from '../worker/workers';
import { exitWithError, loadConfigOrExit } from '../config/process';
import { WAREHOUSE_CODES } from '../prisma/seed-data/warehouses';

/**
 * `npm start`: the whole product on its embedded defaults, in one terminal.
 *   PostgreSQL   embedded under .data/postgres (or DATABASE_URL), migrated and seeded
 *   Temporal     dev server with Web UI, persisted to .data/temporal/temporal.db (or TEMPORAL_ADDRESS)
 *   workers      every task queue (orders, carriers, one per warehouse)
 *   carriers     the simulator, pushing signed tracking webhooks to the API
 *   API          Fastify on :3000 with /docs
 * Ctrl-C stops everything in reverse order; the next start resumes the same data and orders.
 */

async function main(): Promise<void> {
  // Business seconds per real second for new orders and the simulator: a demo day lasts a minute.
  const env = { ...process.env };
  if (!env.COLIS_TIME_SCALE?.trim()) env.COLIS_TIME_SCALE = '1440';
  // Everything that can be refused is checked before anything starts.
  const config = loadConfigOrExit(env, 'npm start');
  const target = temporalTarget(config, `127.0.0.1:${config.TEMPORAL_PORT}`);
  const cli = target.embedded ? resolveTemporalCli(config) : undefined;
  if (!config.DATABASE_URL) selectQueues(config.COLIS_WORKER_QUEUES, WAREHOUSE_CODES);
  const DATA_DIR = dataDir(config);
  const timeScale = config.COLIS_TIME_SCALE;

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

  const postgres = await startPostgres({
    externalUrl: config.DATABASE_URL,
    dataDir: join(DATA_DIR, 'postgres'),
    port: config.COLIS_PG_PORT,
    database: 'colis',
  });
  stops.push({ name: 'PostgreSQL', stop: () => postgres.stop() });
  logLine('postgres', postgres.embedded ? `embedded PostgreSQL on ${postgres.url.replace(/:[^:@/]+@/, ':***@')}` : 'using DATABASE_URL');
  const migrations = await applyMigrations(postgres.url);
  logLine('postgres', `migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already applied`);
  const db = getDb(postgres.url, config.COLIS_DB_POOL);
  stops.push({ name: 'database pool', stop: () => closeAllDbs() });
  const seeded = await seed(db);
  logLine(
    'postgres',
    `seed: ${seeded.warehouses} warehouses, ${seeded.skus} SKUs, ${seeded.carriers} carriers, ${seeded.stockLevelsCreated} stock levels created`,
  );

  let devServer: RunningDevServer | undefined;
  if (cli) {
    logLine('temporal', describe(cli, 'Temporal CLI'));
    devServer = await startTemporalDevServer({
      cliPath: cli.path,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: join(DATA_DIR, 'temporal', 'temporal.db'),
      namespace: target.namespace,
      logFile: join(DATA_DIR, 'logs', 'temporal.log'),
    });
    stops.push({ name: 'Temporal dev server', stop: () => devServer?.stop() ?? Promise.resolve() });
  }
  const uiUrl = config.COLIS_TEMPORAL_UI_URL ?? devServer?.uiUrl ?? 'https://cloud.temporal.io';

  // shutdownSignals: [] — this script owns Ctrl-C and stops services in order; the SDK's own handler would re-raise the signal midway.
  // The workers' own metrics (task latencies, slots, polls) in Prometheus format; GET /metrics on the API appends them.
  Runtime.install({
    logger: new DefaultLogger(config.COLIS_WORKER_LOG_LEVEL),
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress: config.COLIS_TEMPORAL_METRICS_ADDRESS } } },
  });
  const clientConnection = await Connection.connect(connectionOptions(target));
  stops.push({ name: 'Temporal client', stop: () => clientConnection.close() });
  await registerSearchAttributes(clientConnection, target.namespace, (m) => logLine('temporal', m));
  const client = new Client({ connection: clientConnection, namespace: target.namespace });

  const carriers = buildCarriers({
    timeScale,
    script: config.COLIS_SIMULATOR_SCRIPT,
    stateFile: config.COLIS_SIMULATOR_STATE_FILE ?? join(DATA_DIR, 'carrier-simulator.json'),
    secrets: config.carrierSecrets,
  });
  stops.push({ name: 'carrier simulator', stop: async () => carriers.close() });
  const workerConnection = await NativeConnection.connect(connectionOptions(target));
  const workers = await startColisWorkers({
    connection: workerConnection,
    namespace: target.namespace,
    db,
    carriers,
    queues: config.COLIS_WORKER_QUEUES,
    notify: { webhookUrl: config.COLIS_ESCALATION_WEBHOOK_URL },
    maxCachedWorkflows: config.COLIS_MAX_CACHED_WORKFLOWS,
  });
  stops.push({ name: 'workers', stop: () => workers.shutdown().then(() => workerConnection.close()) });
  workers.done.catch((error: unknown) => {
    logLine('worker', `a worker stopped with an error: ${(error as Error).message}`);
    void shutdown('worker failure');
  });

  const api = await startApi({ config, db, temporalClient: client, apiConfig: { temporalUiUrl: uiUrl } });
  stops.push({ name: 'API', stop: () => api.close() });

  if (carriers.simulator) {
    stops.push({ name: 'webhook dispatcher', stop: workers.pushWebhooksTo(config.COLIS_WEBHOOK_TARGET_URL ?? api.url) });
  }

  const keys = config.COLIS_API_KEYS
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

main().catch((error: unknown) => exitWithError('npm start', error));
