import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import pg from 'pg';
import { freePort } from '../../scripts/lib/ports';
import { defaultConfig } from '../../config';
import { colisDataConverter, payloadSealing } from '../../worker/data-converter';
import { type NodeProcess, ROOT, type Stack } from './stack';
import { colisSubject, type Subject } from './subjects';

/**
 * Another commit of Colis (the "old code" of an old-versus-new run) on the same servers as the
 * current one: its tree exported with `git archive` into a folder of the system's temp dir (kept
 * and reused across runs, keyed by the commit), `npm ci` there once, then its own API and worker
 * processes, each on its own PostgreSQL database (migrated and seeded by its own code) and in its
 * own Temporal namespace, so neither its schema nor its task queues meet the current code's.
 */

/** The folder holding `commit`'s tree with its dependencies installed; made once, then reused. */
export function prepareCheckout(commit: string, log: (line: string) => void): string {
  const sha = execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', `${commit}^{commit}`], { encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `colis-checkout-${sha.slice(0, 12)}`);
  if (existsSync(join(dir, 'node_modules', '.package-lock.json'))) return dir;
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`  exporting ${sha.slice(0, 12)} into ${dir} and installing its dependencies (once)…\n`);
  execSync(`git -C ${JSON.stringify(ROOT)} archive ${sha} | tar -x -C ${JSON.stringify(staging)}`, { stdio: 'inherit' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/**
 * Starts the checkout's API and worker on the stack's servers, in namespace and database `slot`
 * (one the stack created: see `extraNamespaces`); they stop with the stack.
 */
export async function startCheckout(
  stack: Stack,
  checkout: string,
  name: string,
  slot: string,
  extraStock: number,
  options: { outageDetectorOff: boolean },
): Promise<Subject> {
  const { env } = await provisionCheckout(stack, checkout, name, slot, extraStock, options);
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await startCheckoutApi(stack, checkout, name, env, apiPort);
  const simulatorStateFile = join(stack.dir, `${name}-carrier-simulator.json`);
  const worker = await startCheckoutWorker(stack, checkout, name, env, { apiUrl, simulatorStateFile });
  // As the stack's client: a checkout with payload encryption uses the development key ring (no
  // COLIS_PAYLOAD_KEYS), and the codec passes the plain payloads of a checkout from before it. It writes
  // payloads uncompressed, which a checkout from before compression can open; it reads both forms.
  const dataConverter = colisDataConverter({ ...payloadSealing(defaultConfig()), compress: false });
  const client = new Client({ connection: stack.client.connection, namespace: slot, dataConverter });
  return colisSubject(name, apiUrl, client, worker.pid);
}

/**
 * A fresh database `slot` on the stack's PostgreSQL, migrated and seeded by the checkout's own code (with
 * `extraStock` more units per level), and the checkout's search attributes in Temporal namespace `slot`.
 * `env` is what its processes run with (database, namespace, the outage detector's setting).
 */
export async function provisionCheckout(
  stack: Stack,
  checkout: string,
  name: string,
  slot: string,
  extraStock: number,
  options: { outageDetectorOff: boolean },
): Promise<{ databaseUrl: string; env: Record<string, string> }> {
  const databaseUrl = await createDatabase(stack.databaseUrl, slot.replace(/-/g, '_'));
  const detector: Record<string, string> =
    options.outageDetectorOff && acceptsOutageDetectorOff(checkout) ? {} : { COLIS_WAREHOUSE_DOWN_AFTER_MINUTES: '' };
  const env = { DATABASE_URL: databaseUrl, TEMPORAL_NAMESPACE: slot, ...detector };
  const provision = await stack.spawnNode(
    `${name}-provision`,
    'bench/lib/provision-checkout.ts',
    { ...env, BENCH_CHECKOUT_ROOT: checkout, BENCH_EXTRA_STOCK: String(extraStock) },
    [],
    ROOT,
  );
  await provision.exited;
  if (provision.child.exitCode !== 0) throw new Error(`provisioning ${checkout} failed; see ${provision.logFile}`);
  return { databaseUrl, env };
}

/** The API of the Colis at `root` (a checkout, or this one: ROOT) on `apiPort`, with `env` on top of the stack's; it stops with the stack. */
export function startCheckoutApi(
  stack: Stack,
  root: string,
  name: string,
  env: Record<string, string>,
  apiPort: number,
): Promise<NodeProcess> {
  return stack.spawnNode(`${name}-api`, 'api/main.ts', { ...env, COLIS_API_PORT: String(apiPort), COLIS_API_HOST: '127.0.0.1' }, [], root);
}

/**
 * The worker of the Colis at `root` (every queue), its simulated carriers keeping their books in
 * `simulatorStateFile` and posting their webhooks to `apiUrl`; it stops with the stack.
 */
export function startCheckoutWorker(
  stack: Stack,
  root: string,
  name: string,
  env: Record<string, string>,
  carriers: { apiUrl: string; simulatorStateFile: string },
): Promise<NodeProcess> {
  return stack.spawnNode(
    `${name}-worker`,
    'worker/main.ts',
    { ...env, COLIS_SIMULATOR_STATE_FILE: carriers.simulatorStateFile, COLIS_WEBHOOK_TARGET_URL: carriers.apiUrl },
    [],
    root,
  );
}

/**
 * Whether a checkout takes COLIS_WAREHOUSE_DOWN_AFTER_MINUTES=0 (the stack's setting at an instant clock: only
 * ops declare outages). A commit from before refuses it: it runs with its default, its detector armed (at an
 * instant clock it fires when a pick waits a real second), and a fair comparison arms every side alike.
 */
export function acceptsOutageDetectorOff(checkout: string): boolean {
  const variables = join(checkout, 'config', 'variables.ts');
  return existsSync(variables) && readFileSync(variables, 'utf8').includes("'a whole number of business minutes, 0 to 10080'");
}

/** A fresh database on the stack's PostgreSQL server; its URL. */
async function createDatabase(stackUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: stackUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(stackUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
