import { join } from 'node:path';
import { startApi } from '../api/server';
import { runningBanner } from './lib/banner';
import type { InstanceLock } from './lib/instance-lock';
import type { Lifecycle } from './lib/lifecycle';
import { logLine } from './lib/log';
import { listenProblem, portClash, type WantedPort } from './lib/ports';
import { stopLeftoverPostgres } from './postgres';
import { connectTemporal, type Plan, startCustomerNotifications, startDatabase, startTemporal, startWorkers } from './start-parts';
import { stopLeftoverDevServer } from './temporal-dev-server';

/**
 * What `npm start` runs once its configuration was accepted and it holds the data directory (scripts/start.ts): the
 * parts, in order. Loaded only then: its imports (the Temporal SDK, Prisma, Fastify) take seconds, which a refused
 * configuration never waits for.
 */

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

export async function run(plan: Plan, life: Lifecycle, lock: InstanceLock): Promise<void> {
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
