import { readFileSync } from 'node:fs';
import type { BenchOptions } from './lib/cli';
import { orderRequest, postOrder } from './lib/orders';
import { fmt, printTable, writeResult } from './lib/report';
import { type Stack, sleep, withStack } from './lib/stack';

/**
 * Worker resident memory with many shipments open at once: every parcel plays the simulator's
 * `stall` scenario (a pickup scan, then silence), so its shipment workflow stays open waiting for
 * scans. RSS comes from /proc/<worker pid>/status at each checkpoint; maxCachedWorkflows
 * (COLIS_MAX_CACHED_WORKFLOWS) bounds the sticky cache.
 *
 * It runs at real time by default (time scale 1) with warehouses that pick on arrival: a waiting
 * shipment then sleeps as it would in production, its next poll hours away. A compressed clock
 * would make thousands of waiting shipments poll their carriers every few seconds, measuring the
 * poll traffic instead of the memory of waiting. (Weekends have no pick slots: run it on a weekday.)
 *
 * Memory per cached workflow is the least-squares slope of RSS over the workflows the worker holds
 * in its sticky cache: the running workflows (orders waiting on their shipments, shipments waiting
 * for scans: Temporal's own count), capped by maxCachedWorkflows. Idle RSS is taken 5 s after the
 * worker is ready, before any order. `--smoke` checkpoints on 100–400 running workflows (about
 * five minutes, any day of the week: an order waiting for Monday's pick slot is cached all the
 * same): enough for a before/after figure, the slope is already steady there.
 */

/** With the carrier: the label is bought and the shipment waits for scans (or, once stuck, for ops). */
const WAITING_FOR_SCANS = ['label_created', 'in_transit', 'out_for_delivery', 'exception'];

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function openShipments(stack: Stack): Promise<{ open: number; byStatus: Record<string, number> }> {
  const rows = await stack.db.shipment.groupBy({ by: ['status'], _count: { _all: true } });
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
  return { open: rows.filter((r) => WAITING_FOR_SCANS.includes(r.status)).reduce((n, r) => n + r._count._all, 0), byStatus };
}

interface Sample {
  open: number;
  running: number;
  cached: number;
  posted: number;
  rssMiB: number;
  atSeconds: number;
  byStatus: Record<string, number>;
}

/** Workflows running in the namespace (orders and shipments alike), as Temporal's visibility counts them. */
async function runningWorkflows(stack: Stack): Promise<number> {
  const { count } = await stack.client.workflow.count('ExecutionStatus = "Running"');
  return count;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

export async function memory(options: BenchOptions): Promise<void> {
  // Checkpoints: shipments waiting for scans, or (the smoke) workflows running — an order and its
  // shipment are two, cached as soon as they start, whatever they wait for — which the smoke
  // reaches in a minute or two whatever the day of the week.
  const byRunning = options.smoke || options.args.by === 'running';
  const targets = (options.args.shipments ?? options.args.running ?? (byRunning ? '100,200,300,400' : '500,1000,2000,3000,4000,5000'))
    .split(',')
    .map(Number);
  const maxCached = Number(options.args['max-cached'] ?? 1000);
  const budgetMs = Number(options.args['budget-min'] ?? (options.smoke ? 12 : 140)) * 60_000;
  const timeScale = Number(options.args['time-scale'] ?? 1);
  await withStack(
    {
      timeScale,
      extraStock: 100_000,
      openWarehouses: true,
      simulatorScript: { default: 'stall' },
      workerEnv: { COLIS_MAX_CACHED_WORKFLOWS: String(maxCached) },
    },
    async (stack) => {
      const pid = stack.worker?.pid ?? -1;
      const samples: Sample[] = [];
      await sleep(5_000);
      const idle = rssMiB(pid);
      samples.push({ open: 0, running: 0, cached: 0, posted: 0, rssMiB: idle, atSeconds: 0, byStatus: {} });
      const started = performance.now();
      let posted = 0;
      let pending: Promise<unknown>[] = [];
      for (const target of targets) {
        for (;;) {
          const { open, byStatus } = await openShipments(stack);
          const runningNow = byRunning ? await runningWorkflows(stack) : 0;
          if (byRunning ? runningNow >= target : open >= target) {
            // Let the workflows just started finish their first tasks before reading memory.
            if (byRunning) await sleep(10_000);
            const running = await runningWorkflows(stack);
            const cached = Math.min(running, maxCached);
            const sample = {
              open,
              running,
              cached,
              posted,
              rssMiB: rssMiB(pid),
              atSeconds: (performance.now() - started) / 1000,
              byStatus,
            };
            samples.push(sample);
            process.stdout.write(
              `  ${byRunning ? `${target} running workflows reached: ` : ''}${open} shipments waiting for scans (${JSON.stringify(byStatus)}), ${running} workflows running: worker RSS ${fmt(sample.rssMiB)} MiB\n`,
            );
            break;
          }
          if (performance.now() - started > budgetMs) break;
          // Keep a bounded lead of orders ahead of the workers, so intake never floods Temporal.
          while (byRunning ? posted * 2 < target : posted < target && posted - open < 200) {
            pending.push(postOrder(stack.apiUrl, orderRequest('single', posted)).catch(() => undefined));
            posted += 1;
            if (pending.length >= 20) {
              await Promise.all(pending);
              pending = [];
            }
          }
          await sleep(1_000);
        }
        if (performance.now() - started > budgetMs) {
          process.stdout.write(`  time budget spent before checkpoint ${target}\n`);
          break;
        }
      }
      await sleep(5_000);
      const settled = { ...(await openShipments(stack)), rssMiB: rssMiB(pid) };
      printTable(
        `worker resident memory (VmRSS of pid ${pid}), stall scenario, COLIS_TIME_SCALE=${timeScale}, maxCachedWorkflows=${maxCached}`,
        ['shipments waiting for scans', 'workflows running', 'cached (≤ max)', 'worker RSS MiB', 'reached after s'],
        [
          ...samples.map((s) => [s.open, s.running, s.cached, fmt(s.rssMiB), fmt(s.atSeconds)]),
          [`${settled.open} (5 s later)`, '', '', fmt(settled.rssMiB), ''],
        ],
      );
      // The step from idle to the first checkpoint also holds one-time costs (connection pools, JIT,
      // the first activities' modules): the slope is taken over the loaded checkpoints when there are two.
      const loaded = samples.filter((s) => s.cached > 0);
      const fitted = loaded.length >= 2 ? loaded : samples;
      const perCached = slope(fitted.map((s) => [s.cached, s.rssMiB]));
      process.stdout.write(
        `\nworker RSS idle: ${fmt(idle)} MiB; per cached workflow: ${fmt(perCached * 1024, 0)} KiB (least-squares slope over ${fitted.length} checkpoints${fitted === loaded ? ', idle left out' : ''})\n`,
      );
      writeResult(`memory${options.smoke ? '-smoke' : ''}`, {
        timeScale,
        maxCachedWorkflows: maxCached,
        targets,
        idleRssMiB: idle,
        rssPerCachedWorkflowKiB: perCached * 1024,
        samples,
        settled,
      });
    },
  );
}
