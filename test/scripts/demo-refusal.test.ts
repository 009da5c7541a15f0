import { describe, expect, it } from 'vitest';
import { baseEnv, collect, ROOT, spawnEntry } from '../support/entry-points';

/**
 * `npm run demo` is configured by variables (DEMO_ORDERS, COLIS_API_URL, COLIS_INTAKE_KEY). An argument is
 * refused in one line naming it, exit code 2, before any order is placed: `npm run demo -- --orders=5`
 * placed the default 24 orders, the argument unread.
 */
describe('npm run demo refuses arguments', () => {
  it.each([[['--orders=5']], [['5']]])('%j', async (args) => {
    const started = Date.now();
    // An API that answers nothing: without the refusal the demo would say "no Colis API" (exit 1), not exit 2.
    const env = baseEnv({ COLIS_API_URL: 'http://127.0.0.1:9' });
    const result = await collect(spawnEntry('scripts/demo.ts', env, ROOT, args), 60_000);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`demo: takes no arguments (got "${args[0]}")`)]);
    expect(result.stdout).not.toMatch(/^order \d+:/m);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
