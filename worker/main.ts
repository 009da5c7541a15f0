import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { closeAllDbs, getDb } from '../activities/db';
import { connectionOptions, temporalTargetFromEnv } from './temporal-config';
import { buildCarriers, startColisWorkers } from './wiring';

/**
 * A worker process on its own, for deployments that run workers apart from the API (and for the
 * drills in bench/, which kill it with -9). Reads only the environment:
 *   DATABASE_URL, TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (+ TLS variables, see temporal-config.ts)
 *   COLIS_WORKER_QUEUES          which queues to serve (all by default)
 *   COLIS_TIME_SCALE             business seconds per real second (simulator)
 *   COLIS_SIMULATOR_STATE_FILE   the simulated carriers' durable state, so labels survive a restart
 *   COLIS_WEBHOOK_TARGET_URL     where the simulator pushes tracking webhooks (the API); none when unset
 *   COLIS_MAX_CACHED_WORKFLOWS   sticky cache size of the orders worker
 */

const env = process.env;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger((env.COLIS_WORKER_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN'), shutdownSignals: [] });
  const target = temporalTargetFromEnv(env);
  const db = getDb();
  const timeScale = Number(env.COLIS_TIME_SCALE ?? 1);
  const carriers = buildCarriers({ env, timeScale });
  const connection = await NativeConnection.connect(connectionOptions(target));
  const maxCached = env.COLIS_MAX_CACHED_WORKFLOWS ? Number(env.COLIS_MAX_CACHED_WORKFLOWS) : undefined;
  const workers = await startColisWorkers({
    connection,
    namespace: target.namespace,
    db,
    carriers,
    queueSelection: env.COLIS_WORKER_QUEUES,
    notify: { webhookUrl: env.COLIS_ESCALATION_WEBHOOK_URL },
    ...(maxCached !== undefined ? { maxCachedWorkflows: maxCached } : {}),
    ...(env.COLIS_WEBHOOK_TARGET_URL ? { webhookTargetUrl: env.COLIS_WEBHOOK_TARGET_URL } : {}),
  });
  const queues = workers.queues;

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 30_000).unref();
    await workers.shutdown();
    carriers.close();
    await connection.close();
    await closeAllDbs();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  workers.done.catch((error: unknown) => {
    console.error(`a worker stopped with an error: ${error instanceof Error ? error.message : String(error)}`);
    void stop(1);
  });
  process.stdout.write(`colis worker ready pid=${process.pid} queues=${JSON.stringify(queues)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
