import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The API is deployed as its own process (README, "Running on a self-hosted Temporal cluster"): it must
 * not pull in worker code. The carriers and the address validator it needs come from `carriers/wiring.ts`,
 * which workers use too. This walks the API's imports from its entry point.
 */

const ROOT = resolve(import.meta.dirname, '../..');
// Static imports, and dynamic ones: the entry points load their parts only once the configuration is accepted.
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function resolveModule(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [base, `${base}.ts`, join(base, 'index.ts')].find((candidate) => candidate.endsWith('.ts') && existsSync(candidate));
}

/** Every project file the entry point reaches, and every package it names. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop();
    if (!file || files.has(file)) continue;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolveModule(file, specifier);
      if (target) pending.push(target);
    }
  }
  return { files: new Set([...files].map((file) => relative(ROOT, file))), packages };
}

describe('what the API process loads', () => {
  it('the API reaches the carrier wiring without any worker wiring or the Temporal worker SDK', () => {
    const { files, packages } = importGraph('api/main.ts');
    expect(files).toContain('carriers/wiring.ts');
    expect([...files].filter((file) => ['worker/wiring.ts', 'worker/workers.ts', 'worker/main.ts'].includes(file))).toEqual([]);
    expect([...packages].filter((name) => name.startsWith('@temporalio/worker'))).toEqual([]);
  });

  it('the walk finds worker wiring where it is imported (the check can fail)', () => {
    const { files, packages } = importGraph('worker/main.ts');
    expect(files).toContain('worker/wiring.ts');
    expect(packages).toContain('@temporalio/worker');
  });
});
