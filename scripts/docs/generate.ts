/**
 * Writes the tables of options, defaults and metrics in docs/ from the code, between markers:
 *
 *   <!-- generated:options pg-boss -->  ...  <!-- /generated -->
 *
 * `npm run docs` rewrites them; `--check` changes nothing and exits 1 naming each file whose tables
 * have drifted from the code (scripts/docs/generate.test.ts fails likewise). Options come from the
 * public TypeScript interfaces and their doc comments ("Default: ..."); metric tables from core's
 * instrument registry, one per lane.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { LANES, metricTable } from './metric-table.js';
import { optionsTable } from './options-table.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs');

/** Every table a page may ask for, by the words after `generated:`. */
export const TABLES: Record<string, () => string> = {
  'options instrumentation': () => optionsTable('packages/core/src/types.ts', 'InstrumentationOptions'),
  'options label': () => optionsTable('packages/core/src/types.ts', 'LabelDefinition'),
  'options pg-boss': () =>
    optionsTable('packages/pg-boss/src/types.ts', 'PgBossInstrumentationOptions', { ownOnly: true }),
  'options pgmq-consume': () => optionsTable('packages/pgmq/src/types.ts', 'ConsumeOptions'),
  'options health': () => optionsTable('packages/health/src/options.ts', 'QueueHealthOptions'),
  'options telemetry': () => optionsTable('packages/node/src/options.ts', 'TelemetryOptions'),
  ...Object.fromEntries(LANES.map((lane) => [`metrics ${lane}`, () => metricTable(lane)])),
};

const MARKER = /(<!-- generated:([a-z -]+) -->\n)([\s\S]*?)(<!-- \/generated -->)/g;

/** `markdown` with the table between each pair of markers written afresh. */
export function fillTables(markdown: string, page: string): string {
  return markdown.replace(MARKER, (_all, open: string, id: string, _old: string, close: string) => {
    const table = TABLES[id];
    if (!table) throw new Error(`${page}: no generated table is called '${id}'`);
    return `${open}\n${table()}\n\n${close}`;
  });
}

/** Each docs page with markers, as it should read; throws on a marker naming no table. */
export async function generatedDocs(): Promise<{ file: string; current: string; wanted: string }[]> {
  const config = (await prettier.resolveConfig(join(DOCS, 'index.md'))) ?? {};
  const pages = [];
  for (const name of readdirSync(DOCS).filter((file) => file.endsWith('.md'))) {
    const file = join(DOCS, name);
    const current = readFileSync(file, 'utf8');
    if (!current.includes('<!-- generated:')) continue;
    const wanted = await prettier.format(fillTables(current, name), { ...config, filepath: file });
    pages.push({ file, current, wanted });
  }
  return pages;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const drifted = [];
  for (const page of await generatedDocs()) {
    if (page.current === page.wanted) continue;
    drifted.push(page.file.slice(ROOT.length));
    if (!check) writeFileSync(page.file, page.wanted);
  }
  if (check && drifted.length > 0) {
    console.error(`Generated tables differ from the code in ${drifted.join(', ')}: run npm run docs`);
    process.exitCode = 1;
  } else {
    console.log(
      drifted.length > 0 ? `Rewrote ${drifted.join(', ')}` : 'The generated tables are up to date.',
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
