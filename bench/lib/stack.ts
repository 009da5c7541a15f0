import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '../../activities/db';
import { DEV_INTAKE_KEY, DEV_OPS_KEY } from '../../api/config';
import { applyMigrations } from '../../prisma/migrate';
import { seed } from '../../prisma/seed';
import { freePort } from '../../scripts/lib/ports';
import { type RunningPostgres, startAfterCrash, startEmbeddedPostgres } from '../../scripts/postgres';
import { defaultConfig } from '../../config';
import { loadConfigOrExit } from '../../config/process';
import { resolveTemporalCli } from '../../scripts/provision-temporal';
import { startTemporalDevServer, stopChild, type RunningDevServer } from '../../scripts/temporal-dev-server';
import { colisDataConverter, payloadSealing } from '../../worker/data-converter';
import { WORKER_ENVIRONMENT, WORKER_NODE_FLAGS } from '../../worker/node-flags';
import { registerSearchAttributes } from '../../worker/search-attributes';

/**
 * The stack a benchmark or drill runs on, in the topology of a deployment: PostgreSQL and the
 * Temporal dev server (both embedded, in a temporary folder, on free loopback ports), then the API
 * and the worker as separate Node processes, so a drill can kill -9 the worker alone.
 * Everything started here is stopped by `stop()`, and killed if this process exits any other way.
 */

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The stack runs on the development keys; the intake key's name is the caller an order id is derived with (api/services/intake.ts). */
export const INTAKE_KEY = DEV_INTAKE_KEY.key;
export const INTAKE_KEY_NAME = DEV_INTAKE_KEY.name;
export const OPS_KEY = DEV_OPS_KEY.key;

export interface StackOptions {
  /** Business seconds per real second for the API (new orders) and the simulator. */
  timeScale: number;
  /** COLIS_SIMULATOR_SCRIPT for the worker's simulator. */
  simulatorScript?: object;
  /** Extra environment for the worker process. */
  workerEnv?: Record<string, string>;
  /** Which processes to start: both (default), the API alone, or none. */
  services?: 'all' | 'api' | 'none';
  /** Write a V8 CPU profile of the worker into this folder when it exits. */
  workerCpuProfDir?: string;
  /** Extra environment for the API process. */
  apiEnv?: Record<string, string>;
  /** Write a V8 CPU profile of the API process into this folder when it exits. */
  apiCpuProfDir?: string;
  /** Temporal without its SQLite file (not durable): only to tell the engine's persistence cost apart. */
  temporalInMemory?: boolean;
  /** Extra stock per seeded level, so long runs never backorder. */
  extraStock?: number;
  /**
   * Warehouses that pick whatever arrives, any time of a working day: a bench at real time
   * (time scale 1) then measures its subject, not orders parked until tomorrow's pick slot.
   */
  openWarehouses?: boolean;
  /** Every warehouse's cut-off ("00:00": no order makes the day's pick; each waits for the next working day's). */
  cutoffLocalTime?: string;
  /** More Temporal namespaces to create at start-up (another checkout's workers run in their own). */
  extraNamespaces?: string[];
  /** PostgreSQL loads pg_stat_statements (and the extension is created), so a bench can count statements. */
  statementStatistics?: boolean;
}

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  exited: Promise<void>;
}

export interface Stack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  apiUrl: string;
  db: Db;
  client: Client;
  worker: NodeProcess | undefined;
  api: NodeProcess | undefined;
  simulatorStateFile: string;
  startWorker(): Promise<NodeProcess>;
  /** Starts the API again (after a drill killed it), on the same port. */
  startApi(): Promise<NodeProcess>;
  /**
   * Start another Node process with the stack's environment (e.g. the ceiling worker); `root` is the
   * checkout it runs from (another commit's, for old-versus-new runs), this one by default.
   */
  spawnNode(name: string, entry: string, env?: Record<string, string>, args?: string[], root?: string): Promise<NodeProcess>;
  /** Start any other program (e.g. Temporal's reference app), ready when its output matches `ready`. */
  spawnProgram(
    name: string,
    command: string,
    args: string[],
    options: { cwd: string; env: Record<string, string>; ready: RegExp },
  ): Promise<NodeProcess>;
  /** Stops the server (gently, or with kill -9 when `kill`), waits `downMs`, and starts it again on its data. */
  restartTemporal(downMs: number, kill?: boolean): Promise<void>;
  restartPostgres(downMs: number, kill?: boolean): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: whatever ends this process, nothing it started outlives it.
  process.on('exit', () => {
    for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of pgPids) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  });
}
const pgPids = new Set<number>();

