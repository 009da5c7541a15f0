import { randomUUID } from 'node:crypto';
import { INSTANT_CLOCK } from './lib/clocks';
import { type Integrity, checkIntegrity, integrityProblems } from './lib/integrity';
import { type OrderCounts, type OrderShape, orderRequest, postOrder, postOrders, unstartedOrders, waitForOrders } from './lib/orders';
import { fmt, printTable, quantile, writeResult } from './lib/report';
import { type Stack, type StackOptions, sleep, withStack } from './lib/stack';
import { clusterDrill } from './cluster-drill';
import { upgradeDrill } from './upgrade-drill';
import type { BenchOptions } from './lib/cli';

/**
 * Resilience drills: orders in flight, then something breaks (the worker is killed -9, Temporal or
 * PostgreSQL restarts, the carriers misbehave, a burst arrives); each drill then proves from the
 * database, the carriers' own books and the inventory ledger that nothing was lost or done twice.
 */

interface DrillSpec {
  name: string;
  orders: number;
  shape?: OrderShape;
  stack: Omit<StackOptions, 'extraStock'>;
  /** Break something once orders are in flight; returns what it did, for the report. */
  disrupt?: (stack: Stack, progress: () => Promise<OrderCounts>) => Promise<Record<string, number | string>>;
  /** Replaces the default intake (post everything, closed loop). */
  intake?: (
    stack: Stack,
  ) => Promise<{ orderIds: string[]; figures: Record<string, number | string>; refused: number; problems?: string[] }>;
  drainTimeoutMs: number;
}

async function runDrill(spec: DrillSpec, options: BenchOptions): Promise<boolean> {
  return withStack({ ...spec.stack, extraStock: 100_000 }, async (stack) => {
    const started = performance.now();
    let orderIds: string[];
    let refused: number;
    let intakeFigures: Record<string, number | string> = {};
    let intakeProblems: string[] = [];
    const disruption = { ran: false, figures: {} as Record<string, number | string> };
    let disrupting: Promise<void> = Promise.resolve();
    const progress = () => waitForOrders(stack, orderIdsSoFar, 0).then((r) => r.counts);
    let orderIdsSoFar: string[] = [];
    if (spec.intake) {
      const intake = await spec.intake(stack);
      orderIds = intake.orderIds;
      refused = intake.refused;
      intakeFigures = intake.figures;
      intakeProblems = intake.problems ?? [];
    } else {
      const posted = await postOrders(stack.apiUrl, spec.shape ?? 'single', spec.orders, 16);
      orderIds = posted.flatMap((p) => (p.orderId ? [p.orderId] : []));
      refused = posted.filter((p) => p.status !== 202).length;
    }
    orderIdsSoFar = orderIds;
    process.stdout.write(`  ${orderIds.length} orders accepted in ${fmt((performance.now() - started) / 1000)} s (${refused} refused)\n`);
    if (spec.disrupt) {
      disrupting = spec.disrupt(stack, progress).then((figures) => {
        disruption.ran = true;
        disruption.figures = figures;
      });
    }
    let lastLine = 0;
    const drained = await waitForOrders(stack, orderIds, spec.drainTimeoutMs, (c) => {
      if (performance.now() - lastLine > 5_000) {
        lastLine = performance.now();
        process.stdout.write(
          `  … ${c.completed}/${orderIds.length} completed (${c.other} in flight) at ${fmt((performance.now() - started) / 1000)} s\n`,
        );
      }
    });
    await disrupting;
    const integrity = await checkIntegrity(stack, orderIds);
    const problems = integrityProblems(integrity);
    if (refused > 0) problems.push(`${refused} orders refused at intake`);
    problems.push(...intakeProblems);
    if (spec.disrupt && !disruption.ran) problems.push('the disruption did not happen');
    const seconds = (performance.now() - started) / 1000;
    const starts = await stack.db.orderIntake.aggregate({ _min: { receivedAt: true }, _max: { startedAt: true } });
    if (starts._min.receivedAt && starts._max.startedAt) {
      intakeFigures['first order accepted → last workflow started s'] = fmt(
        (starts._max.startedAt.getTime() - starts._min.receivedAt.getTime()) / 1000,
      );
    }
    report(spec.name, integrity, {
      ...intakeFigures,
      ...disruption.figures,
      'wall time s': fmt(seconds),
      drained: drained.done ? 'yes' : 'no',
    });
    const verdict = problems.length === 0 ? 'PASS' : 'FAIL';
    process.stdout.write(
      `\nVERDICT ${spec.name}: ${verdict} — ${integrity.completed}/${integrity.orders} orders completed; ${integrity.shipments} shipments, ` +
        `${integrity.labelsInDb} labels in the database (${integrity.labelsVoided} voided), ${integrity.carrierLabelsSold} sold by the carriers, ` +
        `${integrity.shipmentsWithSeveralLabels + integrity.carrierShipmentsWithSeveralLabels} duplicates; ledger ${integrity.ledgerMismatches === 0 ? 'balanced' : `${integrity.ledgerMismatches} mismatches`}, ` +
        `${integrity.stillReserved} units left reserved, ${integrity.negativeOrOversold} levels oversold` +
        (problems.length > 0 ? `\n  problems: ${problems.join('; ')}` : '') +
        '\n',
    );
    writeResult(`drill-${spec.name}${options.smoke ? '-smoke' : ''}`, {
      verdict,
      problems,
      integrity,
      figures: { ...intakeFigures, ...disruption.figures, seconds },
    });
    return problems.length === 0;
  });
}

