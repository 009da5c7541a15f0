import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { WorkerLogger } from '../worker/logger';
import { closeAllDbs, getDb } from '../activities/db';
import { notifyConfigFrom } from '../activities/notifications/config';
import { syncEnvSubscription, wakeRelaysWithWork } from '../activities/notifications/startup';
import { DEV_API_KEYS } from '../api/config';
import { startApi } from '../api/server';
import type { Config } from '../config';
import { exitWithError, firstLine, loadConfigOrExit, StartupFailure, startupStep } from '../config/process';
import { applyMigrations } from '../prisma/migrate';
import { seed } from '../prisma/seed';
import { WAREHOUSE_CODES } from '../prisma/seed-data/warehouses';
import { registerSearchAttributes } from '../worker/search-attributes';
import { colisDataConverter, payloadSealing } from '../worker/data-converter';
import { connectionOptions, describeTarget, namespaceExists, type TemporalTarget, temporalTarget } from '../worker/temporal-config';
import { carriersFromConfig, warehousesWithoutShipFrom } from '../carriers/wiring';
import { startColisWorkers, workerOptionsFromConfig } from '../worker/wiring';
import { selectQueues } from '../worker/workers';
import { acquireInstanceLock, type InstanceLock, InstanceRunning } from './lib/instance-lock';
import { Lifecycle, StartInterrupted, type SupervisedPart } from './lib/lifecycle';
import { logLine } from './lib/log';
import type { RunningMailCatcher } from './maildev';
import { dataDir } from './lib/paths';
import { listenProblem, portClash, type WantedPort } from './lib/ports';
import { startAfterCrash, startPostgres, stopLeftoverPostgres } from './postgres';
import { describe, type ResolvedTool, resolveTemporalCli } from './provision-temporal';
import { startTemporalDevServer, stopLeftoverDevServer } from './temporal-dev-server';

/**
 * `npm start`: the whole product on its embedded defaults, in one terminal.
 *   PostgreSQL   embedded under $COLIS_DATA_DIR/postgres (or DATABASE_URL), migrated and seeded
 *   Temporal     dev server with Web UI, persisted to $COLIS_DATA_DIR/temporal/temporal.db (or TEMPORAL_ADDRESS)
 *   workers      every task queue (orders, carriers, one per warehouse)
 *   carriers     the simulator, pushing signed tracking webhooks to the API
 *   mail         MailDev (SMTP + web inbox) catching customer mails, unless COLIS_SMTP_URL names a relay
 *   API          Fastify on :3000 with /docs
 * One instance per data directory (a second start refuses, naming the first). A part that fails to
 * start, or dies while running, stops the instance; Ctrl-C stops what this instance started, in reverse.
 */

/** Exit code of a start refused because another instance runs on the data directory. */
const ALREADY_RUNNING_EXIT_CODE = 3;

interface Configured {
  config: Config;
  dataDir: string;
  target: TemporalTarget;
}

interface Plan extends Configured {
  cli: ResolvedTool | undefined;
}

/** Everything in the configuration that can be refused, checked before anything starts. */
function configure(): Configured {
  // Business seconds per real second for new orders and the simulator: a demo day lasts a minute.
  const env = { ...process.env };
  if (!env.COLIS_TIME_SCALE?.trim()) env.COLIS_TIME_SCALE = '1440';
  const config = loadConfigOrExit(env, 'npm start');
  const target = temporalTarget(config, `127.0.0.1:${config.TEMPORAL_PORT}`);
  if (!config.DATABASE_URL) selectQueues(config.COLIS_WORKER_QUEUES, WAREHOUSE_CODES);
  return { config, dataDir: dataDir(config), target };
}

/**
 * The Temporal CLI, found or installed (pip, go: minutes, over the network). Looked for only once this start holds
 * the data directory, so a second start refuses at once instead of provisioning first; the lock goes if it fails.
 */