/** The servers under a stack: replaced in place when a drill restarts one. */
interface StackServers {
  postgres: RunningPostgres;
  pgPid: number;
  temporal: RunningDevServer;
  startPostgres(): Promise<{ pg: RunningPostgres; pid: number }>;
  startTemporal(): Promise<RunningDevServer>;
}

/** The stack's PostgreSQL, in its folder on its port (the same again when a drill restarts it). */
async function startStackPostgres(dir: string, port: number, options: StackOptions): Promise<{ pg: RunningPostgres; pid: number }> {
  const pg = await startEmbeddedPostgres({
    dataDir: join(dir, 'postgres'),
    port,
    database: 'colis',
    quiet: true,
    ...(options.statementStatistics
      ? { settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } }
      : {}),
  });
  const pid = pg.pid ?? -1;
  if (pid > 0) pgPids.add(pid);
  return { pg, pid };
}

/** Migrated and seeded, with the stock and warehouse hours the options ask for. */
async function prepareDatabase(url: string, options: StackOptions): Promise<Db> {
  await applyMigrations(url);
  const db = createDb(url, 20);
  if (options.statementStatistics) await db.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await seed(db);
  if (options.extraStock) await topUpStock(db, options.extraStock);
  if (options.openWarehouses) await db.warehouse.updateMany({ data: { dailyCapacityShipments: 1_000_000, cutoffLocalTime: '23:59' } });
  if (options.cutoffLocalTime) await db.warehouse.updateMany({ data: { cutoffLocalTime: options.cutoffLocalTime } });
  return db;
}

async function connectTemporal(address: string): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, 'default', () => {});
  // The API and worker processes get no COLIS_PAYLOAD_KEYS either: all three use the development key ring.
  const client = new Client({
    connection,
    namespace: 'default',
    dataConverter: colisDataConverter(payloadSealing(defaultConfig())),
  });
  return { connection, client };
}

/** The environment every process of the stack starts with. */
function stackEnv(servers: StackServers, options: StackOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'development',
    DATABASE_URL: servers.postgres.url,
    TEMPORAL_ADDRESS: servers.temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    COLIS_TIME_SCALE: String(options.timeScale),
    COLIS_LOG_LEVEL: 'warn',
    COLIS_RATE_LIMIT_PER_MINUTE: '100000000',
    // At an accelerated clock the outage detector's business wait is under its floor of 1 real second (120
    // business minutes are 7 ms at 1e6, a week 0.6 s): a pick queued a second on a loaded machine would
    // "take a warehouse down" and leave the orders behind it backordered. No bench simulates that outage.
    ...(options.timeScale > 1_000 ? { COLIS_WAREHOUSE_DOWN_AFTER_MINUTES: '0' } : {}),
  };
}

/** A started process as the drills handle it: stopped gently, or killed -9 and awaited. */
function runningProcess(name: string, child: ChildProcess, logFile: string, exited: Promise<void>): NodeProcess {
  return {
    name,
    child,
    pid: child.pid ?? -1,
    logFile,
    exited,
    stop: () => stopChild(child, 20_000),
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A program of the stack, its output in the stack's logs folder, resolved once that output matches `ready`. */
async function spawnLoggedProgram(
  dir: string,
  name: string,
  command: string,
  args: string[],
  { cwd, env, ready: readyLine }: { cwd: string; env: Record<string, string>; ready: RegExp },
): Promise<NodeProcess> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const logFile = join(dir, 'logs', `${name}-${Date.now()}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  void exited.then(() => live.delete(child));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 120 s; see ${logFile}`)), 120_000);
    let seen = '';
    const watch = (chunk: Buffer) => {
      log.write(chunk);
      if (seen.length < 10_000) seen += chunk.toString();
      if (readyLine.test(seen)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // The folder (and its log) is removed when the stack stops: the error carries the log's end.
      fail(new Error(`${name} exited with ${code} while starting; ${logFile} ends with:\n${seen.slice(-2000)}`));
    });
  });
  return runningProcess(name, child, logFile, exited);
}

