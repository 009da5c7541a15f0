import { exitWithError, loadConfigOrExit } from '../config/process';

/**
 * A worker process on its own, for deployments that run workers apart from the API (and for the
 * drills in bench/, which kill it with -9). Configured by the environment (config/variables.ts):
 * DATABASE_URL, TEMPORAL_*, COLIS_WORKER_QUEUES, COLIS_TIME_SCALE, COLIS_SIMULATOR_STATE_FILE,
 * COLIS_WEBHOOK_TARGET_URL (where the simulator pushes webhooks; none when unset), COLIS_MAX_CACHED_WORKFLOWS,
 * and for the notify queue COLIS_SMTP_URL, COLIS_MAIL_FROM, COLIS_PUBLIC_URL, COLIS_SHOP_WEBHOOK_URL/_SECRET.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 'colis worker');
  // Loaded once the configuration is accepted: the Temporal worker, Prisma and the activities take seconds to load,
  // which a refused configuration does not wait for.
  const { runWorkerProcess } = await import('./worker-process');
  await runWorkerProcess(config);
}

main().catch((error: unknown) => exitWithError('colis worker', error));