function report(name: string, i: Integrity, figures: Record<string, number | string>): void {
  const rows: (string | number)[][] = [
    ['orders completed', `${i.completed}/${i.orders}`],
    ['shipments', i.shipments],
    ['labels in database (purchased + voided)', `${i.labelsInDb} (${i.labelsVoided} voided)`],
    [
      'labels sold by the carriers (state file)',
      `${i.carrierLabelsSold} (${i.carrierLabelsListed} listed, ${i.carrierLabelsUnknownToUs} unknown to us)`,
    ],
    ['shipments with >1 label (ours / carriers)', `${i.shipmentsWithSeveralLabels} / ${i.carrierShipmentsWithSeveralLabels}`],
    ['ledger mismatches (ledgerBalances)', i.ledgerMismatches],
    ['levels negative or oversold', i.negativeOrOversold],
    ['units still reserved', i.stillReserved],
    ['accepted orders unknown to Temporal', i.lostAtIntake],
    ...Object.entries(figures).map(([k, v]) => [k, v]),
  ];
  printTable(`drill ${name}`, ['what', 'count'], rows);
}

/** Waits until a share of the orders is complete, so the disruption lands mid-flight. */
async function whenShareCompleted(
  progress: () => Promise<OrderCounts>,
  share: number,
  total: number,
  timeoutMs = 600_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const counts = await progress().catch(() => undefined);
    if (counts && counts.completed >= Math.ceil(total * share)) return counts.completed;
    if (performance.now() > deadline) return counts?.completed ?? -1;
    await sleep(250);
  }
}

const INSTANT = INSTANT_CLOCK;

/** How long a drill waits for its orders to complete: `--drain=ms` in a smoke run, 15 min at full size. */
const drainMs = (options: BenchOptions) => (options.smoke ? Number(options.args.drain ?? 90_000) : 900_000);

/** How long a restart drill keeps its server down: `--down-s=N`, else the drill's own pause. */
const downMs = (options: BenchOptions, fallbackMs: number) =>
  options.args['down-s'] === undefined ? fallbackMs : Number(options.args['down-s']) * 1_000;

/** Stops a service of the stack once a tenth of the orders completed, starts it again, and checks nothing was lost or doubled. */
function restartDrill(
  name: string,
  service: string,
  downLabel: string,
  restart: (stack: Stack) => Promise<unknown>,
  options: BenchOptions,
): Promise<boolean> {
  const orders = options.smoke ? 12 : Number(options.args.orders ?? 200);
  return runDrill(
    {
      name,
      orders,
      stack: { timeScale: INSTANT },
      drainTimeoutMs: drainMs(options),
      async disrupt(stack, progress) {
        const completedAtStop = await whenShareCompleted(progress, 0.1, orders);
        const t = performance.now();
        await restart(stack);
        const down = fmt((performance.now() - t) / 1000);
        process.stdout.write(`  ${service} stopped with ${completedAtStop}/${orders} completed, back after ${down} s\n`);
        return { 'completed when stopped': completedAtStop, [downLabel]: down };
      },
    },
    options,
  );
}

