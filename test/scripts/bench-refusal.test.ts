import { describe, expect, it } from 'vitest';
import { baseEnv, collect, ROOT, spawnEntry } from '../support/entry-points';

/**
 * `npm run bench` and `npm run drill` refuse an option none of their entries reads (a typo), `--smoke` given a value and a number option given
 * something else (`--runs=abc` printed NaN figures),
 * in one line naming it, exit code 2, before any stack starts: `npm run bench -- packing --smok` ran the full benchmark.
 */
describe('npm run bench / drill refuse an option they do not read', () => {
  it.each([
    ['bench/bench.ts', ['packing', '--smok'], 'unknown option --smok for npm run benchmark'],
    ['bench/bench.ts', ['packing', '--smoke=no'], '--smoke takes no value, not --smoke=no'],
    ['bench/drill.ts', ['kill9', '--order=5'], 'unknown option --order for npm run drill'],
    ['bench/bench.ts', ['packing', '--runs=abc'], '--runs takes a number, not --runs=abc'],
    ['bench/bench.ts', ['intake', '--rates=100,fast'], '--rates takes numbers separated by commas, not --rates=100,fast'],
    ['bench/drill.ts', ['burst', '--orders='], '--orders takes a number, not --orders='],
    ['bench/drill.ts', ['upgrade', '--stop=kill'], '--stop takes term or kill9, not --stop=kill'],
    ['bench/drill.ts', ['upgrade', '--smoke', '--time-scale=fast'], '--time-scale takes a number, not --time-scale=fast'],
  ])('%s %j', async (entry, args, message) => {
    const started = Date.now();
    const result = await collect(spawnEntry(entry, baseEnv(), ROOT, args), 60_000);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
    expect(result.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
