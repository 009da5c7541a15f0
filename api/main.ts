import { exitWithError, loadConfigOrExit } from '../config/process';

/**
 * The API as a process of its own (DATABASE_URL, TEMPORAL_ADDRESS, COLIS_API_PORT, COLIS_API_HOST
 * and the rest of config/variables.ts), for deployments and benchmarks that run it apart from workers.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 'colis api');
  // Loaded once the configuration is accepted: Fastify, Prisma and the Temporal client take seconds to load, which a
  // refused configuration does not wait for.
  const [{ startApi }, { closeAllDbs }] = await Promise.all([import('./server'), import('../activities/db')]);
  const api = await startApi({ config });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 15_000).unref();
    await api.close();
    await closeAllDbs();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.stdout.write(`colis api ready pid=${process.pid} url=${api.url}\n`);
}

main().catch((error: unknown) => exitWithError('colis api', error));
