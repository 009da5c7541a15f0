import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, collect, ROOT, spawnEntry } from '../support/entry-points';

/**
 * A scenario the simulation cannot run stops `npm run simulate` before any stack starts: exit code 2 and
 * one line on stderr naming the file and the field, no stack trace — whichever way `--scenario` is written.
 */

const dir = mkdtempSync(join(tmpdir(), 'colis-simulate-refusal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const peakWeek = () => JSON.parse(readFileSync(join(ROOT, 'scripts', 'simulate', 'scenarios', 'peak-week.json'), 'utf8'));

function scenarioFile(name: string, edit: (scenario: Record<string, unknown>) => void): string {
  const scenario = peakWeek();
  edit(scenario);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

describe('npm run simulate refuses a scenario it cannot run, before starting anything', () => {
  it.each([
    [
      'negative demand, --scenario FILE',
      (file: string) => ['--scenario', file],
      (s: Record<string, unknown>) => {
        s.ordersPerDay = [12, -5];
      },
      'ordersPerDay.1',
    ],
    [
      'a warehouse the network does not have, --scenario=FILE',
      (file: string) => [`--scenario=${file}`],
      (s: Record<string, unknown>) => {
        s.outages = [{ warehouseCode: 'NOPE9', fromDay: 1, toDay: 2 }];
      },
      'outages.0.warehouseCode',
    ],
  ])('%s', async (name, args, edit, field) => {
    const file = scenarioFile(name.replace(/\W+/g, '-'), edit);
    const started = Date.now();
    const result = await collect(spawnEntry('scripts/simulate/main.ts', baseEnv(), ROOT, args(file)), 60_000);
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringContaining(`simulate: scenario ${file}: ${field}: `)]);
    expect(result.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('npm run simulate refuses arguments it would otherwise read as "the full peak week"', () => {
  // Each of these started the hours-long peak week (an unknown spelling of a flag fell back to the default scenario).
  it.each([
    ['--scenario without its file', ['--scenario'], '--scenario needs a file'],
    ['--smoke with a value', ['--smoke=no'], '--smoke takes no value'],
    ['two scenario names', ['peak-week', 'peak-week-smoke', '--rules=promise'], 'one scenario at a time'],
    ['a name beside --scenario', ['peak-week', '--scenario=x.json'], 'name a scenario or give --scenario'],
    ['a seed that is not a whole number', ['--seed=1.5'], '--seed must be a whole number'],
    ['draws that are not a range', ['--draws=500'], '--draws must be a range of seeds'],
    ['draws over too many seeds', ['--draws=1-20000'], '--draws covers 10000 seeds at most'],
  ])('%s', async (_name, args, message) => {
    const started = Date.now();
    const result = await collect(spawnEntry('scripts/simulate/main.ts', baseEnv(), ROOT, args), 60_000);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`simulate: ${message}`)]);
    expect(result.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('npm run simulate -- --draws', () => {
  it("lists the seeds' stall draws and starts nothing", async () => {
    const started = Date.now();
    const result = await collect(spawnEntry('scripts/simulate/main.ts', baseEnv(), ROOT, ['peak-week', '--draws=1-50']), 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("seed 8 (the scenario's): 9 first parcels stalled, 2 of 37 express orders");
    expect(result.stdout).toContain('seeds 1-50 (50)');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
