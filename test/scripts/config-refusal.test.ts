import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports';
import { clusterPlace } from '../../scripts/postgres';
import { createEmptyDatabase } from '../support/database';
import { baseEnv, runEntry } from '../support/entry-points';

/**
 * A bad value stops an entry point before it starts anything: exit code 2, one line on stderr
 * naming the variable, its value and the accepted form, and nothing created or left running.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'colis-config-refusal-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Free ports for every service `npm start` runs, so a refusal under test is the only thing that can stop it. */
async function servicePorts(): Promise<Record<string, string>> {
  const names = [
    'COLIS_API_PORT',
    'COLIS_PG_PORT',
    'TEMPORAL_PORT',
    'TEMPORAL_UI_PORT',
    'COLIS_MAILDEV_SMTP_PORT',
    'COLIS_MAILDEV_WEB_PORT',
  ];
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  return { ...ports, COLIS_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` };
}

describe('a bad configuration value stops start-up before anything starts', () => {
  it.each([
    [
      'scripts/start.ts',
      { COLIS_TIME_SCALE: 'fast' },
      /^npm start: configuration refused: COLIS_TIME_SCALE="fast" is invalid \(not a number\): expected a number of business seconds per real second from 1 to 1000000/,
    ],
    ['scripts/start.ts', { COLIS_WORKER_QUEUES: 'orders,warehouse:XXX9' }, /COLIS_WORKER_QUEUES=.*no active warehouse XXX9/],
    [
      'api/main.ts',
      {},
      /^colis api: configuration refused: DATABASE_URL=\(unset\) is invalid \(required by a process started on its own\)/,
    ],
    [
      'worker/main.ts',
      { DATABASE_URL: 'postgresql://u:p@127.0.0.1:1/x', COLIS_WORKER_QUEUES: 'ordres' },
      /^colis worker: configuration refused: COLIS_WORKER_QUEUES="ordres" is invalid \(unknown queue "ordres"\)/,
    ],
  ])('%s with %o', async (entry, env, line) => {
    const started = Date.now();
    const result = await runEntry(entry, baseEnv({ COLIS_DATA_DIR: dataDir, ...env }), 60_000);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(result.stdout).toBe('');
    // Nothing started: no PostgreSQL cluster, no Temporal database, no log was created.
    expect(readdirSync(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('a data directory that cannot be made', () => {
  // A file where the folder should be: its own temp folder, the tests above expect theirs to stay empty.
  const beside = mkdtempSync(join(tmpdir(), 'colis-data-file-'));
  writeFileSync(join(beside, 'a-file'), '');
  afterAll(() => rmSync(beside, { recursive: true, force: true }));
  it.each([
    ['/proc/colis-data', 'ENOENT'], // Node's recursive mkdir never returns there: the start hung
    [join(beside, 'a-file', 'data'), 'ENOTDIR'],
  ])('stops npm start at once with one line naming COLIS_DATA_DIR=%s, nothing started', async (dir, code) => {
    const started = Date.now();
    const result = await runEntry('scripts/start.ts', baseEnv({ ...(await servicePorts()), COLIS_DATA_DIR: dir }), 60_000);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^npm start: cannot use COLIS_DATA_DIR \\(${dir}\\): ${code}`)),
    ]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a tools directory that cannot be made stops npm start with one line naming COLIS_TOOLS_DIR', async () => {
    // No Temporal CLI given or on PATH (node's folder only): the start provisions one, into the tools folder.
    const dir = mkdtempSync(join(tmpdir(), 'colis-tools-refusal-'));
    try {
      const { TEMPORAL_CLI_PATH: _given, ...env } = baseEnv({
        ...(await servicePorts()),
        COLIS_DATA_DIR: dir,
        COLIS_TOOLS_DIR: '/proc/colis-tools',
      });
      const result = await runEntry('scripts/start.ts', { ...env, PATH: dirname(process.execPath) }, 60_000);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^npm start: cannot use COLIS_TOOLS_DIR \(\/proc\/colis-tools\): ENOENT/),
      ]);
      expect(existsSync(join(dir, 'colis.lock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('two variables naming one port', () => {
  it('stop npm start before anything starts, naming both (the second would otherwise fail after the first had started)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-port-clash-'));
    try {
      const pgPort = String(await freePort());
      const result = await runEntry(
        'scripts/start.ts',
        baseEnv({
          ...(await servicePorts()),
          COLIS_DATA_DIR: dir,
          COLIS_PG_PORT: pgPort,
          COLIS_API_PORT: pgPort,
        }),
        60_000,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `npm start: failed to start: COLIS_PG_PORT and COLIS_API_PORT both name port ${pgPort}; set one of them to another port`,
      );
      expect(existsSync(join(dir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(dir, 'colis.lock'))).toBe(false);
      // As root the cluster of a private folder would live in a /var/tmp home: a refused start makes none (it did).
      const { home } = clusterPlace(join(dir, 'postgres'));
      if (home !== undefined) expect(existsSync(home)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a host this machine cannot listen on', () => {
  it('stops npm start before anything starts, naming the variable (was: everything started, then the API died)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-bad-host-'));
    try {
      const apiPort = await freePort();
      const result = await runEntry(
        'scripts/start.ts',
        baseEnv({
          ...(await servicePorts()),
          COLIS_DATA_DIR: dir,
          // TEST-NET-1: an address no interface here has.
          COLIS_API_HOST: '192.0.2.1',
          COLIS_API_PORT: String(apiPort),
        }),
        60_000,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `npm start: failed to start: cannot listen on 192.0.2.1 port ${apiPort} (COLIS_API_HOST, COLIS_API_PORT): EADDRNOTAVAIL; ` +
          'set COLIS_API_HOST to an address of this machine',
      );
      expect(existsSync(join(dir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a service the configuration names that does not answer', () => {
  it.each([
    ['api/main.ts', 'colis api'],
    ['worker/main.ts', 'colis worker'],
  ])('%s ends with one line naming TEMPORAL_ADDRESS, not a stack trace', async (entry, program) => {
    const port = await freePort();
    const result = await runEntry(
      entry,
      baseEnv({
        COLIS_DATA_DIR: dataDir,
        DATABASE_URL: 'postgresql://u:p@127.0.0.1:1/x',
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        COLIS_API_PORT: '0',
      }),
      90_000,
    );
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${program}: cannot reach Temporal at 127\\.0\\.0\\.1:${port} namespace default \\(plaintext\\) \\(TEMPORAL_ADDRESS\\): `,
      ),
    );
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('a TEMPORAL_NAMESPACE the Temporal server does not have', () => {
  it.each([
    ['api/main.ts', 'colis api'],
    ['worker/main.ts', 'colis worker'],
  ])('%s ends with one line naming TEMPORAL_NAMESPACE (the API answered ready, its orders never started)', async (entry, program) => {
    const address = inject('temporalDevAddress');
    const result = await runEntry(
      entry,
      baseEnv({
        COLIS_DATA_DIR: dataDir,
        DATABASE_URL: 'postgresql://u:p@127.0.0.1:1/x',
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: 'colis-no-such-namespace',
        COLIS_API_PORT: '0',
        COLIS_WORKER_QUEUES: 'notify',
      }),
      90_000,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${program}: cannot use namespace colis-no-such-namespace at ${address} (TEMPORAL_NAMESPACE): ${program === 'colis api' ? '5 NOT_FOUND: ' : ''}Namespace colis-no-such-namespace is not found.`,
    ]);
  });
});

describe('npm start on another cluster, in a namespace it does not have', () => {
  it('stops with one line naming TEMPORAL_NAMESPACE, and stops what it had started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-no-namespace-'));
    const database = await createEmptyDatabase();
    try {
      const address = inject('temporalDevAddress');
      const result = await runEntry(
        'scripts/start.ts',
        baseEnv({
          COLIS_DATA_DIR: dir,
          DATABASE_URL: database.url,
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: 'colis-no-such-namespace',
          COLIS_SMTP_URL: 'smtp://127.0.0.1:1',
          ...(await servicePorts()),
        }),
        120_000,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `npm start: failed to start: cannot use namespace colis-no-such-namespace at ${address} (TEMPORAL_NAMESPACE): 5 NOT_FOUND: Namespace colis-no-such-namespace is not found.`,
      );
      expect(result.stdout).toMatch(/stopped Temporal client/);
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a DATABASE_URL where no PostgreSQL answers', () => {
  it('stops npm start with one line naming DATABASE_URL, never its password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-no-database-'));
    try {
      const result = await runEntry(
        'scripts/start.ts',
        baseEnv({
          COLIS_DATA_DIR: dir,
          DATABASE_URL: 'postgresql://colis:hunter2-password@127.0.0.1:1/colis',
          ...(await servicePorts()),
        }),
        60_000,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        'npm start: failed to start: cannot reach PostgreSQL at DATABASE_URL: connect ECONNREFUSED 127.0.0.1:1',
      );
      expect(result.stdout + result.stderr).not.toContain('hunter2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a DATABASE_URL the API or a worker started on its own cannot use', () => {
  const admin = new URL(inject('postgresAdminUrl'));
  const wrongPassword = Object.assign(new URL(admin), { password: 'hunter2-wrong-password' }).href;
  it.each([
    ['api/main.ts', 'colis api', wrongPassword, /Authentication failed against the database server/],
    ['worker/main.ts', 'colis worker', wrongPassword, /Authentication failed against the database server/],
    // The server's own database: reachable, but no migration was ever applied to it.
    ['api/main.ts', 'colis api', admin.href, /the database has no Colis schema: apply the migrations first \(npm run db:migrate\)$/],
    ['worker/main.ts', 'colis worker', admin.href, /the database has no Colis schema/],
  ])('%s ends with one line naming DATABASE_URL and why, not a stack trace (%#)', async (entry, program, url, why) => {
    const result = await runEntry(
      entry,
      baseEnv({
        COLIS_DATA_DIR: dataDir,
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: inject('temporalDevAddress'),
        COLIS_API_PORT: '0',
        COLIS_WORKER_QUEUES: 'orders',
      }),
      90_000,
    );
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${program}: cannot use PostgreSQL at DATABASE_URL: `))]);
    expect(lines[0]).toMatch(why);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  });
});

describe('a second start refuses before it provisions anything', () => {
  it('names the running instance even when this one could not find its Temporal CLI (which it would download)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-second-start-'));
    // A live process whose command line is `npm start`'s entry point: the owner the lock names.
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', join(dir, 'scripts', 'start.ts')], { stdio: 'ignore' });
    try {
      const lock = { pid: owner.pid, startedAt: new Date().toISOString(), dataDir: dir, urls: { API: 'http://127.0.0.1:3999' } };
      writeFileSync(join(dir, 'colis.lock'), JSON.stringify(lock));
      const result = await runEntry(
        'scripts/start.ts',
        baseEnv({ COLIS_DATA_DIR: dir, TEMPORAL_CLI_PATH: join(dir, 'no-temporal-here') }),
        60_000,
      );
      expect(result.code).toBe(3);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`Colis is already running on ${dir} (pid ${owner.pid}`)]);
      expect(readdirSync(dir).sort()).toEqual(['colis.lock']);
    } finally {
      owner.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
