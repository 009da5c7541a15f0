import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { freePort } from '../scripts/lib/ports';
import type { BenchOptions } from './lib/cli';
import { drainStarts, orderRequest, postOrder, unstartedOrders } from './lib/orders';
import { fmt, fmtSpread, printTable, spread, writeResult } from './lib/report';
import { offerPaced } from './lib/paced-load';
import { INTAKE_KEY, type Stack, withStack } from './lib/stack';

/**
 * Intake latency and capacity: POST /orders at fixed offered rates (open loop, a unique
 * Idempotency-Key per request), then the rate stepped up to find the highest one sustained with
 * p99 < 50 ms and no errors; the same against a bare Fastify route in the same run. Two load
 * generators (`--generators=paced,autocannon`): evenly spaced arrivals (bench/lib/paced-load.ts),
 * and autocannon, whose rate limit sends each second's quota as one burst at the top of the second:
 * the same mean rate, but every second opens with a queue of the whole second's requests. The API runs
 * as its own process with no worker: intake is validate, authenticate, commit the order, and start
 * its workflow (waiting at most COLIS_INTAKE_START_WAIT_MS for the start). After each load on Colis
 * the bench waits until every accepted order's workflow has started, and reports how long the
 * backlog took: the rate Temporal takes starts at, which intake no longer waits for.
 *
 * `--start-rate=N` runs the API with COLIS_INTAKE_MAX_STARTS_PER_SECOND=N, the setting for a
 * deployment whose Temporal server shares its machine: the server then does a bounded, steady amount
 * of start work whatever the offered load, the backlog waits in PostgreSQL, and the figures measure
 * intake itself (validate, authenticate, commit). There is no drain between loads in that mode (the
 * metered starts go on through every load, as in production); the backlog left is reported instead.
 */

interface Load {
  offered: number;
  achieved: number;
  p50: number;
  p99: number;
  errors: number;
  non202: number;
  /** Colis only: orders still waiting for their workflow start when the load ended, and the seconds they took to start. */
  backlog?: number;
  drainSeconds?: number;
}

const ORDER_BODY = JSON.stringify(orderRequest('single', 1));

/** autocannon: its rate limit sends each connection's per-second quota back to back (bursts at the top of each second). */
async function offerAutocannon(url: string, rate: number, seconds: number): Promise<Load> {
  const result = await autocannon({
    url: `${url}/orders`,
    method: 'POST',
    connections: Math.min(200, Math.max(20, Math.ceil(rate / 10))),
    overallRate: rate,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', 'x-api-key': INTAKE_KEY, 'idempotency-key': randomUUID() },
          body: ORDER_BODY,
        }),
      },
    ],
  });
  const non202 = result.statusCodeStats
    ? Object.entries(result.statusCodeStats)
        .filter(([code]) => code !== '202')
        .reduce((n, [, s]) => n + (s.count ?? 0), 0)
    : result.non2xx;
  return {
    offered: rate,
    achieved: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non202,
  };
}

/** Evenly spaced arrivals, latency from each request's due time (bench/lib/paced-load.ts). */
async function offerEvenly(url: string, rate: number, seconds: number): Promise<Load> {
  const { offered, achieved, p50, p99, errors, non202 } = await offerPaced({
    url: `${url}/orders`,
    rate,
    seconds,
    headers: { 'x-api-key': INTAKE_KEY },
    body: ORDER_BODY,
  });
  return { offered, achieved, p50, p99, errors, non202 };
}

const GENERATORS = { paced: offerEvenly, autocannon: offerAutocannon } as const;
type GeneratorName = keyof typeof GENERATORS;

