import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { createDb, type Db } from '../activities/db';
import { defaultConfig } from '../config';
import { applyMigrations } from '../prisma/migrate';
import { freePort } from '../scripts/lib/ports';
import { colisDataConverter, payloadSealing } from '../worker/data-converter';
import { prepareCheckout, provisionCheckout, startCheckoutApi, startCheckoutWorker } from './lib/base-checkout';
import type { BenchOptions } from './lib/cli';
import { journeyStages } from './lib/journey-stages';
import { orderRequest, postOrder, waitForOrders } from './lib/orders';
import { fmt } from './lib/report';
import { askReturns, settleReturns } from './lib/returns-in-flight';
import { type NodeProcess, ROOT, type Stack, sleep, withStack } from './lib/stack';
import { scanTaskFailures } from './lib/task-failures';
import { judgeUpgrade, type UpgradeFigures } from './lib/upgrade-verdict';
import { hasUncommittedChanges, resolveCommit, resolveOldRelease, type UpgradePlan, upgradePlan } from './lib/upgrade-options';

/**
 * `npm run drill -- upgrade [--from=<commit>] [--orders=N] [--stop=term|kill9] [--smoke]`: a running Colis upgraded
 * under its orders, as README "Upgrading a running system" tells an operator to. The old release (another commit,
 * exported and installed by lib/base-checkout.ts) migrates and seeds its database, and its API and worker take
 * orders placed evenly over a while, so that at the upgrade some wait to be picked, some are with the carrier, some
 * delivered with a return on its way back, some with an escalation open. Then, on the SAME database, Temporal
 * namespace and task queues: this release's migrations (while the old processes still run: they must be backward
 * compatible), the old worker stopped (SIGTERM, or kill -9) and this release's started, then the old API and this
 * one's. Every order and return must finish on the new code; the verdict reads the database, the carriers' books,
 * the ledger, and every workflow history the namespace holds for a task that failed (nondeterminism above all).
 */

const NAMESPACE = 'upgrade';
/** Carriers that hiccup but deliver: escalations open (late, exception, a failed delivery) and close without ops. */
const SIMULATOR_SCRIPT = {
  shares: { late: 0.15, exception_then_delivered: 0.1, delivery_failed_then_delivered: 0.1, duplicate_events: 0.1, out_of_order: 0.1 },
};

/** The processes of one release on the shared database and namespace. */
interface Release {
  api: NodeProcess;
  worker: NodeProcess;
}

interface Shared {
  stack: Stack;
  db: Db;
  databaseUrl: string;
  env: Record<string, string>;
  apiPort: number;
  apiUrl: string;
  simulatorStateFile: string;
}

const log = (line: string) => process.stdout.write(`  ${line}\n`);

export async function upgradeDrill(options: BenchOptions): Promise<boolean> {
  const plan = upgradePlan(options);
  const old = resolveOldRelease(plan.from);
  const newCommit = resolveCommit('HEAD');
  const dirty = hasUncommittedChanges();
  log(
    `old release ${old.sha.slice(0, 7)} (${old.why}); new release: this checkout, ${newCommit.slice(0, 7)}` +
      (dirty ? ' WITH UNCOMMITTED CHANGES (its figures name no commit)' : ''),
  );
  const checkout = prepareCheckout(old.sha, (line) => process.stdout.write(line));
  return withStack({ timeScale: plan.timeScale, services: 'none', extraNamespaces: [NAMESPACE], extraStock: 0 }, async (stack) => {
    const started = performance.now();
    const { databaseUrl, env } = await provisionCheckout(stack, checkout, 'old', NAMESPACE, 100_000, { outageDetectorOff: true });
    const apiPort = await freePort();
    const shared: Shared = {
      stack,
      db: createDb(databaseUrl, 5),
      databaseUrl,
      env: { ...env, COLIS_SIMULATOR_SCRIPT: JSON.stringify(SIMULATOR_SCRIPT) },
      apiPort,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      simulatorStateFile: join(stack.dir, 'carrier-simulator.json'),
    };
    try {
      const oldRelease = await startRelease(shared, checkout, 'old');
      log(`old API ${oldRelease.api.pid} and worker ${oldRelease.worker.pid} up after ${fmt((performance.now() - started) / 1000)} s`);
      const intake = await placeOrdersAcrossStages(shared, plan);
      const atUpgrade = await journeyStages(shared.db, intake.orderIds);
      log(
        `at the upgrade: orders ${atUpgrade.orders}, not started ${atUpgrade.notStarted}; shipments ${atUpgrade.shipments}; returns ${atUpgrade.returns}`,
      );
      const upgrade = await upgradeRelease(shared, oldRelease, plan);
      const [drained, returns] = await Promise.all([
        waitForOrders({ db: shared.db }, intake.orderIds, plan.drainMs, progressLine(intake.orderIds.length, started)),
        settleReturns(shared.apiUrl, shared.db, intake.returnIds, plan.drainMs),
      ]);
      const client = namespaceClient(stack);
      const figures: UpgradeFigures = {
        plan,
        oldRelease: old.sha,
        newRelease: dirty ? `${newCommit}-dirty` : newCommit,
        intake,
        atUpgrade,
        atEnd: await journeyStages(shared.db, intake.orderIds),
        upgrade,
        drained: drained.done,
        returns,
        seconds: (performance.now() - started) / 1000,
        tasks: await scanTaskFailures(client),
      };
      return await judgeUpgrade({ db: shared.db, client, simulatorStateFile: shared.simulatorStateFile }, figures, options.smoke);
    } finally {
      await shared.db.$disconnect().catch(() => {});
    }
  });
}

