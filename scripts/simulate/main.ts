import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../bench/lib/stack';
import type { DecisionRules } from '../../domain/decision-rules';
import type { SimulationResult } from './metrics';
import { runScenario } from './run';
import { type StallDraw, stallDraw } from './draws';
import { loadScenario, type Scenario, SimulationInputError } from './scenario';

/**
 * `npm run simulate -- peak-week [--smoke] [--scenario file.json] [--rules=promise|baseline|both] [--time-scale=N]
 *   [--promise-confidence=P] [--on-time-target=P] [--seed=N] [--draws=FROM-TO]`
 *
 * Runs a scenario (scripts/simulate/scenarios/<name>.json, or any file) on the real stack at its accelerated
 * clock, under the promise engine's decision rules and under the baseline rules (COLIS_DECISION_RULES=baseline),
 * one after the other on fresh stacks, prints a table side by side and, last, one line `RESULT {json}`.
 * `--smoke` runs the scenario's short twin (<name>-smoke.json), both rules at once on two stacks: a few
 * minutes, a check that everything runs. Published figures come from full runs, one rule after the other.
 * `--seed=N` runs the scenario with another seed (other orders, other stalls). `--draws=1-500` runs nothing: it
 * prints, for those seeds, how many first parcels the simulated carriers will stall (draws.ts), and where the
 * scenario's own seed stands among them.
 */

interface SimulateArgs {
  scenarioPath: string;
  rules: DecisionRules[];
  together: boolean;
  timeScale?: number;
  seed?: number;
  draws?: { from: number; to: number };
  targets: { promiseConfidence?: number; onTimeTarget?: number };
}

/** Options that take a value, written `--name=value` or `--name value`. */
const VALUED = new Set(['scenario', 'rules', 'time-scale', 'promise-confidence', 'on-time-target', 'seed', 'draws']);

function parseArgs(argv: string[]): SimulateArgs {
  const flags = new Map<string, string>();
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      const [key, value] = arg.slice(2).split('=', 2);
      const next = argv[i + 1];
      // `--scenario my.json` (as the README writes it) is the file, not a scenario named "my.json" beside a bare flag.
      if (key && value === undefined && VALUED.has(key) && next !== undefined && !next.startsWith('--')) {
        flags.set(key, next);
        i += 1;
      } else if (key) flags.set(key, value ?? 'true');
    } else names.push(arg);
  }
  const known = new Set(['smoke', ...VALUED]);
  const unknown = [...flags.keys()].filter((key) => !known.has(key));
  if (unknown.length > 0)
    throw new SimulationInputError(
      `unknown option --${unknown[0]} (known: --smoke, --scenario=file.json, --rules=promise|baseline|both, --time-scale=N, --promise-confidence=P, --on-time-target=P, --seed=N, --draws=FROM-TO)`,
    );
  // Each of these was read as "no such option" and started the full peak week, a run of hours, on a typo.
  if (names.length > 1)
    throw new SimulationInputError(`one scenario at a time: ${names.map((n) => JSON.stringify(n)).join(', ')} were named`);
  const smoke = flags.get('smoke');
  if (smoke !== undefined && smoke !== 'true') throw new SimulationInputError(`--smoke takes no value, not --smoke=${smoke}`);
  const scenarioFlag = flags.get('scenario');
  if (scenarioFlag === 'true' || scenarioFlag === '')
    throw new SimulationInputError('--scenario needs a file: --scenario=file.json or --scenario file.json');
  if (scenarioFlag !== undefined && names.length > 0)
    throw new SimulationInputError(`name a scenario or give --scenario=file.json, not both (${JSON.stringify(names[0])})`);
  const name = names[0] ?? 'peak-week';
  const scenarioPath = scenarioFlag ?? join(ROOT, 'scripts', 'simulate', 'scenarios', `${name}${smoke === 'true' ? '-smoke' : ''}.json`);
  const rulesFlag = flags.get('rules') ?? 'both';
  if (!['promise', 'baseline', 'both'].includes(rulesFlag))
    throw new SimulationInputError(`--rules must be promise, baseline or both, not ${rulesFlag}`);
  const rules: DecisionRules[] = rulesFlag === 'both' ? ['promise', 'baseline'] : [rulesFlag as DecisionRules];
  const scaleFlag = flags.get('time-scale');
  const timeScale = scaleFlag === undefined ? undefined : Number(scaleFlag);
  if (timeScale !== undefined && !(Number.isFinite(timeScale) && timeScale >= 1))
    throw new SimulationInputError(`--time-scale must be a number ≥ 1 (business seconds per real second), not ${scaleFlag}`);
  const target = (key: string): { [k: string]: number } => {
    const value = flags.get(key);
    if (value === undefined) return {};
    const p = Number(value);
    if (!(p > 0 && p < 1)) throw new SimulationInputError(`--${key} must be a probability strictly between 0 and 1, not ${value}`);
    return { [key === 'promise-confidence' ? 'promiseConfidence' : 'onTimeTarget']: p };
  };
  const targets = { ...target('promise-confidence'), ...target('on-time-target') };
  const seed = seedOf(flags.get('seed'));
  const draws = drawsOf(flags.get('draws'));
  return {
    scenarioPath,
    rules,
    together: smoke === 'true',
    ...(timeScale ? { timeScale } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(draws ? { draws } : {}),
    targets,
  };
}

function seedOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seed = Number(value);
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new SimulationInputError(`--seed must be a whole number ≥ 0, not ${value}`);
  return seed;
}

const MAX_DRAWS = 10_000;

function drawsOf(value: string | undefined): { from: number; to: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,6})-(\d{1,6})$/.exec(value);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from > to) throw new SimulationInputError(`--draws must be a range of seeds FROM-TO (e.g. 1-500), not ${value}`);
  // Each seed is a week of orders to derive: ten thousand take about a minute.
  if (to - from >= MAX_DRAWS) throw new SimulationInputError(`--draws covers ${MAX_DRAWS} seeds at most, not ${to - from + 1}`);
  return { from, to };
}

/** `--draws`: the stall draw of each seed in the range, summed up, and the scenario's own seed among them. */
function printDraws(scenario: Scenario, range: { from: number; to: number }): void {
  const draws = Array.from({ length: range.to - range.from + 1 }, (_, i) => ({
    seed: range.from + i,
    ...stallDraw({ ...scenario, seed: range.from + i }),
  }));
  const own = stallDraw(scenario);
  const mean = (pick: (d: StallDraw) => number) => (draws.reduce((sum, d) => sum + pick(d), 0) / draws.length).toFixed(2);
  const atLeast = (pick: (d: StallDraw) => number, n: number) => draws.filter((d) => pick(d) >= n).length;
  const lines = [
    `scenario ${scenario.name}, stall share ${own.share}, seeds ${range.from}-${range.to} (${draws.length}):`,
    `  first parcels stalled per seed: mean ${mean((d) => d.stalled)} of ${own.orders} orders; ${atLeast((d) => d.stalled, own.stalled)} of them stall ${own.stalled} or more`,
    `  express orders stalled per seed: mean ${mean((d) => d.expressStalled)}; ${atLeast((d) => d.expressStalled, own.expressStalled)} of them stall ${own.expressStalled} or more`,
    `  seed ${scenario.seed} (the scenario's): ${own.stalled} first parcels stalled, ${own.expressStalled} of ${own.expressOrders} express orders`,
    `  seeds whose draw is the share exactly (rounded, overall and express): ${draws
      .filter((d) => d.stalled === Math.round(d.share * d.orders) && d.expressStalled === Math.round(d.share * d.expressOrders))
      .slice(0, 10)
      .map((d) => d.seed)
      .join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The commit the run's code is, marked `-dirty` when tracked files differ from it: figures are credited to what ran. */
function commitOf(): string {
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const changed = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return `${git(['rev-parse', '--short', 'HEAD'])}${changed ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

const ROWS: [string, (r: SimulationResult) => string][] = [
  ['orders', (r) => String(r.orders)],
  ['delivered', (r) => String(r.delivered)],
  ['overdue, not delivered', (r) => String(r.overdue)],
  ['on time (intake promise)', (r) => percent(r.onTimeRate)],
  ['promise tightness p50 (h), any service', (r) => String(r.promiseTightnessP50Hours ?? '–')],
  ['promise tightness p50 (h), order’s level', (r) => String(r.promiseTightnessAtLevelP50Hours ?? '–')],
  ['cost per order (EUR)', (r) => euros(r.costPerOrderCents)],
  ['hindsight cost per order (EUR), stalls known', (r) => euros(r.hindsightCostPerOrderCents)],
  ['cost vs hindsight', (r) => String(r.costVsHindsight ?? '–')],
  [
    'hindsight blind to stalls (EUR) / cost vs it',
    (r) => `${euros(r.stallBlindHindsightCostPerOrderCents)} / ${r.costVsStallBlindHindsight ?? '–'}`,
  ],
  ['cost vs stall-blind hindsight, first parcels', (r) => String(r.costVsHindsightFirstParcels ?? '–')],
  ['premium paid for risk per order (EUR)', (r) => euros(r.riskPremiumPerOrderCents)],
  ['re-promised orders', (r) => String(r.repromised)],
  ['  of which delivered by their old date (needless)', (r) => String(r.repromisedNeedlessly)],
  ['late orders not told before their promise passed', (r) => String(r.lateUnannounced)],
  ['escalations', (r) => String(r.escalations)],
  ['lost', (r) => String(r.lost)],
  ['unfinished (journey still running at the end)', (r) => String(r.unfinished)],
  ['oversold', (r) => String(r.oversold)],
  ['duplicate labels', (r) => String(r.duplicateLabels)],
  ['re-allocated', (r) => String(r.reallocated)],
];

const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const euros = (cents: number | null) => (cents === null ? '–' : (cents / 100).toFixed(2));

function table(results: SimulationResult[]): string {
  const header = ['', ...results.map((r) => r.rules)];
  const rows = ROWS.map(([label, cell]) => [label, ...results.map(cell)]);
  const carriers = [...new Set(results.flatMap((r) => r.byCarrier.map((c) => c.carrierCode)))].sort();
  for (const code of carriers) {
    rows.push([
      `${code}: shipments / on time`,
      ...results.map((r) => {
        const c = r.byCarrier.find((row) => row.carrierCode === code);
        return c ? `${c.shipments} / ${c.delivered > 0 ? percent(c.onTime / c.delivered) : '–'}` : '0';
      }),
    ]);
  }
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { scenarioPath, rules, together, timeScale, seed, draws, targets } = parseArgs(process.argv.slice(2));
  // A slower clock than the scenario's own gives the machine more real time per business hour.
  const loaded = loadScenario(scenarioPath);
  const scenario = {
    ...loaded,
    ...(timeScale ? { timeScale } : {}),
    ...(seed !== undefined ? { seed } : {}),
    targets: { ...loaded.targets, ...targets },
  };
  if (draws) return printDraws(scenario, draws);
  const draw = stallDraw(scenario);
  const started = Date.now();
  const run = async (rule: DecisionRules): Promise<SimulationResult> => {
    const runStarted = Date.now();
    const log = (line: string) => process.stdout.write(`[${rule} ${((Date.now() - runStarted) / 1000).toFixed(0)} s] ${line}\n`);
    const result = await runScenario({ scenario, rules: rule, log });
    log(`done: ${JSON.stringify(result)}`);
    return result;
  };
  const results: SimulationResult[] = [];
  if (together) results.push(...(await Promise.all(rules.map(run))));
  else for (const rule of rules) results.push(await run(rule));
  process.stdout.write(
    `\nscenario ${scenario.name} (${scenarioPath}), seed ${scenario.seed}, at ${scenario.timeScale}×, targets ${JSON.stringify(scenario.targets)}, commit ${commitOf()}, ${((Date.now() - started) / 60_000).toFixed(1)} min\n`,
  );
  process.stdout.write(
    `the seed's draw: ${draw.stalled} of ${draw.orders} orders' first parcels stall (share ${draw.share}: ${(draw.share * draw.orders).toFixed(1)} expected), ${draw.expressStalled} of ${draw.expressOrders} express orders\n`,
  );
  process.stdout.write(`${table(results)}\n`);
  const [first, ...others] = results;
  const summary = {
    ...first,
    seed: scenario.seed,
    stallDraw: draw,
    commit: commitOf(),
    ...Object.fromEntries(others.map((r) => [r.rules, r])),
  };
  process.stdout.write(`RESULT ${JSON.stringify(summary)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // A refused scenario or option is the caller's to fix: one line, exit 2, as a refused configuration. Anything else is ours: its stack.
    if (error instanceof SimulationInputError) {
      process.stderr.write(`simulate: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`simulate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