/** What a stack is made of, once its servers run. */
interface StackParts {
  dir: string;
  keepDir: boolean;
  servers: StackServers;
  db: Db;
  connection: Connection;
  client: Client;
  apiUrl: string;
  simulatorStateFile: string;
  spawnNode: Stack['spawnNode'];
  spawnProgram: Stack['spawnProgram'];
  spawnWorker(): Promise<NodeProcess>;
  spawnApi(): Promise<NodeProcess>;
}

/** The stack's handle: its processes, the drills' restarts, and the stop that ends everything it started. */
function assembleStack(parts: StackParts): Stack {
  const { dir, servers, db, connection } = parts;
  // Processes started through the handle (not the API or the worker) are stopped with the stack too.
  const extra: NodeProcess[] = [];
  const stack: Stack = {
    dir,
    databaseUrl: servers.postgres.url,
    temporalAddress: servers.temporal.address,
    apiUrl: parts.apiUrl,
    db,
    client: parts.client,
    worker: undefined,
    api: undefined,
    simulatorStateFile: parts.simulatorStateFile,
    async startWorker() {
      stack.worker = await parts.spawnWorker();
      return stack.worker;
    },
    async startApi() {
      stack.api = await parts.spawnApi();
      return stack.api;
    },
    async spawnNode(...args) {
      const p = await parts.spawnNode(...args);
      extra.push(p);
      return p;
    },
    async spawnProgram(...args) {
      const p = await parts.spawnProgram(...args);
      extra.push(p);
      return p;
    },
    async restartTemporal(downMs, kill = false) {
      if (kill) {
        servers.temporal.process.kill('SIGKILL');
        await servers.temporal.ended;
      } else await servers.temporal.stop();
      live.delete(servers.temporal.process);
      await sleep(downMs);
      servers.temporal = await servers.startTemporal();
      live.add(servers.temporal.process);
    },
    async restartPostgres(downMs, kill = false) {
      if (kill) {
        process.kill(servers.pgPid, 'SIGKILL');
        await servers.postgres.ended;
      } else await servers.postgres.stop();
      pgPids.delete(servers.pgPid);
      await sleep(downMs);
      ({ pg: servers.postgres, pid: servers.pgPid } = await startAfterCrash(servers.startPostgres));
    },
    async stop() {
      const procs = [stack.api, stack.worker, ...extra].filter((p): p is NodeProcess => p !== undefined);
      await Promise.all(procs.map((p) => p.stop()));
      await connection.close().catch(() => {});
      await db.$disconnect().catch(() => {});
      await servers.temporal.stop();
      live.delete(servers.temporal.process);
      await servers.postgres.stop();
      pgPids.delete(servers.pgPid);
      if (!parts.keepDir) rmSync(dir, { recursive: true, force: true });
      if (servers.postgres.dataDir && !servers.postgres.dataDir.startsWith(dir))
        rmSync(servers.postgres.dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const config = loadConfigOrExit(process.env, 'bench');
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'colis-bench-'));
  // The embedded cluster runs as the `postgres` user when we are root: it must reach its folder.
  chmodSync(dir, 0o755);
  const pgPort = await freePort();
  const startPostgres = () => startStackPostgres(dir, pgPort, options);
  const cli = resolveTemporalCli(config);
  const temporalPort = await freePort();
  const startTemporal = () =>
    startTemporalDevServer({
      cliPath: cli.path,
      port: temporalPort,
      ...(options.temporalInMemory ? {} : { dbFile: join(dir, 'temporal', 'temporal.db') }),
      namespace: 'default',
      extraNamespaces: options.extraNamespaces ?? [],
      logFile: join(dir, 'logs', 'temporal.log'),
    });
  // The two servers start side by side: the dev server boots while PostgreSQL is migrated and seeded.
  const temporalStarting = startTemporal().then((server) => {
    live.add(server.process);
    return server;
  });
  const { pg: postgres, pid: pgPid } = await startPostgres();
  const db = await prepareDatabase(postgres.url, options);
  const temporal = await temporalStarting;
  const { connection, client } = await connectTemporal(temporal.address);
  const servers: StackServers = { postgres, pgPid, temporal, startPostgres, startTemporal };

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const simulatorStateFile = join(dir, 'carrier-simulator.json');
  const baseEnv = stackEnv(servers, options);
  const spawnProgram: Stack['spawnProgram'] = (name, command, args, programOptions) =>
    spawnLoggedProgram(dir, name, command, args, programOptions);
  const spawnNode: Stack['spawnNode'] = (name, entry, env = {}, args = [], root = ROOT) =>
    spawnProgram(name, process.execPath, [...args, '--import', 'tsx', join(root, entry)], {
      cwd: root,
      env: { ...baseEnv, ...env },
      ready: / ready /,
    });

  const workerEnv = (): Record<string, string> => ({
    COLIS_SIMULATOR_STATE_FILE: simulatorStateFile,
    COLIS_WEBHOOK_TARGET_URL: apiUrl,
    ...(options.simulatorScript ? { COLIS_SIMULATOR_SCRIPT: JSON.stringify(options.simulatorScript) } : {}),
    ...(options.workerEnv ?? {}),
  });
  const workerArgs = options.workerCpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.workerCpuProfDir}`] : [];
  // As a deployment runs it (README, "Scaling out"): compiled, not transpiled at load by tsx (scripts/compiled.mjs).
  const spawnWorker = () =>
    spawnProgram(
      'worker',
      process.execPath,
      [...WORKER_NODE_FLAGS, ...workerArgs, join(ROOT, 'scripts', 'compiled.mjs'), 'worker/main.ts'],
      {
        cwd: ROOT,
        env: { ...baseEnv, ...WORKER_ENVIRONMENT, ...workerEnv() },
        ready: / ready /,
      },
    );

  const spawnApi = () =>
    spawnNode(
      'api',
      'api/main.ts',
      { COLIS_API_PORT: String(apiPort), COLIS_API_HOST: '127.0.0.1', ...(options.apiEnv ?? {}) },
      options.apiCpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.apiCpuProfDir}`] : [],
    );

  const stack = assembleStack({
    dir,
    keepDir: config.COLIS_BENCH_KEEP,
    servers,
    db,
    connection,
    client,
    apiUrl,
    simulatorStateFile,
    spawnNode,
    spawnProgram,
    spawnWorker,
    spawnApi,
  });
  const services = options.services ?? 'all';
  const [api, worker] = await Promise.all([services === 'none' ? undefined : spawnApi(), services === 'all' ? spawnWorker() : undefined]);
  stack.api = api;
  stack.worker = worker;
  return stack;
}

