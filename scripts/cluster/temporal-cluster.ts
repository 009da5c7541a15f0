import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { msToTs } from '@temporalio/common/lib/time';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { searchAttributes } from '../../workflows/definitions';
import { logLine } from '../lib/log';
import { ensureDatabase, type RunningPostgres, startEmbeddedPostgres } from '../postgres';
import { stopChild } from '../temporal-dev-server';

/**
 * A self-hosted, multi-service Temporal cluster, the way an operator runs one: the Temporal server
 * built from the Go module proxy (the version of the dev server's, 1.32.0) with its SQL schema tool,
 * PostgreSQL persistence and PostgreSQL visibility (schemas from the module, applied by
 * temporal-sql-tool), and the four services (frontend, history, matching, worker) as separate
 * processes. Colis's namespace and search attributes are registered through the frontend.
 */

export const TEMPORAL_SERVER_VERSION = '1.32.0';
const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof SERVICES)[number];

export interface ClusterOptions {
  /** Where the cluster keeps its PostgreSQL data, configuration and logs. */
  dir: string;
  toolsDir: string;
  pgPort: number;
  /** gRPC ports: frontend, history, matching, worker = base, base+1, base+2, base+6 (membership: base-300 …). */
  basePort: number;
  namespace: string;
  log?: (line: string) => void;
}

export interface RunningCluster {
  address: string;
  namespace: string;
  postgres: RunningPostgres;
  services: Map<TemporalService, ChildProcess>;
  logDir: string;
  stop(): Promise<void>;
}

/** The server and the schema tool, built with `go install` into the tools folder once (~5 min). */
export function provisionTemporalServer(
  toolsDir: string,
  log: (line: string) => void,
): { server: string; sqlTool: string; schemaDir: string } {
  const bin = join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const server = join(bin, 'temporal-server');
  const sqlTool = join(bin, 'temporal-sql-tool');
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) throw new Error('the Temporal cluster is built from the Go module proxy: install Go ≥ 1.25 (go version failed)');
  if (!existsSync(server) || !existsSync(sqlTool)) {
    log(`building Temporal Server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool with go install (several minutes, once)`);
    mkdirSync(bin, { recursive: true });
    const built = spawnSync(
      'go',
      [
        'install',
        `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
        `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
      ],
      { env: { ...process.env, GOBIN: bin, GOFLAGS: '-buildvcs=false' }, stdio: 'inherit' },
    );
    if (built.status !== 0) throw new Error(`go install of Temporal Server ${TEMPORAL_SERVER_VERSION} failed`);
    renameSync(join(bin, 'server'), server);
    renameSync(join(bin, 'sql'), sqlTool);
  }
  // go install left the module, schemas included, in the module cache.
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const schemaDir = join(modCache, `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(schemaDir)) {
    execFileSync('go', ['mod', 'download', `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`], { stdio: 'inherit' });
  }
  return { server, sqlTool, schemaDir };
}

export async function startTemporalCluster(options: ClusterOptions): Promise<RunningCluster> {
  const log = options.log ?? ((line) => logLine('cluster', line));
  const { server, sqlTool, schemaDir } = provisionTemporalServer(options.toolsDir, log);
  mkdirSync(options.dir, { recursive: true, mode: 0o755 });
  const logDir = join(options.dir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const postgres = await startEmbeddedPostgres({
    dataDir: join(options.dir, 'postgres'),
    port: options.pgPort,
    database: 'temporal',
    quiet: true,
  });
  const url = new URL(postgres.url);
  await ensureDatabase(postgres.url.replace(/\/[^/]+$/, '/postgres'), 'temporal_visibility');
  const sql = (database: string, ...args: string[]) =>
    execFileSync(
      sqlTool,
      ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(options.pgPort), '-u', url.username, '--db', database, ...args],
      { env: { ...process.env, SQL_PASSWORD: decodeURIComponent(url.password) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  // setup-schema -v 0.0 is idempotent; update-schema applies only the versions not yet applied.
  for (const [database, schema] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    sql(database, 'setup-schema', '-v', '0.0');
    sql(database, 'update-schema', '-d', join(schemaDir, schema, 'versioned'));
  }
  log(`PostgreSQL schemas applied (persistence and visibility, ${TEMPORAL_SERVER_VERSION})`);

  const configFile = join(options.dir, 'temporal-server.yaml');
  const dynamicConfigFile = join(options.dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  writeFileSync(configFile, serverConfig(options, url, dynamicConfigFile));

  const services = new Map<TemporalService, ChildProcess>();
  const startService = (service: TemporalService) => {
    const out = createWriteStream(join(logDir, `${service}.log`), { flags: 'a' });
    const child = spawn(server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', service], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Two sources into one file: neither may end it for the other.
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    child.once('exit', () => out.end());
    services.set(service, child);
  };
  const stopAll = async () => {
    for (const service of [...SERVICES].reverse()) {
      const child = services.get(service);
      if (child) await stopChild(child, 10_000);
    }
    await postgres.stop();
  };

  const address = `127.0.0.1:${options.basePort}`;
  try {
    // On a fresh database every service would race to write the cluster's metadata row (one loses
    // and exits): the first one writes it, then the others start.
    startService('history');
    await waitForClusterMetadata(postgres.url, services, logDir);
    for (const service of SERVICES) if (service !== 'history') startService(service);
    const connection = await waitForFrontend(address, services, logDir);
    try {
      await ensureNamespace(connection, options.namespace);
      await ensureSearchAttributes(connection, options.namespace, log);
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  log(`Temporal cluster ready: frontend ${address}, namespace ${options.namespace}, services ${SERVICES.join(', ')}`);
  return {
    address,
    namespace: options.namespace,
    postgres,
    services,
    logDir,
    stop: stopAll,
  };
}

async function waitForClusterMetadata(url: string, services: Map<TemporalService, ChildProcess>, logDir: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (;;) {
      for (const [service, child] of services) {
        if (child.exitCode !== null)
          throw new Error(`temporal-server ${service} exited with ${child.exitCode}; see ${logDir}/${service}.log`);
      }
      const rows = await client.query('SELECT 1 FROM cluster_metadata_info LIMIT 1');
      if ((rows.rowCount ?? 0) > 0) return;
      if (Date.now() > deadline) throw new Error(`the cluster's metadata was not written within 120 s; see ${logDir}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await client.end();
  }
}

