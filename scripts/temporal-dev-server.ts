import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { commandLine, isAlive, stopPid } from './lib/processes';
import { makeDirectory } from './lib/directories';

export interface DevServerOptions {
  cliPath: string;
  /** gRPC port (clients and workers). */
  port: number;
  /** Web UI port; omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file that makes the server durable across restarts; omit for in-memory. */
  dbFile?: string;
  namespace: string;
  /** More namespaces to create at start-up (tests isolate suites in their own). */
  extraNamespaces?: string[];
  logFile: string;
  ip?: string;
  /** Its own process group: a terminal's Ctrl-C then reaches only the parent, which stops it in order. */
  ownProcessGroup?: boolean;
  /** The Web UI decodes payloads through this remote codec (Colis's API: `<api>/codec`). */
  uiCodecEndpoint?: string;
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** Settles with the reason when the server ends without being asked to (a crash, a kill). */
  ended: Promise<string>;
  /** Resolves 'already ended' when the server had ended before it was asked to stop. */
  stop(): Promise<undefined | 'already ended'>;
}

/**
 * Runs `temporal server start-dev`: a real Temporal server (SQLite persistence, Web UI) in one
 * process. Resolves once the frontend answers a health check, so callers never race its start-up.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--namespace', options.namespace];
  for (const extra of options.extraNamespaces ?? []) args.push('--namespace', extra);
  args.push('--log-level', 'warn');
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    makeDirectory(dirname(options.dbFile));
    args.push('--db-filename', options.dbFile);
    // SQLite's defaults (rollback journal, fsync on every commit) serialise the server on its disk:
    // 42 workflow starts/s here against 94/s with a write-ahead log, within 20 % of in-memory.
    // WAL with synchronous=NORMAL loses nothing when a process is killed, only the last commits
    // on an OS crash or power cut, which a development server may accept.
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  makeDirectory(dirname(options.logFile));
  // A dev server orphaned by a killed `npm start` still holds the port and the SQLite file.
  const pidFile = options.dbFile ? `${options.dbFile}.pid` : undefined;
  if (pidFile && options.dbFile) await stopLeftoverDevServer(options.dbFile, pidFile);
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const logStart = existsSync(options.logFile) ? statSync(options.logFile).size : 0;
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup === true });
  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const address = `${ip}:${options.port}`;
  let exited: string | undefined;
  let stopping = false;
  const ended = new Promise<string>((done) => {
    child.once('exit', (code, signal) => {
      exited = signal ?? `code ${code}`;
      // A killed server says nothing useful in its log; one that gave up does.
      const why = signal ? '' : `: ${logTail(options.logFile, logStart)}; see ${options.logFile}`;
      done(stopping ? 'stopped' : `the Temporal dev server exited (${exited})${why}`);
    });
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== undefined) {
      await new Promise((r) => setTimeout(r, 100)); // let its last words reach the log
      throw new Error(
        `the Temporal dev server did not start on ${ip}:${options.port} (${exited}): ${logTail(options.logFile, logStart)}; see ${options.logFile}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.healthService.check({});
      await connection.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address} within 120 s; see ${options.logFile}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : undefined,
    process: child,
    ended,
    stop: async () => {
      stopping = true;
      const alreadyEnded = child.exitCode !== null || child.signalCode !== null;
      await stopChild(child);
      if (pidFile) rmSync(pidFile, { force: true });
      return alreadyEnded ? 'already ended' : undefined;
    },
  };
}

/** SIGTERM, then SIGKILL after a grace period: a stuck child never blocks shutdown. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A dev server left running by an earlier run that ended without stopping it. Only a process proved
 * to be `temporal server start-dev` on exactly this SQLite file is stopped; the instance lock
 * (scripts/lib/instance-lock.ts) has already proved that no live Colis owns the data directory.
 */
export async function stopLeftoverDevServer(
  dbFile: string,
  pidFile = `${dbFile}.pid`,
  log: (message: string) => void = () => {},
): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!isAlive(pid)) return;
  const argv = commandLine(pid);
  const proved = argv?.includes('start-dev') === true && argv[argv.indexOf('--db-filename') + 1] === dbFile;
  if (!proved) return;
  log(`stopping the Temporal dev server ${pid}, left running on ${dbFile} by an earlier run`);
  if (!(await stopPid(pid, 'SIGTERM', 10_000)))
    throw new Error(`the Temporal dev server ${pid} on ${dbFile} does not stop; stop it (kill ${pid}) and start again`);
}

/** The last meaningful lines the server wrote since `from` (its log is appended to across runs). */
function logTail(logFile: string, from: number): string {
  try {
    const text = readFileSync(logFile, 'utf8').slice(from);
    const lines = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    const errors = lines.filter((line) => /error|fatal|address already in use|bind/i.test(line));
    return (errors.length > 0 ? errors : lines).slice(-2).join(' / ').slice(0, 400) || 'no output';
  } catch {
    return 'no log';
  }
}