export async function intake(options: BenchOptions): Promise<void> {
  const runs = options.smoke ? 1 : Number(options.args.runs ?? 3);
  const seconds = options.smoke ? 3 : Number(options.args.seconds ?? 10);
  const rates = (options.args.rates ?? '100,300').split(',').map(Number);
  if (rates.some((rate) => !(rate > 0))) throw new Error('--rates is a comma-separated list of requests per second');
  const steps =
    options.args.steps === 'none'
      ? []
      : options.smoke
        ? [100, 300, 600]
        : [100, 200, 300, 400, 500, 600, 800, 1000, 1300, 1600, 2000, 2500, 3000, 4000];
  const generators = (options.args.generators ?? 'paced,autocannon').split(',') as GeneratorName[];
  for (const g of generators) if (!(g in GENERATORS)) throw new Error(`--generators: unknown generator ${g} (paced, autocannon)`);
  const startRate = options.args['start-rate'] === undefined ? undefined : Number(options.args['start-rate']);
  if (startRate !== undefined && !(startRate > 0)) throw new Error('--start-rate must be a positive number of starts per second');
  const apiEnv: Record<string, string> = startRate === undefined ? {} : { COLIS_INTAKE_MAX_STARTS_PER_SECOND: String(startRate) };
  /** After a load on Colis: unmetered, wait for every start; metered, only count what is left waiting. */
  const afterColisLoad = async (stack: Stack): Promise<Pick<Load, 'backlog' | 'drainSeconds'>> =>
    startRate === undefined ? drainStarts(stack) : { backlog: await unstartedOrders(stack) };
  const mode = startRate === undefined ? 'starts unmetered' : `starts metered at ${startRate}/s`;
  await withStack({ timeScale: 1440, services: 'api', apiEnv, apiCpuProfDir: options.args['cpu-prof'] }, async (stack) => {
    const bare = await stack.spawnNode('bare-fastify', 'bench/bare-server.ts', { COLIS_API_PORT: String(await freePort()) });
    // The log stream may not have flushed the ready line yet when the process is seen ready.
    let bareUrl: string | undefined;
    for (let i = 0; i < 50 && !bareUrl; i++) {
      bareUrl = readFileSync(bare.logFile, 'utf8').match(/url=(\S+)/)?.[1];
      if (!bareUrl) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!bareUrl) throw new Error('the bare Fastify server did not say where it listens');
    const targets = { colis: stack.apiUrl, bare: bareUrl } as const;
    await offerEvenly(targets.colis, 50, 2);
    await offerEvenly(targets.bare, 50, 2);

    const results: Record<string, unknown> = {};
    for (const generator of generators) {
      const offer = GENERATORS[generator];
      const fixed: Record<string, Record<number, Load[]>> = { colis: {}, bare: {} };
      for (let r = 0; r < runs; r++) {
        for (const rate of rates) {
          for (const [name, url] of Object.entries(targets)) {
            const load = await offer(url, rate, seconds);
            if (name === 'colis') Object.assign(load, await afterColisLoad(stack));
            const runsAtRate = fixed[name]![rate] ?? [];
            runsAtRate.push(load);
            fixed[name]![rate] = runsAtRate;
            process.stdout.write(
              `  ${generator}: ${name} @${rate}/s run ${r + 1}: p50 ${load.p50} ms, p99 ${load.p99} ms, ${fmt(load.achieved)} req/s, ${load.errors} errors, ${load.non202} non-202` +
                (load.backlog === undefined
                  ? ''
                  : load.drainSeconds === undefined
                    ? `; ${load.backlog} starts waiting (metered at ${startRate}/s)`
                    : `; ${load.backlog} starts queued at the end, all started ${fmt(load.drainSeconds)} s later`) +
                '\n',
            );
          }
        }
      }
      const capacity: Record<string, { sustained: number; steps: Load[] }> = {};
      for (const [name, url] of Object.entries(targets)) {
        const tried: Load[] = [];
        let sustained = 0;
        for (const rate of steps) {
          const load = await offer(url, rate, options.smoke ? 3 : 5);
          if (name === 'colis') Object.assign(load, await afterColisLoad(stack));
          tried.push(load);
          const ok = load.p99 < 50 && load.errors === 0 && load.non202 === 0 && load.achieved >= rate * 0.95;
          process.stdout.write(
            `  ${generator}: ${name} step ${rate}/s: p99 ${load.p99} ms, ${fmt(load.achieved)} req/s, ${load.errors} errors, ${load.non202} non-202 → ${ok ? 'sustained' : 'not sustained'}\n`,
          );
          if (!ok) break;
          sustained = rate;
        }
        capacity[name] = { sustained, steps: tried };
      }
      const rows = rates.flatMap((rate) =>
        Object.keys(targets).map((name) => {
          const loads = fixed[name]![rate]!;
          return [
            `${name} @ ${rate}/s`,
            fmtSpread(spread(loads.map((l) => l.p50)), 0),
            fmtSpread(spread(loads.map((l) => l.p99)), 0),
            loads.reduce((n, l) => n + l.errors + l.non202, 0),
            name !== 'colis'
              ? '–'
              : startRate === undefined
                ? `${fmtSpread(spread(loads.map((l) => l.backlog ?? 0)), 0)} / ${fmtSpread(spread(loads.map((l) => l.drainSeconds ?? 0)), 1)} s`
                : `${fmtSpread(spread(loads.map((l) => l.backlog ?? 0)), 0)} waiting (metered ${startRate}/s)`,
          ];
        }),
      );
      printTable(
        `intake latency (${generator}, ${mode}), ms, median (min–max) of ${runs} run(s) × ${seconds} s, open loop`,
        ['target', 'p50', 'p99', 'errors + non-202', 'starts queued at end / started after'],
        rows,
      );
      printTable(
        `intake capacity (${generator}, ${mode}): highest offered rate with p99 < 50 ms, zero errors, ≥ 95 % achieved`,
        ['target', 'sustained req/s', 'first step that failed'],
        Object.entries(capacity).map(([name, c]) => {
          const failed = c.steps.find((s) => s.offered > c.sustained);
          return [
            name,
            c.sustained,
            failed
              ? `${failed.offered}/s: p99 ${failed.p99} ms, ${fmt(failed.achieved)} achieved, ${failed.errors + failed.non202} errors`
              : `none up to ${steps[steps.length - 1]}/s`,
          ];
        }),
      );
      results[generator] = { fixed, capacity };
    }
    const cpu = await cpuPerOrder(stack, options.smoke ? 200 : 1000);
    printTable(
      `intake cost per order, one at a time (${cpu.orders} orders, load-independent)`,
      ['API CPU per order', 'latency p50', 'latency p99'],
      [[`${fmt(cpu.cpuMsPerOrder, 2)} ms`, `${fmt(cpu.p50, 1)} ms`, `${fmt(cpu.p99, 1)} ms`]],
    );
    results.cpuPerOrder = cpu;
    writeResult(`intake${startRate === undefined ? '' : '-metered'}${options.smoke ? '-smoke' : ''}`, {
      runs,
      seconds,
      startRate,
      generators: results,
    });
  });
}

/**
 * What one order costs the API process in CPU time (user + system, from /proc), posted one at a time: unlike
 * latency on a shared machine, it does not depend on what else the machine is doing.
 */
async function cpuPerOrder(stack: Stack, orders: number): Promise<{ orders: number; cpuMsPerOrder: number; p50: number; p99: number }> {
  const pid = stack.api?.pid;
  const cpuMs = () => {
    if (!pid) return Number.NaN;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) || 0) + (Number(fields[12]) || 0)) * 10;
  };
  for (let i = 0; i < 20; i++) await postOrder(stack.apiUrl, orderRequest('single', i));
  const before = cpuMs();
  const latencies: number[] = [];
  for (let i = 0; i < orders; i++) latencies.push((await postOrder(stack.apiUrl, orderRequest('single', i))).ms);
  const used = cpuMs() - before;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { orders, cpuMsPerOrder: used / orders, p50: at(0.5), p99: at(0.99) };
}
