import { join } from 'node:path';
import { startApi } from '../api/server';
import { exitWithError, firstLine, loadConfigOrExit, StartupFailure } from '../config/process';
import { WAREHOUSE_CODES } from '../prisma/seed-data/warehouses';
import { temporalTarget } from '../worker/temporal-config';
import { selectQueues } from '../worker/workers';
import { acquireInstanceLock, type InstanceLock, InstanceRunning } from './lib/instance-lock';
import { Lifecycle, StartInterrupted } from './lib/lifecycle';
import { runningBanner } from './lib/banner';
import { logLine } from './lib/log';
import { dataDir } from './lib/paths';
import { listenProblem, portClash, type WantedPort } from './lib/ports';
import { stopLeftoverPostgres } from './postgres';
import { resolveTemporalCli } from './provision-temporal';
import {
  type Configured,
  connectTemporal,
  type Plan,
  startCustomerNotifications,
  startDatabase,
  startTemporal,
  startWorkers,
} from './start-parts';
import { stopLeftoverDevServer } from './temporal-dev-server';

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
  // `[::1]:9464` listens on ::1: the brackets are the address's notation, not part of the host.
  const metricsHost = metrics.slice(0, metrics.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  want('COLIS_TEMPORAL_METRICS_ADDRESS', Number(metrics.slice(metrics.lastIndexOf(':') + 1)), metricsHost);
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

async function run(plan: Plan, life: Lifecycle, lock: InstanceLock): Promise<void> {
  const { config, cli, dataDir: dir } = plan;
  // Leftovers of an earlier run of this data directory that ended without stopping them (proved ours first).
  if (!config.DATABASE_URL) await stopLeftoverPostgres(join(dir, 'postgres'), (m) => logLine('postgres', m));
  if (cli) await stopLeftoverDevServer(join(dir, 'temporal', 'temporal.db'), undefined, (m) => logLine('temporal', m));
  await checkPorts(plan);

  const { postgres, db } = await startDatabase(plan, life, lock);
  const { mailCatcher, customerNotify } = await startCustomerNotifications(plan, life, db);
  const uiUrl = await startTemporal(plan, life, lock);
  const { client, dataConverter } = await connectTemporal(plan, life);
  const { carriers, workers } = await startWorkers(plan, life, { db, dataConverter, customerNotify });

  const api = await startApi({ config, db, temporalClient: client, apiConfig: { temporalUiUrl: uiUrl } });
  life.started('API', () => api.close());
  lock.update({ API: api.url });
  if (carriers.simulator) life.started('webhook pushes', workers.pushWebhooksTo(config.COLIS_WEBHOOK_TARGET_URL ?? api.url));
  life.nowRunning();
  process.stdout.write(runningBanner({ plan, api, uiUrl, postgres, mailCatcher, customerNotify }));
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