/** One release's API, then its worker (its carriers post their webhooks to that API), from `root`. */
async function startRelease(shared: Shared, root: string, name: string): Promise<Release> {
  const api = await startCheckoutApi(shared.stack, root, name, shared.env, shared.apiPort);
  const worker = await startCheckoutWorker(shared.stack, root, name, shared.env, shared);
  return { api, worker };
}

/**
 * Places the orders evenly over `placeSeconds` through the API (one in four a 5-line order split in three
 * shipments), and all along asks returns of orders already delivered, up to `returnShare` of them.
 */
async function placeOrdersAcrossStages(shared: Shared, plan: UpgradePlan) {
  const orderIds: string[] = [];
  const returnIds: string[] = [];
  const returnsRefused: string[] = [];
  const asked = new Set<string>();
  const returnsAskedAgain = { n: 0 };
  let refused = 0;
  const wanted = Math.floor(plan.orders * plan.returnShare);
  const askSome = async () => {
    const r = await askReturns(shared.apiUrl, shared.db, orderIds, asked, wanted - asked.size, returnsAskedAgain);
    returnIds.push(...r.returnIds);
    returnsRefused.push(...r.refused);
  };
  const begun = performance.now();
  for (let n = 0; n < plan.orders; n++) {
    const due = begun + (n * plan.placeSeconds * 1000) / plan.orders;
    if (due - performance.now() > 1) await sleep(due - performance.now());
    const answer = await postOrder(shared.apiUrl, orderRequest(n % 4 === 3 ? 'split5' : 'single', n));
    if (answer.status === 202 && answer.orderId) orderIds.push(answer.orderId);
    else refused += 1;
    if (n % 4 === 0) await askSome();
  }
  await askSome();
  log(
    `${orderIds.length} orders placed over ${fmt((performance.now() - begun) / 1000)} s (${refused} refused), ${returnIds.length} returns asked`,
  );
  return { orderIds, refused, returnIds, returnsRefused, returnsAskedAgain: returnsAskedAgain.n };
}

/**
 * What README "Upgrading a running system" asks, in its order: this release's migrations while the old release
 * still runs, the old worker stopped and this release's worker started, then the old API replaced by this one's
 * (on the same port: the carriers' webhooks and the order source keep their address).
 */
async function upgradeRelease(shared: Shared, old: Release, plan: UpgradePlan) {
  const migrated = await applyMigrations(shared.databaseUrl);
  log(
    `migrations of this release: ${migrated.applied.length} applied (${migrated.applied.join(', ') || 'none'}); old release still running`,
  );
  // A few seconds of the old code on the new schema: a migration that is not backward compatible shows here.
  await sleep(5_000);
  const stop = (p: NodeProcess) => (plan.stop === 'kill9' ? p.kill9() : p.stop());
  const workerDown = performance.now();
  await stop(old.worker);
  const worker = await startCheckoutWorker(shared.stack, ROOT, 'new', shared.env, shared);
  const workerGapS = (performance.now() - workerDown) / 1000;
  const apiDown = performance.now();
  await stop(old.api);
  const api = await startCheckoutApi(shared.stack, ROOT, 'new', shared.env, shared.apiPort);
  const apiGapS = (performance.now() - apiDown) / 1000;
  log(
    `old worker ${old.worker.pid} and API ${old.api.pid} stopped (${plan.stop === 'kill9' ? 'kill -9' : 'SIGTERM'}); ` +
      `new worker ${worker.pid} after ${fmt(workerGapS)} s, new API ${api.pid} after ${fmt(apiGapS)} s`,
  );
  return { migrationsApplied: migrated.applied, workerGapS, apiGapS };
}

function progressLine(total: number, started: number) {
  let last = 0;
  return (c: { completed: number; other: number }) => {
    if (performance.now() - last < 10_000) return;
    last = performance.now();
    log(`… ${c.completed}/${total} completed (${c.other} in flight) at ${fmt((performance.now() - started) / 1000)} s`);
  };
}

/** A client of the drill's namespace, with the data converter every Colis process uses (the development key ring). */
function namespaceClient(stack: Stack): Client {
  return new Client({
    connection: stack.client.connection,
    namespace: NAMESPACE,
    dataConverter: colisDataConverter(payloadSealing(defaultConfig())),
  });
}
