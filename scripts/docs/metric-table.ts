/** Metric tables from core's instrument registry, one table per lane. */
import { INSTRUMENTS, type InstrumentLane } from '../../packages/core/src/metrics/instruments.js';

interface Descriptor {
  readonly name: string;
  readonly kind: string;
  readonly unit: string;
  readonly description: string;
  readonly buckets?: readonly number[];
}

const KIND_NAMES: Record<string, string> = {
  counter: 'counter',
  updown: 'up-down counter',
  histogram: 'histogram',
  gauge: 'gauge',
  observedCounter: 'counter (observed)',
};

const byLane = (lane: InstrumentLane): readonly Descriptor[] =>
  Object.values(INSTRUMENTS).filter((i) => i.lane === lane);

const GROUPS: Record<'job' | 'messaging' | 'health', readonly Descriptor[]> = {
  job: byLane('job'),
  messaging: byLane('messaging'),
  health: byLane('queue'),
};

export function metricTable(group: keyof typeof GROUPS): string {
  const rows = GROUPS[group].map((i) =>
    [
      `\`${i.name}\``,
      KIND_NAMES[i.kind] ?? i.kind,
      `\`${i.unit}\``,
      i.buckets ? bucketRange(i.buckets) : '',
      i.description,
    ].map(escape),
  );
  return table(['name', 'instrument', 'unit', 'buckets', 'description'], rows);
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

/** A histogram's boundaries, shortly: the first, the last and how many. */
function bucketRange(buckets: readonly number[]): string {
  const show = (b: number) => (b < 1 ? `${Math.round(b * 1000)} ms` : b < 3600 ? `${b} s` : `${b / 3600} h`);
  return `${show(buckets[0]!)} … ${show(buckets.at(-1)!)}, ${buckets.length} boundaries`;
}
