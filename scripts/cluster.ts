import { join } from 'node:path';
import { exitWithError, loadConfigOrExit } from '../config/process';
import { logLine } from './lib/log';
import { dataDir, toolsDir } from './lib/paths';
import { type RunningCluster, startTemporalCluster } from './cluster/temporal-cluster';

/**
 * `npm run cluster`: a self-hosted multi-service Temporal cluster on PostgreSQL (persistence and
 * visibility), in `$COLIS_DATA_DIR/cluster`, with Colis's namespace and search attributes; Ctrl-C
 * stops it, the next start resumes the same data. Point Colis's processes at it with the printed
 * TEMPORAL_ADDRESS (see the README's "Running on a Temporal cluster"). Not part of `npm test`.
 */

const FRONTEND_PORT = 7333;
const POSTGRES_PORT = 5434;

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 'npm run cluster');
  const namespace = config.TEMPORAL_NAMESPACE ?? 'default';
  let cluster: RunningCluster | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 60_000).unref();
    await cluster?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  cluster = await startTemporalCluster({
    dir: join(dataDir(config), 'cluster'),
    toolsDir: toolsDir(config),
    pgPort: POSTGRES_PORT,
    basePort: FRONTEND_PORT,
    namespace,
  });
  for (const [service, child] of cluster.services) {
    child.once('exit', (code) => {
      if (!stopping) logLine('cluster', `temporal-server ${service} exited with ${code}; see ${cluster?.logDir}/${service}.log`);
    });
  }
  process.stdout.write(
    [
      '',
      'Temporal cluster running (frontend, history, matching, worker; PostgreSQL persistence and visibility)',
      `  TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${namespace}`,
      `  PostgreSQL (Temporal's): 127.0.0.1:${POSTGRES_PORT}, data in ${join(dataDir(config), 'cluster', 'postgres')}`,
      `  logs: ${cluster.logDir}`,
      '  stop: Ctrl-C',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => exitWithError('npm run cluster', error));
