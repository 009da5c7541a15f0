import { INSTANT_CLOCK } from './lib/clocks';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../activities/db';
import { loadConfigOrExit } from '../config/process';
import { applyMigrations } from '../prisma/migrate';
import { seed } from '../prisma/seed';
import { startTemporalCluster } from '../scripts/cluster/temporal-cluster';
import { freePort } from '../scripts/lib/ports';
import { toolsDir } from '../scripts/lib/paths';
import { startEmbeddedPostgres } from '../scripts/postgres';
import { colisDataConverter, payloadSealing } from '../worker/data-converter';
import type { BenchOptions } from './lib/cli';
import { checkIntegrity, integrityProblems } from './lib/integrity';
import { postOrders, waitForOrders } from './lib/orders';
import { fmt, printTable, writeResult } from './lib/report';
import { type NodeProcess, sleep, spawnColisProcess, topUpStock } from './lib/stack';
import { WORKER_ENVIRONMENT, WORKER_NODE_FLAGS } from '../worker/node-flags';

/**
 * `npm run drill -- cluster`: Colis on a self-hosted multi-service Temporal cluster (frontend,
 * history, matching and worker as separate processes, PostgreSQL persistence and visibility), as
 * a deployment runs it: 2 API processes behind the order source, 3 worker processes, each with its
 * own COLIS_WORKER_QUEUES and every queue but the carriers' served by two of them —
 *   worker-a  orders, warehouse:*          (workflows, database work, picking and packing)
 *   worker-b  orders, warehouse:*, notify  (the same, and customer mails and shop webhooks)
 *   worker-c  carriers, notify             (the simulated carriers stand for one external service: one process)
 * Orders are posted to both APIs; once a tenth are complete, API 1 and worker-a are killed with -9
 * and stay dead. Every order must complete, each shipment with one label on both sides (our
 * database and the carriers' books), and the inventory ledger must balance.
 */

const TOPOLOGY = [
  { name: 'worker-a', queues: 'orders,warehouse:*' },
  { name: 'worker-b', queues: 'orders,warehouse:*,notify' },
  { name: 'worker-c', queues: 'carriers,notify' },
] as const;

