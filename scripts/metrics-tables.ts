/**
 * The instrument tables of docs/metrics.md, written from core's instrument registry. Run
 * `npm run docs:metrics` after changing an instrument; test/docs/metrics-tables.test.ts fails while
 * the page and the registry disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { ALL_INSTRUMENTS, type InstrumentDescriptor, type InstrumentLane } from '@queuetel/core';

export const METRICS_PAGE = fileURLToPath(new URL('../docs/metrics.md', import.meta.url));

const BEGIN = /<!-- instruments: (\w+) -->\n[\s\S]*?<!-- end instruments -->/g;

/** The page with every marked table written afresh from the registry, formatted as Prettier would. */
export async function metricsPage(page = readFileSync(METRICS_PAGE, 'utf8')): Promise<string> {
  const written = page.replace(BEGIN, (_, lane: string) => {
    const instruments = ALL_INSTRUMENTS.filter((instrument) => instrument.lane === (lane as InstrumentLane));
    if (instruments.length === 0) throw new Error(`docs/metrics.md: no instruments in lane '${lane}'`);
    return `<!-- instruments: ${lane} -->\n${table(instruments)}<!-- end instruments -->`;
  });
  const options = (await resolveConfig(METRICS_PAGE)) ?? {};
  return format(written, { ...options, parser: 'markdown' });
}

function table(instruments: readonly InstrumentDescriptor[]): string {
  const rows = instruments.map((i) =>
    [code(i.name), instrumentKind(i), code(i.unit), i.attributes.map(code).join(', '), i.description].join(
      ' | ',
    ),
  );
  return [
    '| name | instrument | unit | attributes | description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}

function instrumentKind(instrument: InstrumentDescriptor): string {
  const { kind, buckets } = instrument;
  if (kind === 'updown') return 'up-down counter';
  if (kind !== 'histogram' || !buckets?.length) return kind;
  return `histogram, buckets ${seconds(buckets[0]!)}…${seconds(buckets[buckets.length - 1]!)}`;
}

function seconds(value: number): string {
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value >= 3600 && value % 3600 === 0) return `${value / 3600} h`;
  if (value >= 60 && value % 60 === 0) return `${value / 60} min`;
  return `${value} s`;
}

function code(text: string): string {
  return `\`${text}\``;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(METRICS_PAGE, await metricsPage());
  console.log(`wrote ${METRICS_PAGE}`);
}
