/**
 * Small, dependency-free SVG charts for the benchmark report: horizontal bars, because their labels
 * stay readable at any length, with the interval of each figure as a whisker and targets as dashed
 * lines. Output is deterministic for the same input, so a re-rendered page diffs cleanly.
 */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** An interval around the value, drawn as a whisker. */
  readonly low?: number | null;
  readonly high?: number | null;
  readonly color?: string;
}

export interface Marker {
  readonly value: number;
  readonly label: string;
}

export interface BarChart {
  readonly title: string;
  /** Appended to every value printed, e.g. ` µs`. */
  readonly unit: string;
  readonly bars: readonly Bar[];
  readonly markers?: readonly Marker[];
  readonly digits?: number;
}

export interface Series {
  readonly id: string;
  readonly label: string;
  readonly color: string;
}

export interface Group {
  readonly label: string;
  /** One bar per series, by series id; a missing one is left out. */
  readonly values: Readonly<Record<string, Omit<Bar, 'label' | 'color'>>>;
}

export interface GroupedBarChart {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly Series[];
  readonly groups: readonly Group[];
  readonly digits?: number;
}

export const PALETTE = {
  baseline: '#8a8f98',
  queuetel: '#1f6feb',
  queuetelAlt: '#54aeff',
  queuetelThird: '#0a3069',
  peer: '#d4731c',
  peerAlt: '#e5a45a',
  floor: '#8250df',
  target: '#cf222e',
} as const;

const WIDTH = 760;
const LABEL_WIDTH = 250;
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 18;
const GAP = 8;
const FONT = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12"';

export function barChart(chart: BarChart): string {
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const top = 34 + (chart.markers?.length ?? 0) * 13;
  const max = niceMax(
    Math.max(
      ...chart.bars.map((b) => Math.max(b.value, b.high ?? 0)),
      ...(chart.markers ?? []).map((m) => m.value),
    ),
  );
  const x = (value: number) => LABEL_WIDTH + (Math.max(0, value) / max) * plotWidth;
  const height = top + chart.bars.length * (BAR_HEIGHT + GAP) + 34;
  const parts: string[] = [header(height, chart.title)];
  parts.push(axis(x, max, top, height - 28, chart.unit));
  chart.bars.forEach((bar, i) => {
    const y = top + i * (BAR_HEIGHT + GAP);
    parts.push(label(LABEL_WIDTH - 8, y + BAR_HEIGHT / 2, bar.label, 'end'));
    parts.push(rect(LABEL_WIDTH, y, x(bar.value) - LABEL_WIDTH, BAR_HEIGHT, bar.color ?? PALETTE.queuetel));
    parts.push(whisker(bar, x, y + BAR_HEIGHT / 2));
    parts.push(
      label(x(Math.max(bar.value, bar.high ?? 0)) + 6, y + BAR_HEIGHT / 2, format(bar.value, chart), 'start'),
    );
  });
  // Marker labels sit in a band under the title, one row each, so two close targets never overlap.
  (chart.markers ?? []).forEach((marker, i) =>
    parts.push(markerLine(x(marker.value), height - 28, marker.label, 30 + i * 13)),
  );
  parts.push('</svg>\n');
  return parts.join('\n');
}

export function groupedBarChart(chart: GroupedBarChart): string {
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const legend = legendLayout(chart.series);
  const top = 34 + legend.height;
  const bars = chart.groups.flatMap((g) => Object.values(g.values));
  const max = niceMax(Math.max(...bars.map((b) => Math.max(b.value, b.high ?? 0))));
  const x = (value: number) => LABEL_WIDTH + (Math.max(0, value) / max) * plotWidth;
  const barHeight = BAR_HEIGHT - 6;
  const groupHeight = (g: Group) =>
    chart.series.filter((s) => g.values[s.id]).length * (barHeight + 2) + 2 * GAP;
  const height = top + chart.groups.reduce((sum, g) => sum + groupHeight(g), 0) + 34;
  const parts: string[] = [header(height, chart.title), ...legend.parts];
  parts.push(axis(x, max, top, height - 28, chart.unit));
  let y = top;
  for (const group of chart.groups) {
    const h = groupHeight(group);
    parts.push(label(LABEL_WIDTH - 8, y + h / 2, group.label, 'end', true));
    let barY = y + GAP;
    for (const series of chart.series) {
      const bar = group.values[series.id];
      if (!bar) continue;
      parts.push(rect(LABEL_WIDTH, barY, x(bar.value) - LABEL_WIDTH, barHeight, series.color));
      parts.push(whisker(bar, x, barY + barHeight / 2));
      parts.push(
        label(
          x(Math.max(bar.value, bar.high ?? 0)) + 6,
          barY + barHeight / 2,
          format(bar.value, chart),
          'start',
          false,
          11,
        ),
      );
      barY += barHeight + 2;
    }
    y += h;
    parts.push(`<line x1="12" x2="${WIDTH - 10}" y1="${y}" y2="${y}" stroke="#eaeef2"/>`);
  }
  parts.push('</svg>\n');
  return parts.join('\n');
}

