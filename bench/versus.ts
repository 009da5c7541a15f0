import { readFileSync } from 'node:fs';
import { historyCost } from './lib/actions';
import { acceptsOutageDetectorOff, prepareCheckout, startCheckout } from './lib/base-checkout';
import type { BenchOptions } from './lib/cli';
import type { OrderShape } from './lib/orders';
import { startReferenceApp } from './lib/reference-app';
import { fmt, fmtSpread, printTable, spread, writeResult } from './lib/report';
import { sleep, withStack } from './lib/stack';
import { cpuByRole, cpuPerOrder } from './lib/process-cpu';
import { colisSubject, type Subject } from './lib/subjects';
import { INSTANT_CLOCK, type OrderCost, printMeans, means } from './cost';

/**
 * Side by side on one Temporal server and one PostgreSQL, alternating: the current code ("new"),
 * another commit of Colis ("old", `--base=<commit>`, e.g. c0dd4a5, the code before issue 11's
 * rewrite) and Temporal's reference app (`--reference-app-bin=<path to its oms binary>`). Each
 * measures completed orders/s (orders fully journeyed, instant clock), the cost of a few orders
 * (actions by kind, events, bytes: the cost bench's exporter and counter), and its worker's idle RSS.
 * Throughput is a ratio of neighbouring runs on the same machine, the order of subjects rotated
 * each run, so the load of the moment weighs on every side alike.
 *
 * `--new=<commit>` runs a checkout as the "new" side too: `--base=c0dd4a5 --new=c0dd4a5` is the
 * harness's own check (same code both sides: the ratio must come out ≈ 1).
 */

const EXTRA_STOCK = 100_000;

