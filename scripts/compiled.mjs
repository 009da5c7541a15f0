// Runs a TypeScript entry point as plain JavaScript: `node scripts/compiled.mjs worker/main.ts`.
//
// A process started with tsx transpiles every module at load and keeps its transpiled text and source map
// in memory for life; an idle worker so started held ~30–80 MiB more than the same worker compiled
// (bench/RESULTS.md, "Idle worker memory"). esbuild bundles the entry's own sources into one module (npm
// packages stay imports, resolved from node_modules as usual), once per content: the output and the list
// of the files it was made of, with their digests, live under node_modules/.cache/colis-compiled/, and a
// start whose files are unchanged reuses it (a build takes a fraction of a second when they are not).
// Every module keeps its own `import.meta.url` (rewritten to its source file's URL), so paths a module
// finds next to itself (the workflow sources, the failure converter, the generated Prisma client) are the
// same compiled as under tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'colis-compiled');

/** The compiled form of `entry` (a path relative to the repository root), built when any of its sources changed. */
export async function compiledEntry(entry) {
  const name = entry.replace(/\.[cm]?ts$/, '').replace(/[^\w.-]+/g, '_');
  const outfile = join(CACHE_DIR, `${name}.mjs`);
  const manifestFile = join(CACHE_DIR, `${name}.inputs.json`);
  const { build, version } = await import('esbuild');
  if (fresh(outfile, manifestFile, version)) return outfile;
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written beside, then renamed: two processes starting at once never run half a file.
  const suffix = `.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    outfile: `${outfile}${suffix}`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
    plugins: [ownImportMetaUrl],
  });
  const inputs = Object.keys(result.metafile.inputs).map((file) => resolve(ROOT, file));
  writeFileSync(`${manifestFile}${suffix}`, JSON.stringify({ esbuild: version, root: ROOT, inputs: digests(inputs) }));
  renameSync(`${outfile}${suffix}`, outfile);
  renameSync(`${manifestFile}${suffix}`, manifestFile);
  return outfile;
}

function fresh(outfile, manifestFile, version) {
  if (!existsSync(outfile) || !existsSync(manifestFile)) return false;
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    // The bundle holds its sources' absolute URLs: a checkout moved (or another sharing node_modules) builds its own.
    if (manifest.esbuild !== version || manifest.root !== ROOT) return false;
    const now = digests(Object.keys(manifest.inputs).map((file) => resolve(ROOT, file)));
    return Object.entries(manifest.inputs).every(([file, digest]) => now[file] === digest);
  } catch {
    return false;
  }
}

function digests(files) {
  return Object.fromEntries(
    files.map((file) => [
      relative(ROOT, file),
      existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'missing',
    ]),
  );
}

/** Each source module keeps the URL of its own file as `import.meta.url` (bundled, it would get the bundle's). */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
      if (!source.includes('import.meta.url')) return { contents: source, loader };
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader };
    });
  },
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, ...rest] = process.argv.slice(2);
  if (!entry) {
    console.error('usage: node scripts/compiled.mjs <entry.ts> [args]');
    process.exit(2);
  }
  // The entry sees the arguments after it, as it would when started on its own.
  process.argv = [process.argv[0], join(ROOT, entry), ...rest];
  await import(pathToFileURL(await compiledEntry(entry)).href);
}