export async function clusterDrill(options: BenchOptions): Promise<boolean> {
  const config = loadConfigOrExit(process.env, 'drill cluster');
  const orders = options.smoke ? 20 : Number(options.args.orders ?? 200);
  const timeScale = INSTANT_CLOCK;
  const dir = mkdtempSync(join(tmpdir(), 'colis-cluster-drill-'));
  // The embedded PostgreSQL clusters run as the `postgres` user when we are root: it must reach this folder.
  chmodSync(dir, 0o755);
  const processes: NodeProcess[] = [];
  const started = performance.now();
  const cluster = await startTemporalCluster({
    dir: join(dir, 'temporal'),
    toolsDir: toolsDir(config),
    pgPort: await freePort(),
    basePort: await freePortBlock(),
    namespace: 'default',
    log: (line) => process.stdout.write(`  [cluster] ${line}\n`),
  });
  const clusterUpSeconds = (performance.now() - started) / 1000;
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'colis-postgres'),
    port: await freePort(),
    database: 'colis',
    quiet: true,
  });
  const db = createDb(postgres.url, 10);
  const connection = await Connection.connect({ address: cluster.address });
  try {
    await applyMigrations(postgres.url);
    await seed(db);
    await topUpStock(db, 100_000);
    const client = new Client({ connection, namespace: 'default', dataConverter: colisDataConverter(payloadSealing(config)) });
    const simulatorStateFile = join(dir, 'carrier-simulator.json');
    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'development',
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: 'default',
      COLIS_TIME_SCALE: String(timeScale),
      COLIS_LOG_LEVEL: 'warn',
      COLIS_RATE_LIMIT_PER_MINUTE: '100000000',
    };
    const apiPorts = [await freePort(), await freePort()];
    const apiUrls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    const apis = await Promise.all(
      apiPorts.map((port, i) =>
        spawnColisProcess({ dir, name: `api-${i + 1}`, entry: 'api/main.ts', env: { ...baseEnv, COLIS_API_PORT: String(port) } }),
      ),
    );
    processes.push(...apis);
    const workers = await Promise.all(
      TOPOLOGY.map(({ name, queues }) =>
        spawnColisProcess({
          dir,
          name,
          entry: 'worker/main.ts',
          args: [...WORKER_NODE_FLAGS],
          env: {
            ...baseEnv,
            ...WORKER_ENVIRONMENT,
            COLIS_WORKER_QUEUES: queues,
            // Only the carriers' process pushes webhooks: to API 2, which survives the drill.
            ...(queues.startsWith('carriers')
              ? { COLIS_SIMULATOR_STATE_FILE: simulatorStateFile, COLIS_WEBHOOK_TARGET_URL: apiUrls[1] ?? '' }
              : {}),
          },
        }),
      ),
    );
    processes.push(...workers);
    process.stdout.write(`  topology up: 4 Temporal services, 2 APIs, 3 workers (${fmt((performance.now() - started) / 1000)} s)\n`);

    const intakeStarted = performance.now();
    const half = Math.ceil(orders / 2);
    const posted = (
      await Promise.all([postOrders(apiUrls[0] ?? '', 'single', half, 8), postOrders(apiUrls[1] ?? '', 'split5', orders - half, 8)])
    ).flat();
    const orderIds = posted.flatMap((p) => (p.orderId ? [p.orderId] : []));
    const refused = posted.filter((p) => p.status !== 202).length;
    const intakeSeconds = (performance.now() - intakeStarted) / 1000;
    process.stdout.write(`  ${orderIds.length} orders accepted by 2 APIs in ${fmt(intakeSeconds)} s (${refused} refused)\n`);

    // Mid-flight: a tenth complete, the rest reserving, picking, booking or in transit.
    let completedAtKill = 0;
    for (const deadline = performance.now() + 600_000; performance.now() < deadline; await sleep(250)) {
      completedAtKill = (await waitForOrders({ db }, orderIds, 0)).counts.completed;
      if (completedAtKill >= Math.ceil(orders / 10)) break;
    }
    const [api1] = apis;
    const [workerA] = workers;
    await Promise.all([api1?.kill9(), workerA?.kill9()]);
    process.stdout.write(
      `  kill -9 api-1 (${api1?.pid}) and worker-a (${workerA?.pid}) with ${completedAtKill}/${orderIds.length} completed\n`,
    );

    let lastLine = 0;
    const drained = await waitForOrders({ db }, orderIds, options.smoke ? 300_000 : 1_800_000, (c) => {
      if (performance.now() - lastLine > 5_000) {
        lastLine = performance.now();
        process.stdout.write(`  … ${c.completed}/${orderIds.length} completed (${c.other} in flight)\n`);
      }
    });
    const integrity = await checkIntegrity({ db, client, simulatorStateFile }, orderIds);
    const problems = integrityProblems(integrity);
    if (refused > 0) problems.push(`${refused} orders refused at intake`);
    const seconds = (performance.now() - intakeStarted) / 1000;
    const figures = {
      'Temporal cluster up s': fmt(clusterUpSeconds),
      'intake s (2 APIs)': fmt(intakeSeconds),
      'completed when killed': completedAtKill,
      'killed (-9)': `api-1 pid ${api1?.pid}, worker-a pid ${workerA?.pid}`,
      'first order → last completed s': fmt(seconds),
      drained: drained.done ? 'yes' : 'no',
    };
    printTable(
      'drill cluster',
      ['what', 'count'],
      [
        ['orders completed', `${integrity.completed}/${integrity.orders}`],
        ['shipments', integrity.shipments],
        ['labels in database (voided)', `${integrity.labelsInDb} (${integrity.labelsVoided})`],
        ['labels sold by the carriers', integrity.carrierLabelsSold],
        [
          'shipments with >1 label (ours / carriers)',
          `${integrity.shipmentsWithSeveralLabels} / ${integrity.carrierShipmentsWithSeveralLabels}`,
        ],
        ['ledger mismatches', integrity.ledgerMismatches],
        ['units still reserved', integrity.stillReserved],
        ...Object.entries(figures).map(([k, v]) => [k, v]),
      ],
    );
    const verdict = problems.length === 0 ? 'PASS' : 'FAIL';
    process.stdout.write(`\nVERDICT cluster: ${verdict}${problems.length > 0 ? ` — ${problems.join('; ')}` : ''}\n`);
    writeResult(`drill-cluster${options.smoke ? '-smoke' : ''}`, { verdict, problems, integrity, figures, topology: TOPOLOGY });
    return problems.length === 0;
  } finally {
    await Promise.all(processes.map((p) => p.stop().catch(() => {})));
    await connection.close().catch(() => {});
    await db.$disconnect().catch(() => {});
    await cluster.stop();
    await postgres.stop();
    if (!config.COLIS_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A base port whose cluster ports (base … base+10, base-300 … base-294) are all free now. Below
 * 32768: the SQL persistence stores membership ports as a smallint.
 */
async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 12_000 + Math.floor(Math.random() * 18_000);
    const ports = [0, 1, 2, 6, 10, -300, -299, -298, -294].map((offset) => base + offset);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for the Temporal cluster');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
