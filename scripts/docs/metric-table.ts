/**
 * Metric tables from the instrument descriptors the packages record with. Each group lists its
 * descriptors here, once; when core gathers every instrument into one registry, these three
 * imports become that registry and the groups a filter on it.
 */
import { INSTRUMENTS } from '../../packages/core/src/metrics/instruments.js';
import { HEALTH_INSTRUMENTS } from '../../packages/health/src/collector/instruments.js';

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

const GROUPS: Record<'job' | 'messaging' | 'health', readonly Descriptor[]> = {
  job: Object.values(INSTRUMENTS).filter((i) => i.name.startsWith('queuetel.')),
  messaging: Object.values(INSTRUMENTS).filter((i) => i.name.startsWith('messaging.')),
  health: Object.values(HEALTH_INSTRUMENTS),
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
