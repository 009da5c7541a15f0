/** `npm run bench -- <name> [--smoke] [--runs=3] [--key=value…]` */
export interface BenchOptions {
  smoke: boolean;
  args: Record<string, string | undefined>;
}

export function parseCli(argv: string[]): { names: string[]; options: BenchOptions } {
  const names: string[] = [];
  const args: Record<string, string | undefined> = {};
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      const [key, value] = arg.slice(2).split('=', 2);
      if (key) args[key] = value ?? 'true';
    } else {
      names.push(arg);
    }
  }
  return { names, options: { smoke: args.smoke === 'true', args } };
}

/**
 * What an option's value must be: a number (`--runs=3`), numbers separated by commas (`--rates=100,300`), any text, or
 * one of a few words (`--stop=term`, given as the list of them).
 */
export type OptionKind = 'number' | 'numbers' | 'text' | readonly string[];

const isNumber = (text: string) => text.trim() !== '' && Number.isFinite(Number(text)) && Number(text) >= 0;

/**
 * An option no entry of the suite reads, `--smoke` given a value, or a number option given something else is refused
 * before anything starts: `--smok` ran the full (hours-long) benchmark with the typo unread, `--runs=abc` printed NaN
 * figures. `known` names every option some entry reads (besides `--smoke`) with the kind of value it takes.
 */
function optionProblem(kind: string, args: BenchOptions['args'], known: Readonly<Record<string, OptionKind>>): string | undefined {
  const names = Object.keys(known);
  const unknown = Object.keys(args).filter((key) => key !== 'smoke' && !(key in known));
  if (unknown.length > 0)
    return `unknown option --${unknown[0]} for npm run ${kind}; known: --smoke, ${names.map((k) => `--${k}=…`).join(', ')}`;
  if (args.smoke !== undefined && args.smoke !== 'true') return `--smoke takes no value, not --smoke=${args.smoke}`;
  for (const [key, value] of Object.entries(args)) {
    const expected = known[key];
    if (value === undefined || expected === undefined || expected === 'text') continue;
    if (typeof expected !== 'string') {
      if (!expected.includes(value)) return `--${key} takes ${expected.join(' or ')}, not --${key}=${value}`;
      continue;
    }
    if (expected === 'number' && !isNumber(value)) return `--${key} takes a number, not --${key}=${value}`;
    if (expected === 'numbers' && !value.split(',').every(isNumber))
      return `--${key} takes numbers separated by commas, not --${key}=${value}`;
  }
  return undefined;
}

export async function runSuite(
  kind: string,
  suite: Record<string, (options: BenchOptions) => Promise<void>>,
  argv: string[],
  known: Readonly<Record<string, OptionKind>>,
): Promise<void> {
  const { names, options } = parseCli(argv);
  const selected = names.length > 0 ? names : Object.keys(suite);
  const unknown = selected.filter((n) => !(n in suite));
  if (unknown.length > 0) {
    console.error(`unknown ${kind}: ${unknown.join(', ')}; choose from ${Object.keys(suite).join(', ')}`);
    process.exit(2);
  }
  const problem = optionProblem(kind, options.args, known);
  if (problem !== undefined) {
    console.error(problem);
    process.exit(2);
  }
  let failed = false;
  for (const name of selected) {
    const started = performance.now();
    process.stdout.write(`\n=== ${kind} ${name}${options.smoke ? ' (smoke)' : ''} ===\n`);
    try {
      await suite[name]!(options);
    } catch (error) {
      failed = true;
      console.error(`${kind} ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    process.stdout.write(`=== ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s ===\n`);
  }
  process.exit(failed ? 1 : 0);
}
