import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { WorkerLogger } from '../worker/logger';
import { closeAllDbs, type Db, getDb } from '../activities/db';
import { loadBusinessClock } from '../activities/business-clock';
import { type NotifyConfig, notifyConfigFrom } from '../activities/notifications/config';
import { syncEnvSubscription, wakeRelaysWithWork } from '../activities/notifications/startup';
import type { Config } from '../config';
import { startupStep } from '../config/process';
import { applyMigrations } from '../prisma/migrate';
import { seed } from '../prisma/seed';
import { registerSearchAttributes } from '../worker/search-attributes';
import { colisDataConverter, payloadSealing } from '../worker/data-converter';
import { connectionOptions, namespaceExists, type TemporalTarget } from '../worker/temporal-config';
import { type Carriers, carriersFromConfig, warehousesWithoutShipFrom } from '../carriers/wiring';
import { type ColisWorkers, startColisWorkers, workerOptionsFromConfig } from '../worker/wiring';
import type { InstanceLock } from './lib/instance-lock';
import type { Lifecycle, SupervisedPart } from './lib/lifecycle';
import { logLine } from './lib/log';
import type { RunningMailCatcher } from './maildev';
import { type RunningPostgres, startAfterCrash, startPostgres } from './postgres';
import { describe, type ResolvedTool } from './provision-temporal';
import { startTemporalDevServer } from './temporal-dev-server';

/**
 * The parts `npm start` runs, started in this order by run() (start.ts). Each records with the lifecycle how it stops
 * (and, for a server that can crash, how it starts again), then ends at a checkpoint: a Ctrl-C during its step stops the
 * start-up there.
 */

export interface Configured {
  config: Config;
  dataDir: string;
  target: TemporalTarget;
}

export interface Plan extends Configured {
  cli: ResolvedTool | undefined;
}

/** The embedded PostgreSQL again after a crash, on the same cluster (it recovers from its write-ahead log). */
async function restartedPostgres(options: Parameters<typeof startPostgres>[0]): Promise<SupervisedPart> {
  const postgres = await startAfterCrash(() => startPostgres(options));
  if (!postgres.ended) throw new Error('PostgreSQL is not embedded');
  return { stop: postgres.stop, ended: postgres.ended };
}

/** PostgreSQL (embedded, supervised, or DATABASE_URL), migrated and seeded, and the pool the workers and the API share. */
export async function startDatabase(plan: Plan, life: Lifecycle, lock: InstanceLock): Promise<{ postgres: RunningPostgres; db: Db }> {
  const { config, dataDir: dir } = plan;
  const postgresOptions = {
    externalUrl: config.DATABASE_URL,
    dataDir: join(dir, 'postgres'),
    port: config.COLIS_PG_PORT,
    database: 'colis',
    logFile: join(dir, 'logs', 'postgres.log'),
    ownProcessGroup: true,
  };
  const postgres = await startPostgres(postgresOptions);
  if (postgres.embedded && postgres.ended) {
    // Started again on the same cluster after a crash: PostgreSQL recovers from its write-ahead log.
    life.supervise('PostgreSQL', { stop: postgres.stop, ended: postgres.ended }, () => restartedPostgres(postgresOptions));
    lock.update({ PostgreSQL: `127.0.0.1:${config.COLIS_PG_PORT}` });
  }
  logLine(
    'postgres',
    postgres.embedded ? `embedded PostgreSQL on 127.0.0.1:${config.COLIS_PG_PORT}, cluster in ${postgres.dataDir}` : 'using DATABASE_URL',
  );
  life.checkpoint();
  const migrations = postgres.embedded
    ? await applyMigrations(postgres.url)
    : await startupStep('cannot reach PostgreSQL at DATABASE_URL', () => applyMigrations(postgres.url));
  logLine('postgres', `migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already applied`);
  const db = getDb(postgres.url, config.COLIS_DB_POOL);
  life.started('database pool', () => closeAllDbs());
  // The deployment's clock first: the seed dates its expected restocks in business days.
  const seeded = await seed(db, await loadBusinessClock(db, config.COLIS_TIME_SCALE));
  logLine(
    'postgres',
    `seed: ${seeded.warehouses} warehouses, ${seeded.skus} SKUs, ${seeded.carriers} carriers, ${seeded.stockLevelsCreated} stock levels created`,
  );
  life.checkpoint();
  return { postgres, db };
}

/** MailDev unless COLIS_SMTP_URL names a relay, and the shop webhook COLIS_SHOP_WEBHOOK_URL configures. */
export async function startCustomerNotifications(
  plan: Plan,
  life: Lifecycle,
  db: Db,
): Promise<{ mailCatcher: RunningMailCatcher | undefined; customerNotify: NotifyConfig }> {
  const { config, dataDir: dir } = plan;
  let mailCatcher: RunningMailCatcher | undefined;
  if (!config.COLIS_SMTP_URL) {
    // Loaded only when it runs: MailDev's web stack is heavy, and a refused start should stay instant.
    const { startMailCatcher } = await import('./maildev');
    const catcher = await startMailCatcher({
      smtpPort: config.COLIS_MAILDEV_SMTP_PORT,
      webPort: config.COLIS_MAILDEV_WEB_PORT,
      mailDirectory: join(dir, 'maildev'),
    });
    mailCatcher = catcher;
    life.started('MailDev', () => catcher.stop());
    logLine('mail', `MailDev catching customer mails on ${catcher.smtpUrl}, inbox ${catcher.webUrl}`);
  }
  const customerNotify = notifyConfigFrom({ ...config, COLIS_SMTP_URL: config.COLIS_SMTP_URL ?? mailCatcher?.smtpUrl });
  await syncEnvSubscription(db, customerNotify);
  life.checkpoint();
  return { mailCatcher, customerNotify };
}