export async function versus(options: BenchOptions): Promise<void> {
  const runs = options.smoke ? 1 : Number(options.args.runs ?? 3);
  const counts: Record<OrderShape, number> = options.smoke
    ? { single: 6, split5: 3 }
    : { single: Number(options.args.single ?? 40), split5: Number(options.args.split ?? 20) };
  const costCounts: Record<OrderShape, number> = options.smoke ? { single: 1, split5: 1 } : { single: 3, split5: 2 };
  // The code before issue 11's rewrite, unless told otherwise; `--base=none` compares with the reference app alone.
  const base = options.args.base === 'none' ? undefined : (options.args.base ?? 'c0dd4a5');
  const newCommit = options.args.new;
  const referenceBin = options.args['reference-app-bin'];
  if (!base && !referenceBin) throw new Error('nothing to compare with: give --base=<commit> and/or --reference-app-bin=<path>');
  const log = (line: string) => process.stdout.write(line);
  const baseCheckout = base ? prepareCheckout(base, log) : undefined;
  const newCheckout = newCommit ? prepareCheckout(newCommit, log) : undefined;
  // Every Colis side runs its outage detector alike: off (only ops declare outages) unless a side cannot turn it off.
  const outageDetectorOff = [baseCheckout, newCheckout].every((c) => c === undefined || acceptsOutageDetectorOff(c));
  log(`  warehouse outage detector: ${outageDetectorOff ? 'off on every side' : 'armed on every side (a checkout cannot turn it off)'}\n`);
  await withStack(
    {
      timeScale: INSTANT_CLOCK,
      extraStock: EXTRA_STOCK,
      extraNamespaces: ['colis-base', 'colis-new'],
      services: newCheckout ? 'none' : 'all',
      ...(outageDetectorOff ? {} : { workerEnv: { COLIS_WAREHOUSE_DOWN_AFTER_MINUTES: '' } }),
    },
    async (stack) => {
      const subjects: Subject[] = [];
      const sides = { outageDetectorOff };
      if (newCheckout) subjects.push(await startCheckout(stack, newCheckout, `new ${newCommit}`, 'colis-new', EXTRA_STOCK, sides));
      else subjects.push(colisSubject('new (this checkout)', stack.apiUrl, stack.client, stack.worker?.pid ?? -1));
      if (baseCheckout) subjects.push(await startCheckout(stack, baseCheckout, `old ${base}`, 'colis-base', EXTRA_STOCK, sides));
      if (referenceBin) subjects.push(await startReferenceApp(stack, referenceBin));
      await sleep(5_000);
      const idleRss = subjects.map((s) => rssMiB(s.workerPid));

      // Warm every side up (bundles, caches, JIT, pools) before anything is measured.
      for (const s of subjects) await s.journey('single', 3);

      const costs: OrderCost[][] = subjects.map(() => []);
      for (const [i, s] of subjects.entries()) {
        for (const shape of ['single', 'split5'] as const) {
          const journeyed = await s.journey(shape, costCounts[shape]);
          for (const workflowId of journeyed.workflowIds) {
            const exported = await s.exportOrder(workflowId);
            costs[i]!.push({
              clock: INSTANT_CLOCK,
              shape,
              workflowId,
              cost: historyCost(exported.runs),
              serverHistoryBytes: exported.serverHistoryBytes,
            });
          }
        }
      }

      const perSecond: Record<OrderShape, number[][]> = { single: subjects.map(() => []), split5: subjects.map(() => []) };
      const notCompleted = subjects.map(() => 0);
      const cpuMs = subjects.map(() => new Map<string, number[]>());
      for (let r = 0; r < runs; r++) {
        for (const shape of ['single', 'split5'] as const) {
          const order = subjects.map((_, i) => (i + r) % subjects.length);
          for (const i of order) {
            const s = subjects[i]!;
            const before = cpuByRole();
            const result = await s.journey(shape, counts[shape]);
            // The servers are shared, but only this side works during its run: their CPU in it is this side's.
            for (const [role, ms] of cpuPerOrder(before, cpuByRole(), counts[shape])) {
              const key = `${shape}|${role}`;
              cpuMs[i]!.set(key, [...(cpuMs[i]!.get(key) ?? []), ms]);
            }
            perSecond[shape][i]!.push(result.perSecond);
            notCompleted[i]! += result.notCompleted;
            log(
              `  ${shape} run ${r + 1}/${runs}: ${s.name} ${fmt(result.perSecond, 2)} orders/s (${counts[shape]} in ${fmt(result.seconds)} s)\n`,
            );
          }
        }
      }
      await sleep(5_000);
      const loadedRss = subjects.map((s) => rssMiB(s.workerPid));

      printMeans(
        'cost of each subject, instant clock',
        subjects.flatMap((s, i) => means(costs[i]!, s.name)),
      );
      const ratioRows = (['single', 'split5'] as const).flatMap((shape) =>
        subjects.slice(1).map((other, j) => {
          const ratios = perSecond[shape][0]!.map((v, r) => v / perSecond[shape][j + 1]![r]!);
          return [shape, `${subjects[0]!.name} / ${other.name}`, fmtSpread(spread(ratios), 2)];
        }),
      );
      printTable(
        `completed orders/s, median (min–max) of ${runs} alternating run(s), ${counts.single} single / ${counts.split5} split orders a run`,
        ['subject', 'single', 'split5', 'not completed', 'worker RSS idle MiB', 'worker RSS after runs MiB'],
        subjects.map((s, i) => [
          s.name,
          fmtSpread(spread(perSecond.single[i]!), 2),
          fmtSpread(spread(perSecond.split5[i]!), 2),
          notCompleted[i]!,
          fmt(idleRss[i]!),
          fmt(loadedRss[i]!),
        ]),
      );
      printTable('throughput ratios (same run, neighbouring measurements)', ['shape', 'ratio', 'median (min–max)'], ratioRows);
      const cpuRows = subjects.flatMap((s, i) =>
        [...cpuMs[i]!.entries()]
          .map(([key, ms]): [string, string, number] => {
            const [shape = '', role = ''] = key.split('|');
            return [shape, role, spread(ms).median];
          })
          .filter(([, , ms]) => ms >= 1)
          .sort((a, b) => a[0].localeCompare(b[0]) || b[2] - a[2])
          .map(([shape, role, ms]) => [s.name, shape, role, fmt(ms)]),
      );
      printTable(
        'CPU ms per completed order by process during each side’s runs (/proc; median of the runs; the servers are shared)',
        ['subject', 'shape', 'process', 'CPU ms / order'],
        cpuRows,
      );
      writeResult(`versus${options.smoke ? '-smoke' : ''}`, {
        base,
        new: newCommit ?? 'this checkout',
        referenceApp: referenceBin ? 'yes' : 'no',
        outageDetectorOff,
        runs,
        counts,
        subjects: subjects.map((s, i) => ({
          name: s.name,
          perSecond: { single: spread(perSecond.single[i]!), split5: spread(perSecond.split5[i]!) },
          notCompleted: notCompleted[i],
          idleRssMiB: idleRss[i],
          rssAfterRunsMiB: loadedRss[i],
          costs: costs[i],
          means: means(costs[i]!, s.name),
        })),
        ratios: ratioRows,
        cpuMsPerOrder: cpuRows,
      });
    },
  );
}

function rssMiB(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}
