import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CARRIER_SECRET_FAMILY, CARRIER_SECRET_PREFIX, type Variable, VARIABLES } from './variables';

/**
 * The README's configuration table, rendered from the declarations in variables.ts so the two
 * cannot drift: `npm run config:readme` rewrites it, and test/unit/config.test.ts fails when the
 * README differs from what this renders.
 */

export const TABLE_BEGIN = '<!-- configuration table: generated from config/variables.ts by `npm run config:readme` -->';
export const TABLE_END = '<!-- end of configuration table -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigTable(): string {
  const rows: [string, Variable][] = [
    ...(Object.entries(VARIABLES) as [string, Variable][]),
    [`${CARRIER_SECRET_PREFIX}<CODE>`, CARRIER_SECRET_FAMILY],
  ];
  return [
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...rows.map(([name, spec]) => `| \`${name}\` | ${cell(spec.default)} | ${cell(spec.meaning)} |`),
  ].join('\n');
}

function tableBounds(readme: string): { begin: number; end: number } {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`the README has no configuration table markers (${TABLE_BEGIN} … ${TABLE_END})`);
  return { begin: begin + TABLE_BEGIN.length, end };
}

/** The README with its table replaced by the rendered one. */
export function withRenderedTable(readme: string): string {
  const { begin, end } = tableBounds(readme);
  return `${readme.slice(0, begin)}\n\n${renderConfigTable()}\n\n${readme.slice(end)}`;
}

/** A markdown table's rows as trimmed cells, whatever its column padding (the formatter aligns the README's). */
export function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.trim().startsWith('|') && !/^\|[\s|:-]+\|$/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The rows of the README's configuration table. */
export function readmeConfigRows(readme: string): string[][] {
  const { begin, end } = tableBounds(readme);
  return tableRows(readme.slice(begin, end));
}

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(README_PATH, 'utf8');
  const after = withRenderedTable(before);
  if (after !== before) {
    writeFileSync(README_PATH, after);
    // The formatter aligns the table's columns, as it does for every markdown file in the tree.
    spawnSync(fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url)), ['format', '--write', README_PATH], {
      stdio: 'ignore',
    });
  }
  process.stdout.write(after === before ? 'README configuration table is current\n' : 'README configuration table rewritten\n');
}
