import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `scripts/compiled.mjs` caches a bundle under node_modules/.cache and reuses it while its sources are unchanged. The
 * bundle holds each source's absolute URL (paths found next to a module: migrations, workflow sources), so a checkout
 * moved to another folder, or a second one sharing node_modules, must build its own: before, it ran the first one's
 * files (seen as a worker that could not find `prisma/migrations` of a checkout removed since).
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'colis-compiled-'));
const entry = `probe-${process.pid}-${Date.now()}`;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const suffix of ['.mjs', '.inputs.json'])
    rmSync(join(ROOT, 'node_modules', '.cache', 'colis-compiled', `${entry}${suffix}`), { force: true });
});

/** A checkout at `name` with compiled.mjs, the probe entry and the repository's node_modules (so its cache too). */
function checkout(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'scripts'), { recursive: true });
  copyFileSync(join(ROOT, 'scripts', 'compiled.mjs'), join(root, 'scripts', 'compiled.mjs'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, `${entry}.ts`), 'const here: string = import.meta.url;\nconsole.log(here);\n');
  return root;
}

const run = (root: string) =>
  execFileSync(process.execPath, [join(root, 'scripts', 'compiled.mjs'), `${entry}.ts`], { encoding: 'utf8' }).trim();

describe('compiled entry points', () => {
  it("a second checkout with the same sources and the same node_modules runs its own files, not the first one's", () => {
    const first = checkout('first');
    const second = checkout('second');
    expect(run(first)).toBe(pathToFileURL(join(first, `${entry}.ts`)).href);
    // Before: the cached bundle of `first` (same sources, same digests) was reused, its URLs pointing there.
    expect(run(second)).toBe(pathToFileURL(join(second, `${entry}.ts`)).href);
    expect(run(first)).toBe(pathToFileURL(join(first, `${entry}.ts`)).href);
  });
});
