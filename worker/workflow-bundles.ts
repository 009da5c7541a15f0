import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

/**
 * Workflow bundles, built in a child process and kept on disk by content.
 *
 * Bundling runs webpack, and a process that bundled keeps ~125 MiB more resident memory for the rest
 * of its life (measured: 128 → 255 MiB RSS for one bundle, after GC): most of an idle worker's RSS.
 * A child process does it instead and exits, and its output is kept under node_modules/.cache keyed
 * by everything the bundle is made of (the workflow, domain and worker sources, the SDK version, the
 * lock file), so the next worker or test file of the same code reads it in milliseconds.
 */

export type BundleName = 'workflows' | 'notify';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'colis-workflow-bundles');
const BUILDER = fileURLToPath(new URL('./build-workflow-bundle.ts', import.meta.url));
/** Every folder whose files a bundle may import (workflows import domain; the failure converter lives in worker). */
const SOURCE_DIRS = ['workflows', 'domain', 'worker'];

const inFlight = new Map<BundleName, Promise<WorkflowBundleWithSourceMap>>();

export function cachedWorkflowBundle(name: BundleName): Promise<WorkflowBundleWithSourceMap> {
  let bundle = inFlight.get(name);
  if (!bundle) {
    bundle = loadOrBuild(name);
    inFlight.set(name, bundle);
    // A failed build is not cached: the next worker tries again.
    bundle.catch(() => inFlight.delete(name));
  }
  return bundle;
}

async function loadOrBuild(name: BundleName): Promise<WorkflowBundleWithSourceMap> {
  const base = join(CACHE_DIR, `${name}-${sourceDigest(name)}`);
  const cached = read(base);
  if (cached) return cached;
  mkdirSync(CACHE_DIR, { recursive: true });
  await promisify(execFile)(process.execPath, ['--import', 'tsx', BUILDER, name, base], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const built = read(base);
  if (!built) throw new Error(`the workflow bundle builder wrote no ${name} bundle at ${base}.js`);
  return built;
}

function read(base: string): WorkflowBundleWithSourceMap | undefined {
  try {
    return { code: readFileSync(`${base}.js`, 'utf8'), sourceMap: readFileSync(`${base}.js.map`, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Written beside, then renamed: two processes building the same bundle never leave half a file. */
/**
 * The bundle with every character beyond ASCII written as a `\uXXXX` escape. V8 keeps a source text with
 * a single such character (an em dash in a comment, a French mail word) as two bytes per character: the
 * 2.5 MB bundle took 4.9 MB in every workflow thread and in each copy the SDK keeps on the main thread.
 * The escapes stand only in comments, string, template and regular-expression literals, where they mean
 * the same character (a template's `raw` text would differ; no workflow reads it); columns after one
 * shift by five in the source map, lines do not.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function writeBundle(base: string, bundle: WorkflowBundleWithSourceMap): void {
  const suffix = `.${process.pid}.tmp`;
  writeFileSync(`${base}.js.map${suffix}`, bundle.sourceMap);
  writeFileSync(`${base}.js${suffix}`, bundle.code);
  renameSync(`${base}.js.map${suffix}`, `${base}.js.map`);
  renameSync(`${base}.js${suffix}`, `${base}.js`);
}

/**
 * The bundle's cache key: its sources, the SDK, the lock file, and the checkout it is built in. The bundle names its
 * modules by their path from that checkout (`../../main/node_modules/…` from a second checkout sharing node_modules),
 * so a checkout reuses only the bundles it built (as scripts/compiled.mjs does for its compiled entries).
 */
export function sourceDigest(name: BundleName, root = ROOT): string {
  const hash = createHash('sha256').update(name).update(root);
  const sdk = JSON.parse(readFileSync(join(root, 'node_modules', '@temporalio', 'worker', 'package.json'), 'utf8')) as { version: string };
  hash.update(sdk.version);
  hash.update(readFileSync(join(root, 'package-lock.json')));
  for (const dir of SOURCE_DIRS) {
    for (const file of filesUnder(join(root, dir))) {
      hash.update(relative(root, file));
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex').slice(0, 24);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|cjs|mjs|js|json)$/.test(entry) ? [path] : [];
    });
}
