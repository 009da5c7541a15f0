import { INSTANT_CLOCK } from './lib/clocks';
import { WorkflowNotFoundError } from '@temporalio/client';
import { CEILING_QUEUE, ceilingShape, ceilingShapeCount } from './ceiling/shapes';
import type { ceilingOrder } from './ceiling/workflows';
import { type OrderShape, postOrders } from './lib/orders';
import { fmt, fmtSpread, printTable, spread, writeResult } from './lib/report';
import { type CpuByRole, cpuByRole, cpuPerOrder } from './lib/process-cpu';
import { type Stack, sleep, withStack } from './lib/stack';
import { readStatements, resetStatements, type StatementCount } from './lib/statements';
import type { BenchOptions } from './lib/cli';
import { historyCost } from './lib/actions';
import { exportOrderHistories } from './lib/history-export';
import { type MeanCost, means, printMeans } from './cost';

/**
 * End-to-end throughput: orders fully journeyed per second (intake over HTTP → every parcel
 * delivered), the simulator in instant mode (COLIS_TIME_SCALE=1e6: a day of transit is 86 ms),
 * against the ceiling — the same Temporal work with nothing in it — in the same run, alternating.
 */

const TIME_SCALE = INSTANT_CLOCK;

export async function throughput(options: BenchOptions): Promise<void> {
  const runs = options.smoke ? 1 : Number(options.args.runs ?? 3);
  const counts: Record<OrderShape, number> = options.smoke
    ? { single: 10, split5: 5 }
    : { single: Number(options.args.single ?? 200), split5: Number(options.args.split ?? 100) };
  const profDir = options.args['cpu-prof'];
  await withStack(
    { timeScale: TIME_SCALE, extraStock: 100_000, workerCpuProfDir: profDir, apiCpuProfDir: profDir, statementStatistics: true },
    async (stack) => {
      await stack.spawnNode('ceiling-worker', 'bench/ceiling/worker.ts', {}, profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
      // Warm both sides up (bundles, caches, JIT, connection pools) before anything is measured.
      await runOurs(stack, 'single', 3);
      await runCeiling(stack, 'single', 3);
      const table: Record<OrderShape, { ours: number[]; ceiling: number[]; ratio: number[]; notCompleted: number; escalations: number }> = {
        single: { ours: [], ceiling: [], ratio: [], notCompleted: 0, escalations: 0 },
        split5: { ours: [], ceiling: [], ratio: [], notCompleted: 0, escalations: 0 },
      };
      // CPU per order by process, our runs only (the ceiling's runs are left out of the readings).
      const cpu: Record<OrderShape, { before: CpuByRole; after: CpuByRole }[]> = { single: [], split5: [] };
      const statements: Record<OrderShape, StatementCount[][]> = { single: [], split5: [] };
      const lastRuns: Partial<Record<OrderShape, { ours: string[]; ceiling: string[] }>> = {};
      for (const shape of ['single', 'split5'] as const) {
        for (let r = 0; r < runs; r++) {
          await resetStatements(stack.db);
          const before = cpuByRole();
          const ours = await runOurs(stack, shape, counts[shape]);
          cpu[shape].push({ before, after: cpuByRole() });
          statements[shape].push(await readStatements(stack.db));
          const ceiling = await runCeiling(stack, shape, counts[shape]);
          lastRuns[shape] = { ours: ours.workflowIds, ceiling: ceiling.workflowIds };
          const row = table[shape];
          row.ours.push(ours.perSecond);
          row.ceiling.push(ceiling.perSecond);
          row.ratio.push(ours.perSecond / ceiling.perSecond);
          row.notCompleted += ours.notCompleted;
          process.stdout.write(
            `  ${shape} run ${r + 1}/${runs}: ours ${fmt(ours.perSecond)} orders/s (${counts[shape]} in ${fmt(ours.seconds)} s), ceiling ${fmt(ceiling.perSecond)} orders/s, ratio ${fmt(ours.perSecond / ceiling.perSecond, 2)}\n`,
          );
        }
      }
      const work = await sameWorkCheck(stack, lastRuns);
      const escalations = await stack.db.escalation.count();
      const rows = (['single', 'split5'] as const).map((shape) => {
        const row = table[shape];
        return [
          shape,
          counts[shape],
          fmtSpread(spread(row.ours)),
          fmtSpread(spread(row.ceiling)),
          fmtSpread(spread(row.ratio), 2),
          row.notCompleted,
        ];
      });
      printTable(
        `end-to-end throughput, orders/s, median (min–max) of ${runs} run(s); COLIS_TIME_SCALE=${TIME_SCALE}`,
        ['order shape', 'orders/run', 'Colis', 'ceiling', 'Colis / ceiling', 'not completed'],
        rows,
      );
      const cpuRows = (['single', 'split5'] as const).flatMap((shape) => {
        const perRun = cpu[shape].map(({ before, after }) => new Map(cpuPerOrder(before, after, counts[shape])));
        const roles = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
        return roles
          .map((role): [string, number[]] => [role, perRun.map((m) => m.get(role) ?? 0)])
          .sort((a, b) => spread(b[1]).median - spread(a[1]).median)
          .map(([role, ms]) => [shape, role, fmtSpread(spread(ms))]);
      });
      printTable(
        'CPU ms per completed order by process (our runs; /proc utime+stime, every process of the stack)',
        ['order shape', 'process', 'CPU ms / order, median (min–max)'],
        cpuRows,
      );
      for (const shape of ['single', 'split5'] as const) {
        const last = statements[shape].at(-1) ?? [];
        const perOrder = (n: number) => fmt(n / counts[shape], 2);
        const total = last.reduce((n, s) => n + s.calls, 0);
        const totalMs = last.reduce((n, s) => n + s.totalMs, 0);
        printTable(
          `${shape}: SQL statements per order, last run (pg_stat_statements; ${perOrder(total)} statements, ${perOrder(totalMs)} ms executing per order)`,
          ['calls / order', 'exec ms / order', 'statement'],
          last.slice(0, 25).map((s) => [perOrder(s.calls), perOrder(s.totalMs), s.query.slice(0, 150)]),
        );
      }
      process.stdout.write(`escalations opened during the runs: ${escalations}\n`);
      writeResult(`throughput${options.smoke ? '-smoke' : ''}`, {
        timeScale: TIME_SCALE,
        runs,
        counts,
        escalations,
        workPerOrder: work,
        cpuMsPerOrder: cpuRows,
        statementsLastRun: statements,
        results: Object.fromEntries(
          (['single', 'split5'] as const).map((s) => [
            s,
            {
              ours: spread(table[s].ours),
              ceiling: spread(table[s].ceiling),
              ratio: spread(table[s].ratio),
              notCompleted: table[s].notCompleted,
            },
          ]),
        ),
      });
    },
  );
}

/** Posts `count` orders through the API and waits for every order workflow's result. */
async function runOurs(
  stack: Stack,
  shape: OrderShape,
  count: number,
): Promise<{ perSecond: number; seconds: number; notCompleted: number; workflowIds: string[] }> {
  const started = performance.now();
  const results: Promise<unknown>[] = [];
  const workflowIds: string[] = [];
  const posted = await postOrders(stack.apiUrl, shape, count, 32);
  let notCompleted = posted.filter((p) => p.status !== 202 || !p.orderId).length;
  for (const p of posted) {
    if (!p.orderId) continue;
    workflowIds.push(`order-${p.orderId}`);
    results.push(resultOnceStarted(stack, `order-${p.orderId}`));
  }
  const outcomes = await Promise.allSettled(results);
  const seconds = (performance.now() - started) / 1000;
  notCompleted += outcomes.filter((o) => o.status === 'rejected' || (o.value as { stage?: string }).stage !== 'completed').length;
  return { perSecond: count / seconds, seconds, notCompleted, workflowIds };
}

/** The workflow's result; intake may answer before the start (behind a backlog), so "not found" is waited out. */
async function resultOnceStarted(stack: Stack, workflowId: string): Promise<unknown> {
  for (;;) {
    try {
      return await stack.client.workflow.getHandle(workflowId).result();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await sleep(100);
    }
  }
}

let ceilingSeq = 0;
async function runCeiling(
  stack: Stack,
  shape: OrderShape,
  count: number,
): Promise<{ perSecond: number; seconds: number; workflowIds: string[] }> {
  const started = performance.now();
  const handles: Promise<unknown>[] = [];
  const workflowIds: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, count) }, async () => {
      while (next < count) {
        const n = next;
        next += 1;
        ceilingSeq += 1;
        const workflowId = `ceiling-${process.pid}-${ceilingSeq}`;
        workflowIds[n] = workflowId;
        const handle = await stack.client.workflow.start<typeof ceilingOrder>('ceilingOrder', {
          taskQueue: CEILING_QUEUE,
          workflowId,
          args: [ceilingShape(shape, n)],
        });
        handles.push(handle.result());
      }
    }),
  );
  await Promise.all(handles);
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, seconds, workflowIds };
}