/** The series legend, wrapped into as many rows as the width needs. */
function legendLayout(series: readonly Series[]): { parts: string[]; height: number } {
  const parts: string[] = [];
  let x = 12;
  let y = 30;
  for (const s of series) {
    const width = 24 + s.label.length * 6.6;
    if (x + width > WIDTH - 10) {
      x = 12;
      y += 18;
    }
    parts.push(rect(x, y, 12, 12, s.color));
    parts.push(label(x + 16, y + 6, s.label, 'start'));
    x += width;
  }
  return { parts, height: y - 30 + 22 };
}

function header(height: number, title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="20" font-size="14" font-weight="600" fill="#1f2328">${escape(title)}</text>`,
  ].join('\n');
}

function axis(x: (value: number) => number, max: number, top: number, bottom: number, unit: string): string {
  const ticks = 5;
  const parts: string[] = [];
  for (let i = 0; i <= ticks; i++) {
    const value = (max / ticks) * i;
    const px = round(x(value));
    parts.push(`<line x1="${px}" x2="${px}" y1="${top - 4}" y2="${bottom}" stroke="#eaeef2"/>`);
    parts.push(
      `<text x="${px}" y="${bottom + 14}" text-anchor="middle" fill="#656d76" font-size="11">${escape(tick(value))}</text>`,
    );
  }
  parts.push(
    `<text x="${WIDTH - 10}" y="${bottom + 14}" text-anchor="end" fill="#656d76" font-size="11">${escape(unit.trim())}</text>`,
  );
  return parts.join('\n');
}

function rect(x: number, y: number, width: number, height: number, color: string): string {
  return `<rect x="${round(x)}" y="${round(y)}" width="${round(Math.max(width, 1))}" height="${height}" rx="2" fill="${color}"/>`;
}

function whisker(bar: Omit<Bar, 'label'>, x: (value: number) => number, y: number): string {
  if (bar.low === undefined || bar.low === null || bar.high === undefined || bar.high === null) return '';
  const a = round(x(bar.low));
  const b = round(x(bar.high));
  return [
    `<line x1="${a}" x2="${b}" y1="${round(y)}" y2="${round(y)}" stroke="#1f2328" stroke-width="1.2"/>`,
    `<line x1="${a}" x2="${a}" y1="${round(y - 4)}" y2="${round(y + 4)}" stroke="#1f2328" stroke-width="1.2"/>`,
    `<line x1="${b}" x2="${b}" y1="${round(y - 4)}" y2="${round(y + 4)}" stroke="#1f2328" stroke-width="1.2"/>`,
  ].join('\n');
}

function markerLine(px: number, bottom: number, text: string, labelY: number): string {
  return [
    `<line x1="${round(px)}" x2="${round(px)}" y1="${labelY + 2}" y2="${bottom}" stroke="${PALETTE.target}" stroke-dasharray="4 3" stroke-width="1.5"/>`,
    `<text x="${round(px) + 4}" y="${labelY + 8}" fill="${PALETTE.target}" font-size="11">${escape(text)}</text>`,
  ].join('\n');
}

function label(x: number, y: number, text: string, anchor: 'start' | 'end', bold = false, size = 12): string {
  return `<text x="${round(x)}" y="${round(y + 4)}" text-anchor="${anchor}" fill="#1f2328" font-size="${size}"${bold ? ' font-weight="600"' : ''}>${escape(text)}</text>`;
}

function format(value: number, chart: { unit: string; digits?: number }): string {
  return `${value.toFixed(chart.digits ?? 1)}${chart.unit}`;
}

/** A round upper end for an axis: 1, 2 or 5 times a power of ten, just above `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value * 1.05) return step * power;
  return 10 * power;
}

function tick(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
