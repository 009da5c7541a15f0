import { NativeConnection, Runtime } from '@temporalio/worker';
import { WorkerLogger } from './logger';
import { Client } from '@temporalio/client';
import { closeAllDbs, getDb } from '../activities/db';
import { databaseReady } from '../activities/db-ready';
import { notifyConfigFrom } from '../activities/notifications/config';
import { syncEnvSubscription, wakeRelaysWithWork } from '../activities/notifications/startup';
import { type Config, requireDatabaseUrl } from '../config';
import { startupStep } from '../config/process';
import { colisDataConverter, payloadSealing } from './data-converter';
import { registerSearchAttributes } from './search-attributes';
import { connectionOptions, describeTarget, namespaceExists, temporalTarget } from './temporal-config';
import { carriersFromConfig, warehousesWithoutShipFrom } from '../carriers/wiring';
import { missingWorkerSettings } from './node-flags';
import { startColisWorkers, workerOptionsFromConfig } from './wiring';

/**
 * A worker process on its own, for deployments that run workers apart from the API (and for the
 * drills in bench/, which kill it with -9). Configured by the environment (config/variables.ts):
 * DATABASE_URL, TEMPORAL_*, COLIS_WORKER_QUEUES, COLIS_TIME_SCALE, COLIS_SIMULATOR_STATE_FILE,
 * COLIS_WEBHOOK_TARGET_URL (where the simulator pushes webhooks; none when unset), COLIS_MAX_CACHED_WORKFLOWS,
 * and for the notify queue COLIS_SMTP_URL, COLIS_MAIL_FROM, COLIS_PUBLIC_URL, COLIS_SHOP_WEBHOOK_URL/_SECRET.
 */

export async function runWorkerProcess(config: Config): Promise<void> {
  const target = temporalTarget(config);
  const databaseUrl = requireDatabaseUrl(config);
  Runtime.install({ logger: new WorkerLogger(config.COLIS_WORKER_LOG_LEVEL), shutdownSignals: [] });
  const db = getDb(databaseUrl, config.COLIS_DB_POOL);
  const carriers = await carriersFromConfig(config, db);
  const connection = await startupStep(`cannot reach Temporal at ${describeTarget(target)} (TEMPORAL_ADDRESS)`, () =>
    NativeConnection.connect(connectionOptions(target)),
  );
  await namespaceExists(connection.workflowService, target);
  // The workflows upsert Colis's search attributes: a namespace lacking one would fail their tasks.
  await registerSearchAttributes(connection, target.namespace, (m) => process.stderr.write(`colis worker: ${m}\n`));
  await startupStep('cannot use PostgreSQL at DATABASE_URL', () => databaseReady(db));
  const customerNotify = notifyConfigFrom(config);
  await syncEnvSubscription(db, customerNotify);
  const dataConverter = colisDataConverter(payloadSealing(config));
  const client = new Client({ connection, namespace: target.namespace, dataConverter });
  const options = workerOptionsFromConfig(config, {
    connection,
    namespace: target.namespace,
    db,
    carriers,
    dataConverter,
    client,
    customerNotify,
  });
  const workers = await startColisWorkers({
    ...options,
    ...(config.COLIS_WEBHOOK_TARGET_URL ? { webhookTargetUrl: config.COLIS_WEBHOOK_TARGET_URL } : {}),
  });
  const queues = workers.queues;
  if (queues.notify) await wakeRelaysWithWork(db, options.waker);

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
  process.stderr.write(`colis worker: Temporal ${describeTarget(target)}\n`);
  const unshippable = await warehousesWithoutShipFrom(config, db);
  if (unshippable.length > 0)
    process.stderr.write(
      `colis worker: warehouses ${unshippable.join(', ')} have no ShipEngine warehouse in COLIS_SHIPENGINE_WAREHOUSES: their parcels get no carrier\n`,
    );
  const missing = missingWorkerSettings(process.execArgv, process.env);
  if (missing.length > 0)
    process.stderr.write(`colis worker: started without ${missing.join(' ')}: more resident memory (README, "Scaling out")\n`);
  process.stdout.write(`colis worker ready pid=${process.pid} queues=${JSON.stringify(queues)}\n`);
}