/**
 * The ratio means something only while the ceiling does Colis's Temporal work: both sides' billable
 * actions and events per order, counted as the cost bench counts them, from the last run's histories
 * (Colis's first orders, and the ceiling's first pass over its recorded shapes).
 */
async function sameWorkCheck(
  stack: Stack,
  lastRuns: Partial<Record<OrderShape, { ours: string[]; ceiling: string[] }>>,
): Promise<MeanCost[]> {
  const rows: MeanCost[] = [];
  for (const [shape, ids] of Object.entries(lastRuns)) {
    const take = ceilingShapeCount(shape as OrderShape);
    for (const [subject, workflowIds] of [
      ['Colis', ids.ours.slice(0, Math.max(take, 5))],
      ['ceiling', ids.ceiling.slice(0, take)],
    ] as const) {
      const orders = [];
      for (const workflowId of workflowIds) {
        const exported = await exportOrderHistories(stack.client, workflowId);
        orders.push({
          clock: TIME_SCALE,
          shape,
          workflowId,
          cost: historyCost(exported.runs),
          serverHistoryBytes: exported.serverHistoryBytes,
        });
      }
      rows.push(...means(orders, subject));
    }
  }
  printMeans('Colis and the ceiling, same Temporal work? (last run)', rows);
  return rows;
}
