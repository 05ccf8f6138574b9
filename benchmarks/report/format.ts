import type { Summary } from '../lib/stats.js';

/** A markdown table; cells are escaped for pipes. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function fixed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  // A small negative figure rounds to "-0"; it reads as zero.
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/** `median (low–high)`: a figure with its 90% interval, or its range when too few runs give one. */
export function withInterval(summary: Summary, digits = 1, scale = 1, unit = ''): string {
  const [low, high] = interval(summary);
  return `${fixed(summary.median * scale, digits)}${unit} (${fixed(low * scale, digits)}–${fixed(high * scale, digits)})`;
}

/** The 90% interval of the median, or the whole range when there are too few samples for one. */
export function interval(summary: Summary): [number, number] {
  return summary.low !== null && summary.high !== null
    ? [summary.low, summary.high]
    : [summary.min, summary.max];
}

/** A share as a signed percentage: 0.012 -> `1.2%`. */
export function percent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

/** Loss of throughput from a ratio summary: `1.2% (−0.3–2.9%)`. */
export function lossWithInterval(ratio: Summary, digits = 1): string {
  const [low, high] = interval(ratio);
  return `${percent(1 - ratio.median, digits)} (${percent(1 - high, digits)} to ${percent(1 - low, digits)})`;
}