/** One of Colis's entry points as a Node process of its own, resolved once it prints its `ready` line. */
export async function spawnColisProcess(options: {
  dir: string;
  name: string;
  entry: string;
  env: Record<string, string>;
  args?: string[];
}): Promise<NodeProcess> {
  installExitHook();
  const { dir, name, entry, env } = options;
  const logFile = join(dir, 'logs', `${name}-${Date.now()}.log`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...(options.args ?? []), '--import', 'tsx', join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  void exited.then(() => live.delete(child));
  child.stderr?.pipe(log);
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 120 s; see ${logFile}`)), 120_000);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (seen.length < 10_000) seen += chunk.toString();
      if (/ ready /.test(seen)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code} while starting; see ${logFile}`));
    });
  });
  return runningProcess(name, child, logFile, exited);
}

/** Runs `body` on a fresh stack and always stops it, also on Ctrl-C. */
export async function withStack<T>(options: StackOptions, body: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack(options);
  const onSignal = () => {
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(stack);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.stop();
  }
}

/** Adds `quantity` units to every seeded level through the ledger (receipt movements), so it still balances. */
export async function topUpStock(db: Db, quantity: number): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`
      INSERT INTO "InventoryMovement" ("warehouseCode", "skuCode", "kind", "onHandDelta", "reservedDelta", "idempotencyKey", "note")
      SELECT "warehouseCode", "skuCode", 'receipt'::"MovementKind", ${quantity}::int, 0, 'bench:topup:' || "warehouseCode" || ':' || "skuCode", 'bench stock'
      FROM "InventoryLevel"`;
    await tx.$executeRaw`UPDATE "InventoryLevel" SET "onHand" = "onHand" + ${quantity}, "updatedAt" = now()`;
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
