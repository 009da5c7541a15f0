// The entry point of `npm start` and `npm test`: makes a fresh clone runnable before anything
// else loads. Plain Node with no dependencies, because node_modules may not exist yet.
//   1. installs npm dependencies (`npm ci`) when node_modules is missing or older than the lock file;
//   2. generates the Prisma client when it is missing or older than the schema;
//   3. hands over to the real command (node --import tsx scripts/start.ts, or vitest).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
const run = (cmd, args, extraEnv = {}) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (result.error) throw result.error;
  return result.status ?? 1;
};
const osSignals = constants.signals;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const installed = join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(join(root, 'package-lock.json'))) {
  console.log('[bootstrap] installing dependencies (npm ci)');
  if (run(npm, ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}
const generated = join(root, 'prisma', 'generated', 'client.ts');
if (mtime(generated) < mtime(join(root, 'prisma', 'schema.prisma'))) {
  console.log('[bootstrap] generating the Prisma client');
  if (run(process.execPath, [join(root, 'scripts', 'prisma-generate.mjs')]) !== 0) process.exit(1);
}

// The child owns shutdown: it stops its services in order. This process must not die first (that would cut the child's
// output and orphan it), so it takes every stop signal and hands it to the child: Ctrl-C reaches the child anyway (same
// process group), but `kill <pid>` of `npm start` — a supervisor's stop, npm passing on its own SIGTERM — reaches this
// process alone, and the child, never told, ran on with every service it started. A child told twice stops once.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let current;
let stoppedBy; // a stop signal taken before the command started (during npm ci, the lint): it does not start
for (const signal of STOP_SIGNALS)
  process.on(signal, () => {
    if (current) current.kill(signal);
    else stoppedBy ??= signal;
  });

/** The command itself, run so that this process can pass stop signals on; resolves to its exit code. */
const handOver = (cmd, args, extraEnv = {}) =>
  new Promise((resolve, reject) => {
    if (stoppedBy) return resolve(128 + (osSignals[stoppedBy] ?? 0));
    current = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
    current.once('error', reject);
    current.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osSignals[signal] ?? 0) : 1)));
  });

const [command, ...rest] = process.argv.slice(2);
const bin = (name) => join(root, 'node_modules', '.bin', name);
const commands = {
  // One Node process with tsx as its loader, not tsx's launcher: the launcher relays Ctrl-C to its child only if
  // the child acknowledges it within 30 ms, and SIGKILLs it otherwise; on a loaded machine the child, busy,
  // acknowledged late, died mid-shutdown (its servers left running) and the start ended with 130.
  start: () => handOver(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts'), ...rest]),
  // The whole suite starts with the formatter, the linter and the type check (all part of "tests pass");
  // a run of chosen files (`npm test -- test/unit`) skips it for speed.
  test: () => {
    if (rest.length === 0) {
      console.log('[bootstrap] formatting and lint (biome ci)');
      const lint = run(bin('biome'), ['ci', '--reporter=summary', root]);
      if (lint !== 0) return lint;
      console.log('[bootstrap] type-checking (tsc -p tsconfig.json)');
      const typecheck = run(bin('tsc'), ['-p', join(root, 'tsconfig.json')]);
      if (typecheck !== 0) return typecheck;
      // Chromium for the browser tests, before any test runs: installed by apt in the middle of the suite, it took the
      // CPU from the time-skipping servers of the files running then, and one of their workflows stalled. A machine
      // where it cannot be installed goes on: the browser tests say what to do.
      const chromium = join(root, 'test', 'support', 'chromium.ts');
      const ensure = `import(${JSON.stringify(pathToFileURL(chromium).href)}).then((m) => m.ensureChromium())`;
      if (run(process.execPath, ['--import', 'tsx', '-e', ensure]) !== 0) console.log('[bootstrap] going on without Chromium');
    }
    return handOver(bin('vitest'), ['run', ...rest]);
  },
  // Thousands of generated requests against every route (test/fuzz/README.md); `npm test` runs a few per route.
  fuzz: () => handOver(bin('vitest'), ['run', 'test/fuzz', ...rest], { COLIS_FUZZ_RUNS: process.env.COLIS_FUZZ_RUNS ?? '400' }),
};
const chosen = commands[command ?? ''];
if (!chosen) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(commands).join('|')} [args]`);
  process.exit(2);
}
process.exit(await chosen());