export const DRILLS: Record<string, (options: BenchOptions) => Promise<boolean>> = {
  /** Colis on a self-hosted multi-service Temporal cluster, one API and one worker killed -9 (bench/cluster-drill.ts). */
  cluster: clusterDrill,

  /** The old release's API and worker replaced by this one's under orders in flight, on one database and namespace (bench/upgrade-drill.ts). */
  upgrade: upgradeDrill,

  async kill9(options) {
    const orders = options.smoke ? 12 : Number(options.args.orders ?? 200);
    return runDrill(
      {
        name: 'kill9',
        orders,
        stack: { timeScale: INSTANT },
        drainTimeoutMs: drainMs(options),
        async disrupt(stack, progress) {
          const completedAtKill = await whenShareCompleted(progress, 0.1, orders);
          const pid = stack.worker?.pid ?? -1;
          await stack.worker?.kill9();
          process.stdout.write(`  kill -9 worker ${pid} with ${completedAtKill}/${orders} completed\n`);
          await sleep(2_000);
          const restartedAt = performance.now();
          const worker = await stack.startWorker();
          process.stdout.write(`  worker restarted as ${worker.pid} in ${fmt((performance.now() - restartedAt) / 1000)} s\n`);
          return { 'completed when killed': completedAtKill, 'killed pid': pid, 'restarted pid': worker.pid };
        },
      },
      options,
    );
  },

  temporalRestart: (options) =>
    restartDrill(
      'temporalRestart',
      'Temporal dev server',
      'Temporal down s',
      (stack) => stack.restartTemporal(downMs(options, 3_000)),
      options,
    ),

  postgresRestart: (options) =>
    restartDrill('postgresRestart', 'PostgreSQL', 'PostgreSQL down s', (stack) => stack.restartPostgres(downMs(options, 5_000)), options),

  /** The postmaster killed -9: every backend ends its connection at once, no shutdown checkpoint; recovery from WAL. */
  postgresKill9: (options) =>
    restartDrill(
      'postgresKill9',
      'PostgreSQL (kill -9)',
      'PostgreSQL down s',
      (stack) => stack.restartPostgres(downMs(options, 3_000), true),
      options,
    ),

  /** The dev server killed -9 mid-write (SQLite in WAL mode). */
  temporalKill9: (options) =>
    restartDrill(
      'temporalKill9',
      'Temporal dev server (kill -9)',
      'Temporal down s',
      (stack) => stack.restartTemporal(downMs(options, 3_000), true),
      options,
    ),

  /**
   * The API killed -9 while orders arrive: the order source retries each unanswered order with its Idempotency-Key
   * (as a shop's client does), the API comes back, and every order exists once and completes; the carriers' tracking
   * pushes of the outage are delivered again.
   */
  async apiKill9(options) {
    const orders = options.smoke ? 24 : Number(options.args.orders ?? 200);
    return runDrill(
      {
        name: 'apiKill9',
        orders,
        stack: { timeScale: INSTANT },
        drainTimeoutMs: drainMs(options),
        intake: (stack) => intakeThroughAnApiKill(stack, orders),
      },
      options,
    );
  },

  async carrierFaults(options) {
    const orders = options.smoke ? 12 : Number(options.args.orders ?? 200);
    const fault = { errorRate: 0.3, timeoutRate: 0.05, timeoutMs: 5_000 };
    return runDrill(
      {
        name: 'carrierFaults',
        orders,
        stack: { timeScale: INSTANT, simulatorScript: { faults: { swiftpost: fault, parcelnord: fault, ecoroute: fault }, faultSeed: 7 } },
        drainTimeoutMs: options.smoke ? 45_000 : 900_000,
      },
      options,
    );
  },

  async burst(options) {
    const orders = options.smoke ? 40 : Number(options.args.orders ?? 2000);
    const windowMs = options.smoke ? 4_000 : 10_000;
    // As deployed by default: the adaptive start limit alone (COLIS_INTAKE_ADAPTIVE_STARTS) holds the backlog in
    // PostgreSQL and lets orders in at the rate the workers finish them. `--start-rate=N` adds the fixed metering
    // measured before it existed (~1 order/s here); `--adaptive=false` without a rate lets all of them into Temporal at
    // once (measured: the sticky cache overflows, see RESULTS.md).
    const startRate = Number(options.args['start-rate'] ?? 0);
    const adaptive = options.args.adaptive !== 'false';
    return runDrill(
      {
        name: 'burst',
        orders,
        stack: {
          timeScale: INSTANT,
          apiEnv: {
            COLIS_INTAKE_ADAPTIVE_STARTS: String(adaptive),
            ...(startRate > 0 ? { COLIS_INTAKE_MAX_STARTS_PER_SECOND: String(startRate) } : {}),
          },
        },
        drainTimeoutMs: options.smoke ? 60_000 : Number(options.args['drain-min'] ?? 50) * 60_000,
        intake: (stack) => openLoopBurst(stack, orders, windowMs),
      },
      options,
    );
  },
};

