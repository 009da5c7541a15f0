import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, localDay, localTimeMs } from '../domain/local-time';

/**
 * `npm run test:at -- <when>… -- <vitest args>`: runs test files as if the machine's clock read another
 * instant, once per instant, to prove a test does not depend on the hour, the weekday or the date it runs.
 * Each run is a whole `vitest run` under libfaketime (Debian package `faketime`): Node, PostgreSQL and the
 * time-skipping test server (a native binary) all read the shifted clock. The Temporal dev server (a static
 * Go binary) does not, so suites on it keep the real date; time-skipping suites are the ones this is for.
 *
 * `<when>`: an ISO-8601 instant (`2026-12-04T19:00+01:00`), or a weekday and time in Paris (`fri-19:00`: the
 * next Friday from today), or `week` for a set that has broken tests before: Monday morning, Monday late
 * afternoon, Thursday after the warehouses' cut-offs, Friday evening, Sunday.
 */

const WEEK = ['mon-09:00', 'mon-16:55', 'thu-17:00', 'fri-19:00', 'sun-11:00'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const PARIS = 'Europe/Paris';
const LIBRARY_PLACES = [
  '/usr/lib/x86_64-linux-gnu/faketime',
  '/usr/lib/aarch64-linux-gnu/faketime',
  '/usr/lib/faketime',
  '/usr/local/lib/faketime',
];

function usage(message: string): never {
  console.error(`${message}\nusage: npm run test:at -- <ISO instant | mon-09:00 | week>… -- <vitest args>`);
  process.exit(2);
}

/** The instant `when` names, real time `nowMs`. */
function instantOf(when: string, nowMs: number): number {
  const named = /^(sun|mon|tue|wed|thu|fri|sat)-(\d{2}):(\d{2})$/.exec(when);
  if (named) {
    const [, weekday = '', hours = '', minutes = ''] = named;
    const today = localDay(nowMs, PARIS);
    const ahead = (WEEKDAYS.indexOf(weekday) - new Date(`${today}T12:00:00Z`).getUTCDay() + 7) % 7 || 7;
    return localTimeMs(addDays(today, ahead), Number(hours) * 60 + Number(minutes), PARIS);
  }
  const ms = Date.parse(when);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(when) || Number.isNaN(ms)) usage(`not an instant: ${when}`);
  return ms;
}

function fakeTimeLibrary(): string {
  const found = LIBRARY_PLACES.map((dir) => join(dir, 'libfaketimeMT.so.1')).find((path) => existsSync(path));
  if (!found) usage('libfaketime is not installed (Debian, Ubuntu: apt-get install faketime)');
  return found;
}

function runAt(atMs: number, vitestArgs: readonly string[], logFile: string, library: string): Promise<number> {
  const offsetSeconds = Math.round((atMs - Date.now()) / 1000);
  const out = openSync(logFile, 'w');
  const child = spawn('npx', ['vitest', 'run', ...vitestArgs], {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      // An offset, not a start instant: every process of the run (started seconds apart) reads the same clock.
      FAKETIME: `${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds}`,
      LD_PRELOAD: [library, process.env.LD_PRELOAD].filter(Boolean).join(':'),
    },
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const split = args.indexOf('--');
  if (split < 1 || split === args.length - 1) usage('name at least one instant, then `--` and the test files');
  const whens = args.slice(0, split).flatMap((w) => (w === 'week' ? WEEK : [w]));
  const vitestArgs = args.slice(split + 1);
  const library = fakeTimeLibrary();
  const logDir = join(process.cwd(), '.data', 'test-at');
  mkdirSync(logDir, { recursive: true });
  let failed = 0;
  for (const [index, when] of whens.entries()) {
    const atMs = instantOf(when, Date.now());
    const label = new Date(atMs).toISOString();
    const logFile = join(logDir, `${process.pid}-${index + 1}-${label.replace(/[:.]/g, '-')}.log`);
    const started = Date.now();
    const code = await runAt(atMs, vitestArgs, logFile, library);
    if (code !== 0) failed += 1;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: PARIS, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(atMs);
    console.log(
      `${code === 0 ? 'pass' : 'FAIL'}  ${label} (${local} in Paris)  ${Math.round((Date.now() - started) / 1000)} s  ${logFile}`,
    );
  }
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
