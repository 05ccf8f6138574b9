/** Metric tables from core's instrument registry, one table per lane. */
import { ALL_INSTRUMENTS, type InstrumentDescriptor, type InstrumentLane } from '@queuetel/core';
import { escape, table } from './markdown.js';

/** The lanes a page may ask a table for: `job`, `messaging` or `queue`. */
export const LANES: readonly InstrumentLane[] = [...new Set(ALL_INSTRUMENTS.map((i) => i.lane))];

export function metricTable(lane: InstrumentLane): string {
  const rows = ALL_INSTRUMENTS.filter((i) => i.lane === lane).map((i) =>
    [code(i.name), instrumentKind(i), code(i.unit), i.attributes.map(code).join(', '), i.description].map(
      escape,
    ),
  );
  return table(['name', 'instrument', 'unit', 'attributes', 'description'], rows);
}

function code(text: string): string {
  return `\`${text}\``;
}

/** The kind, and for a histogram the range of its buckets. */
function instrumentKind({ kind, buckets }: InstrumentDescriptor): string {
  if (kind === 'updown') return 'up-down counter';
  if (kind !== 'histogram' || !buckets?.length) return kind;
  return `histogram, buckets ${seconds(buckets[0]!)}…${seconds(buckets.at(-1)!)}`;
}

function seconds(value: number): string {
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value >= 3600 && value % 3600 === 0) return `${value / 3600} h`;
  if (value >= 60 && value % 60 === 0) return `${value / 60} min`;
  return `${value} s`;
}