function withTools(configured: Configured, lock: InstanceLock): Plan {
  try {
    return { ...configured, cli: configured.target.embedded ? resolveTemporalCli(configured.config) : undefined };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The ports this instance will listen on must be free and distinct: a port in use or named twice is named with its variables, before anything starts. */
async function checkPorts({ config, target }: Plan): Promise<void> {
  const wanted: WantedPort[] = [];
  const want = (variable: string, port: number, host = '127.0.0.1', hostVariable?: string) =>
    wanted.push({ variable, port, host, ...(hostVariable ? { hostVariable } : {}) });
  if (!config.DATABASE_URL) want('COLIS_PG_PORT', config.COLIS_PG_PORT);
  if (target.embedded) {
    want('TEMPORAL_PORT', config.TEMPORAL_PORT);
    want('TEMPORAL_UI_PORT', config.TEMPORAL_UI_PORT);
  }
  if (config.COLIS_API_PORT !== 0) want('COLIS_API_PORT', config.COLIS_API_PORT, config.COLIS_API_HOST, 'COLIS_API_HOST');
  if (!config.COLIS_SMTP_URL) {
    want('COLIS_MAILDEV_SMTP_PORT', config.COLIS_MAILDEV_SMTP_PORT);
    want('COLIS_MAILDEV_WEB_PORT', config.COLIS_MAILDEV_WEB_PORT);
  }
  const metrics = config.COLIS_TEMPORAL_METRICS_ADDRESS;
  want('COLIS_TEMPORAL_METRICS_ADDRESS', Number(metrics.slice(metrics.lastIndexOf(':') + 1)), metrics.slice(0, metrics.lastIndexOf(':')));
  const clash = portClash(wanted);
  if (clash) throw new Error(clash);
  for (const { variable, port, host, hostVariable } of wanted) {
    const problem = await listenProblem(port, host);
    if (problem === 'in use') {
      throw new Error(
        `port ${port} on ${host} (${variable}) is already in use by another program; stop it or set ${variable} to a free port`,
      );
    }
    if (problem !== undefined) {
      const named = hostVariable ? `${hostVariable}, ${variable}` : variable;
      throw new Error(
        `cannot listen on ${host} port ${port} (${named}): ${problem}; set ${hostVariable ?? variable} to an address of this machine`,
      );
    }
  }
}

/** The embedded PostgreSQL again after a crash, on the same cluster (it recovers from its write-ahead log). */
async function restartedPostgres(options: Parameters<typeof startPostgres>[0]): Promise<SupervisedPart> {
  const postgres = await startAfterCrash(() => startPostgres(options));
  if (!postgres.ended) throw new Error('PostgreSQL is not embedded');
  return { stop: postgres.stop, ended: postgres.ended };
}

async function run(plan: Plan, life: Lifecycle, lock: InstanceLock): Promise<void> {
  const { config, target, cli } = plan;
  const dir = plan.dataDir;
  const timeScale = config.COLIS_TIME_SCALE;
  // Leftovers of an earlier run of this data directory that ended without stopping them (proved ours first).
  if (!config.DATABASE_URL) await stopLeftoverPostgres(join(dir, 'postgres'), (m) => logLine('postgres', m));
  if (cli) await stopLeftoverDevServer(join(dir, 'temporal', 'temporal.db'));
  await checkPorts(plan);

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
  const seeded = await seed(db);
  logLine(
    'postgres',
    `seed: ${seeded.warehouses} warehouses, ${seeded.skus} SKUs, ${seeded.carriers} carriers, ${seeded.stockLevelsCreated} stock levels created`,
  );
  life.checkpoint();

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

  const api = await startApi({ config, db, temporalClient: client, apiConfig: { temporalUiUrl: uiUrl } });
  life.started('API', () => api.close());
  lock.update({ API: api.url });
  if (carriers.simulator) life.started('webhook pushes', workers.pushWebhooksTo(config.COLIS_WEBHOOK_TARGET_URL ?? api.url));
  life.nowRunning();

  const keys = config.COLIS_API_KEYS
    ? '(from COLIS_API_KEYS)'
    : DEV_API_KEYS.filter((k) => k.role !== 'carrier')
        .map((k) => `${k.role}: ${k.key}`)
        .join(', ');
  const apiPort = new URL(api.url).port;
  const lines = [
    '',
    `Colis is running (pid ${process.pid})`,
    `  API            ${api.url}   (docs ${api.url}/docs, OpenAPI ${api.url}/openapi.json)`,
    `  ops pages      ${api.url}/ops   (escalations, webhooks, returns, claims; enter the ops key in the header)`,
    `  Temporal UI    ${uiUrl}/namespaces/${target.namespace}/workflows`,
    `  decrypted UI   enter the ops key at http://localhost:${apiPort}/ops, then tick "Include cross-origin credentials"`,
    `                 in the Web UI's codec settings (endpoint http://localhost:${apiPort}/codec)`,
    `  Temporal       ${describeTarget(target)}${cli ? ` (dev server, ${join(dir, 'temporal', 'temporal.db')})` : ''}`,
    `  PostgreSQL     ${postgres.embedded ? `embedded, 127.0.0.1:${config.COLIS_PG_PORT}, ${postgres.dataDir}` : 'DATABASE_URL'}`,
    `  mail inbox     ${mailCatcher ? `${mailCatcher.webUrl}   (MailDev; SMTP ${mailCatcher.smtpUrl})` : 'COLIS_SMTP_URL (your relay)'}`,
    `  shop webhooks  ${customerNotify.envSubscription ? customerNotify.envSubscription.url : 'none (COLIS_SHOP_WEBHOOK_URL, or POST /webhooks/subscriptions)'}`,
    `  time scale     ${timeScale} business seconds per second (COLIS_TIME_SCALE)`,
    `  API keys       ${keys}`,
    '  demo orders    npm run demo   (in another terminal)',
    '  stop           Ctrl-C',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const configured = configure();
  let lock: InstanceLock;
  try {
    lock = acquireInstanceLock(configured.dataDir);
  } catch (error) {
    if (!(error instanceof InstanceRunning)) {
      // The folder itself is refused (a file, a read-only or virtual filesystem): the operator's one line, nothing started.
      throw new StartupFailure(`cannot use COLIS_DATA_DIR (${configured.dataDir}): ${firstLine(error)}`);
    }
    process.stderr.write(`npm start: ${error.message}\n`);
    process.exit(ALREADY_RUNNING_EXIT_CODE);
  }
  const startPlan = withTools(configured, lock);
  const life = new Lifecycle((code) => {
    lock.release();
    process.exit(code);
  });
  // Only add listeners, never remove others'. Run through tsx's launcher (`tsx scripts/start.ts`) rather than
  // `node --import tsx` (npm start), Ctrl-C reaches the launcher too, which kills this process unless it hears
  // back within 30 ms: a busy machine loses that race (scripts/bootstrap.mjs).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => life.signal(signal));
  try {
    await run(startPlan, life, lock);
  } catch (error) {
    if (error instanceof StartInterrupted) await life.shutdown(error.message, 0);
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`npm start: failed to start: ${reason.split('\n')[0]}\n`);
    await life.shutdown('start-up failed', 1);
  }
}

main().catch((error: unknown) => exitWithError('npm start', error));