async function waitForFrontend(address: string, services: Map<TemporalService, ChildProcess>, logDir: string): Promise<Connection> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    for (const [service, child] of services) {
      if (child.exitCode !== null)
        throw new Error(`temporal-server ${service} exited with ${child.exitCode}; see ${logDir}/${service}.log`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the cluster's frontend did not answer on ${address} within 180 s (${String(error)}); see ${logDir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The operator service sees a new namespace only after its cache refresh (~10 s): retry until every attribute exists. */
async function ensureSearchAttributes(connection: Connection, namespace: string, log: (line: string) => void): Promise<void> {
  const wanted = Object.values(searchAttributes).map((key) => key.name);
  for (let i = 0; i < 60; i += 1) {
    await registerSearchAttributes(connection, namespace, () => {});
    const listed = await connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
    const missing = wanted.filter((name) => !(name in (listed?.customAttributes ?? {})));
    if (missing.length === 0) {
      log(`search attributes registered: ${wanted.join(', ')}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`the cluster did not accept Colis's search attributes (${wanted.join(', ')}) within a minute`);
}

async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch {
    // not registered yet
  }
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
  // The frontend's namespace cache refreshes every few seconds: wait until it knows the new one.
  for (let i = 0; i < 60; i += 1) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`namespace ${namespace} was registered but the frontend does not know it`);
}

/** Short caches so a namespace and search attributes registered at start-up are usable at once. */
const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

function serverConfig(options: ClusterOptions, url: URL, dynamicConfigFile: string): string {
  const p = options.basePort;
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${options.pgPort}"
        connectProtocol: "tcp"
        user: "${url.username}"
        password: "${decodeURIComponent(url.password)}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpcPort: number, membershipPort: number) => `    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${membershipPort}
      bindOnLocalHost: true`;
  return `log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 16
  datastores:
    postgres-default:
${datastore('temporal', 20)}
    postgres-visibility:
${datastore('temporal_visibility', 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(p, p - 300)}
      httpPort: ${p + 10}
  history:
${service(p + 1, p - 299)}
  matching:
${service(p + 2, p - 298)}
  worker:
${service(p + 6, p - 294)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: "10s"
`;
}