/** The embedded Temporal dev server when there is a CLI for it (supervised); answers the Web UI's address. */
export async function startTemporal(plan: Plan, life: Lifecycle, lock: InstanceLock): Promise<string> {
  const { config, target, cli, dataDir: dir } = plan;
  let uiUrl = config.COLIS_TEMPORAL_UI_URL ?? 'https://cloud.temporal.io';
  if (cli) {
    logLine('temporal', describe(cli, 'Temporal CLI'));
    const devServerOptions = {
      cliPath: cli.path,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: join(dir, 'temporal', 'temporal.db'),
      namespace: target.namespace,
      logFile: join(dir, 'logs', 'temporal.log'),
      ownProcessGroup: true,
      // Same host name as the Web UI (localhost): the codec session cookie is then same-site and reaches /codec.
      uiCodecEndpoint: `http://localhost:${config.COLIS_API_PORT}/codec`,
    };
    const devServer = await startTemporalDevServer(devServerOptions);
    // Started again on the same SQLite file after a crash: the workers' and the API's connections reconnect.
    life.supervise('Temporal dev server', devServer, () => startTemporalDevServer(devServerOptions));
    uiUrl = config.COLIS_TEMPORAL_UI_URL ?? devServer.uiUrl ?? uiUrl;
    lock.update({ Temporal: target.address, 'Temporal UI': uiUrl });
  }
  life.checkpoint();
  return uiUrl;
}

/** The API's Temporal client, once its namespace is known to exist and the search attributes are registered. */
export async function connectTemporal(
  { config, target }: Plan,
  life: Lifecycle,
): Promise<{ client: Client; dataConverter: DataConverter }> {
  // shutdownSignals: [] — this script owns Ctrl-C and stops services in order; the SDK's own handler would re-raise the signal midway.
  // The workers' own metrics (task latencies, slots, polls) in Prometheus format; GET /metrics on the API appends them.
  Runtime.install({
    logger: new WorkerLogger(config.COLIS_WORKER_LOG_LEVEL),
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress: config.COLIS_TEMPORAL_METRICS_ADDRESS } } },
  });
  const clientConnection = await Connection.connect(connectionOptions(target));
  life.started('Temporal client', () => clientConnection.close());
  // Another cluster's namespace that does not exist would accept nothing: said at once, naming TEMPORAL_NAMESPACE.
  await namespaceExists(clientConnection.workflowService, target);
  await registerSearchAttributes(clientConnection, target.namespace, (m) => logLine('temporal', m));
  // Payloads are encrypted before they leave this process: the same data converter for the client and the workers.
  const dataConverter = colisDataConverter(payloadSealing(config));
  const client = new Client({ connection: clientConnection, namespace: target.namespace, dataConverter });
  life.checkpoint();
  return { client, dataConverter };
}

/** The carriers (simulated or ShipEngine) and every task queue's workers, on their own connection. */
export async function startWorkers(
  plan: Plan,
  life: Lifecycle,
  { db, dataConverter, customerNotify }: { db: Db; dataConverter: DataConverter; customerNotify: NotifyConfig },
): Promise<{ carriers: Carriers; workers: ColisWorkers }> {
  const { config, target, dataDir: dir } = plan;
  const carriers = await carriersFromConfig(config, db, { stateFile: join(dir, 'carrier-simulator.json') });
  life.started('carrier simulator', async () => carriers.close());
  const unshippable = await warehousesWithoutShipFrom(config, db);
  if (unshippable.length > 0)
    logLine(
      'carriers',
      `warehouses ${unshippable.join(', ')} have no ShipEngine warehouse in COLIS_SHIPENGINE_WAREHOUSES: their parcels get no carrier`,
    );
  const workerConnection = await NativeConnection.connect(connectionOptions(target));
  life.started('worker connection', () => workerConnection.close());
  const workerClient = new Client({ connection: workerConnection, namespace: target.namespace, dataConverter });
  const workerOptions = workerOptionsFromConfig(config, {
    connection: workerConnection,
    namespace: target.namespace,
    db,
    carriers,
    dataConverter,
    client: workerClient,
    customerNotify,
  });
  const workers = await startColisWorkers(workerOptions);
  life.started('workers', () => workers.shutdown());
  if (workers.queues.notify) await wakeRelaysWithWork(db, workerOptions.waker);
  life.watch(
    'a worker',
    workers.done.then(
      () => 'all workers stopped',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    ),
  );
  life.checkpoint();
  return { carriers, workers };
}
