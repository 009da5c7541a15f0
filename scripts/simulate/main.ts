import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../bench/lib/stack';
import type { DecisionRules } from '../../domain/decision-rules';
import type { SimulationResult } from './metrics';
import { runScenario } from './run';
import { loadScenario, SimulationInputError } from './scenario';

/**
 * `npm run simulate -- peak-week [--smoke] [--scenario file.json] [--rules=promise|baseline|both] [--time-scale=N]
 *   [--promise-confidence=P] [--on-time-target=P]`
 *
 * Runs a scenario (scripts/simulate/scenarios/<name>.json, or any file) on the real stack at its accelerated
 * clock, under the promise engine's decision rules and under the baseline rules (COLIS_DECISION_RULES=baseline),
 * one after the other on fresh stacks, prints a table side by side and, last, one line `RESULT {json}`.
 * `--smoke` runs the scenario's short twin (<name>-smoke.json), both rules at once on two stacks: a few
 * minutes, a check that everything runs. Published figures come from full runs, one rule after the other.
 */

interface SimulateArgs {
  scenarioPath: string;
  rules: DecisionRules[];
  together: boolean;
  timeScale?: number;
  targets: { promiseConfidence?: number; onTimeTarget?: number };
}

/** Options that take a value, written `--name=value` or `--name value`. */
const VALUED = new Set(['scenario', 'rules', 'time-scale', 'promise-confidence', 'on-time-target']);

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
      `unknown option --${unknown[0]} (known: --smoke, --scenario=file.json, --rules=promise|baseline|both, --time-scale=N, --promise-confidence=P, --on-time-target=P)`,
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
  return { scenarioPath, rules, together: smoke === 'true', ...(timeScale ? { timeScale } : {}), targets };
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
  ['hindsight cost per order (EUR)', (r) => euros(r.hindsightCostPerOrderCents)],
  ['cost vs hindsight', (r) => String(r.costVsHindsight ?? '–')],
  ['cost vs hindsight, first parcels (no re-ships)', (r) => String(r.costVsHindsightFirstParcels ?? '–')],
  ['premium paid for risk per order (EUR)', (r) => euros(r.riskPremiumPerOrderCents)],
  ['re-promised orders', (r) => String(r.repromised)],
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
  const { scenarioPath, rules, together, timeScale, targets } = parseArgs(process.argv.slice(2));
  // A slower clock than the scenario's own gives the machine more real time per business hour.
  const loaded = loadScenario(scenarioPath);
  const scenario = { ...loaded, ...(timeScale ? { timeScale } : {}), targets: { ...loaded.targets, ...targets } };
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
    `\nscenario ${scenario.name} (${scenarioPath}) at ${scenario.timeScale}×, targets ${JSON.stringify(scenario.targets)}, commit ${commitOf()}, ${((Date.now() - started) / 60_000).toFixed(1)} min\n`,
  );
  process.stdout.write(`${table(results)}\n`);
  const [first, ...others] = results;
  const summary = { ...first, commit: commitOf(), ...Object.fromEntries(others.map((r) => [r.rules, r])) };
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
