import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../../prisma/migrate';
import { seed } from '../../prisma/seed';
import { createDb } from '../../activities/db';
import { loadConfig } from '../../config';
import { dataDir } from '../../scripts/lib/paths';
import { startMailCatcher } from '../../scripts/maildev';
import { removeCluster, startEmbeddedPostgres } from '../../scripts/postgres';
import { describe, resolveTemporalCli, resolveTestServer } from '../../scripts/provision-temporal';
import { startTemporalDevServer } from '../../scripts/temporal-dev-server';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { CONNECTION_NAMESPACE, DEV_JOURNEY_NAMESPACES } from './namespaces';
import { onAFreePort } from './free-port';
import { freePort } from '../../scripts/lib/ports';

/**
 * Starts the real services the suite runs on, once per `npm test`:
 *   - an embedded PostgreSQL 18 with a migrated, seeded template database (each test file
 *     clones it: CREATE DATABASE … TEMPLATE, so files never see each other's rows);
 *   - a Temporal dev server (integration tests) with the search attributes registered;
 *   - the time-skipping test server binary path (workflow test files start their own);
 *   - a MailDev (real SMTP server with a REST API): tests send customer mails to it and read them back.
 * Everything is torn down at the end, and leftovers of a crashed run are removed first.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    temporalTestServerPath: string;
    temporalCliPath: string;
    temporalDevAddress: string;
    smtpUrl: string;
    mailApiUrl: string;
  }
}

const TEMPLATE_DATABASE = 'colis_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig(process.env);
  const cli = resolveTemporalCli(config);
  const testServer = resolveTestServer(config);
  console.log(describe(cli, 'Temporal CLI'));
  console.log(describe(testServer, 'Temporal test server'));

  const runsDir = join(dataDir(config), 'test-runs');
  removeDeadRuns(runsDir);
  const runDir = join(runsDir, `run-${process.pid}`);
  mkdirSync(runDir, { recursive: true });

  const pgPort = await freePort();
  const postgres = await startEmbeddedPostgres({
    dataDir: join(runDir, 'postgres'),
    port: pgPort,
    database: TEMPLATE_DATABASE,
    quiet: true,
  });
  await applyMigrations(postgres.url);
  const db = createDb(postgres.url, 2);
  await seed(db);
  // A template database must have no open connections when it is cloned.
  await db.$disconnect();

  const temporal = await onAFreePort((port) =>
    startTemporalDevServer({
      cliPath: cli.path,
      port,
      namespace: 'default',
      // `journey…`: end-to-end tests run real workers there, away from the API tests' workflows in `default`.
      extraNamespaces: [...DEV_JOURNEY_NAMESPACES, CONNECTION_NAMESPACE],
      logFile: join(runDir, 'temporal-dev-server.log'),
    }),
  );
  const connection = await Connection.connect({ address: temporal.address });
  await registerSearchAttributes(connection, 'default', (m) => console.log(m));
  for (const namespace of DEV_JOURNEY_NAMESPACES) await registerSearchAttributes(connection, namespace, (m) => console.log(m));
  // Not CONNECTION_NAMESPACE: its test proves the API and worker processes register them themselves.
  await connection.close();

  const mail = await startMailCatcher({ smtpPort: await freePort(), webPort: await freePort(), mailDirectory: join(runDir, 'maildev') });

  project.provide('postgresAdminUrl', postgres.url.replace(/\/[^/]+$/, '/postgres'));
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('temporalTestServerPath', testServer.path);
  project.provide('temporalCliPath', cli.path);
  project.provide('temporalDevAddress', temporal.address);
  project.provide('smtpUrl', mail.smtpUrl);
  project.provide('mailApiUrl', mail.apiUrl);

  return async () => {
    await mail.stop();
    await temporal.stop();
    await postgres.stop();
    rmSync(runDir, { recursive: true, force: true });
    // As root, with the /var/tmp home the cluster was kept in (the postgres user cannot enter the run's folder).
    if (postgres.dataDir) removeCluster(postgres.dataDir);
  };
}

function removeDeadRuns(runsDir: string): void {
  if (!existsSync(runsDir)) return;
  for (const name of readdirSync(runsDir)) {
    const pid = Number(name.replace('run-', ''));
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    rmSync(join(runsDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