/** Offers `count` orders evenly over `windowMs` whatever the answers take (open loop), and records each answer. */
async function openLoopBurst(stack: Stack, count: number, windowMs: number) {
  const started = performance.now();
  const answers: Promise<{ status: number; ms: number; orderId?: string }>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * windowMs) / count;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    answers.push(postOrder(stack.apiUrl, orderRequest('single', i)).catch(() => ({ status: 0, ms: Number.NaN })));
  }
  const offeredSeconds = (performance.now() - started) / 1000;
  const results = await Promise.all(answers);
  const queuedStarts = await unstartedOrders(stack);
  const ms = results.filter((r) => r.status === 202).map((r) => r.ms);
  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    orderIds: results.flatMap((r) => (r.orderId ? [r.orderId] : [])),
    refused: results.filter((r) => r.status !== 202).length,
    figures: {
      'offered orders': count,
      'offered over s': fmt(offeredSeconds),
      'answers by status': JSON.stringify(statuses),
      'intake p50 ms': fmt(quantile(ms, 0.5)),
      'intake p99 ms': fmt(quantile(ms, 0.99)),
      'intake max ms': fmt(Math.max(...ms)),
      'workflow starts still queued after the last answer': queuedStarts,
    },
  };
}

/**
 * Posts `count` orders, each under its own Idempotency-Key and asked again with it until answered (status 0, 5xx:
 * the connection died or the API could not say; 200 then names the order recorded before the kill), 8 at a time; once a third are accepted the API is killed -9 and
 * started again 1.5 s later. The same key must give the same order: the order ids answered are counted distinct.
 */
async function intakeThroughAnApiKill(stack: Stack, count: number) {
  const accepted = new Map<number, string>();
  let asks = 0;
  let refused = 0;
  let killed: Promise<Record<string, number | string>> | undefined;
  const killAndRestart = async () => {
    const pid = stack.api?.pid ?? -1;
    await stack.api?.kill9();
    process.stdout.write(`  kill -9 API ${pid} with ${accepted.size}/${count} orders accepted\n`);
    await sleep(1_500);
    const api = await stack.startApi();
    process.stdout.write(`  API restarted as ${api.pid}\n`);
    return { 'accepted when killed': accepted.size, 'killed API pid': pid, 'restarted API pid': api.pid };
  };
  // Answers other than 202 and 4xx, by status (0: no answer), printed every 5 s while any come.
  const answers = new Map<number, number>();
  const watch = setInterval(() => {
    if (answers.size > 0)
      process.stdout.write(`  asked again after: ${[...answers].map(([s, n]) => `${n} × ${s || 'no answer'}`).join(', ')}\n`);
  }, 5_000);
  let next = 0;
  const source = async () => {
    while (next < count) {
      const n = next++;
      const key = randomUUID();
      for (;;) {
        asks += 1;
        const answer = await postOrder(stack.apiUrl, orderRequest('single', n), key);
        // 202: recorded now; 200: recorded before under this key (the answer the kill cut off), the same order.
        if ((answer.status === 202 || answer.status === 200) && answer.orderId) {
          accepted.set(n, answer.orderId);
          if (!killed && accepted.size >= count / 3) killed = killAndRestart();
          break;
        }
        if (answer.status >= 400 && answer.status < 500) {
          refused += 1;
          break;
        }
        answers.set(answer.status, (answers.get(answer.status) ?? 0) + 1);
        await sleep(200);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, source)).finally(() => clearInterval(watch));
  const figures = (await killed) ?? {};
  const orderIds = [...accepted.values()];
  // The intake's outbox: one row per order accepted (the order's own row is written later, by its workflow).
  const inDatabase = await stack.db.orderIntake.count();
  const distinct = new Set(orderIds).size;
  const problems = [
    ...(distinct !== orderIds.length ? [`${orderIds.length - distinct} orders answered with another order's id`] : []),
    ...(inDatabase !== distinct ? [`${inDatabase} orders in the intake outbox for ${distinct} answered: an order doubled`] : []),
  ];
  return {
    orderIds,
    refused,
    problems,
    figures: { ...figures, 'asks (with retries)': asks, 'orders answered': distinct, 'orders in the intake outbox': inDatabase },
  };
}
