import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, runEntry } from '../support/entry-points';

/**
 * A bad value stops an entry point before it starts anything: exit code 2, one line on stderr
 * naming the variable, its value and the accepted form, and nothing created or left running.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'colis-config-refusal-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a bad configuration value stops start-up before anything starts', () => {
  it.each([
    [
      'scripts/start.ts',
      { COLIS_TIME_SCALE: 'fast' },
      /^npm start: configuration refused: COLIS_TIME_SCALE="fast" is invalid \(not a number\): expected a positive number/,
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
