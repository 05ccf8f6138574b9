import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from '../lib/machine.js';
import { REPO_ROOT, type ResultsFile } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { fixed, table } from '../report/format.js';
import { writeReport } from '../report/render.js';
import type { Sample, SoakSystem } from './protocol.js';

/** Warm-up ends when this share of the jobs is handled; growth is measured from there. */
const WARM_UP_SHARE = 0.2;
/** Points per chart line: samples are picked at even shares of the jobs handled. */
const CHART_POINTS = 11;

export interface SystemRun {
  readonly system: SoakSystem;
  readonly jobs: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  readonly rssMb: { readonly warm: number; readonly end: number; readonly max: number };
  readonly heapUsedMb: { readonly warm: number; readonly end: number; readonly max: number };
  readonly liveHeapMb: { readonly warm: number; readonly end: number; readonly max: number };
  /** The live heap's least-squares trend after warm-up, in MB per 100,000 jobs. */
  readonly liveHeapTrendMb: number;
  readonly loopDelayMs: { readonly p99Median: number; readonly p99Max: number; readonly max: number };
  /** Per instrument: series when warm, at the end, and the most seen. */
  readonly series: Readonly<
    Record<string, { readonly warm: number; readonly end: number; readonly max: number }>
  >;
  readonly exported: {
    readonly metricExports: number;
    readonly metricPoints: number;
    readonly spans: number;
  };
  readonly samples: readonly Sample[];
}

export interface SoakRun {
  readonly jobsPerSystem: number;
  readonly sampleSeconds: number;
  readonly backlog: number;
  readonly postgres: string;
  readonly runs: readonly SystemRun[];
}

export function summarize(
  system: SoakSystem,
  jobs: number,
  samples: readonly Sample[],
  exported: SystemRun['exported'],
): SystemRun {
  if (samples.length === 0) throw new Error(`${system}: no samples`);
  const warm = samples.find((s) => s.handled >= jobs * WARM_UP_SHARE) ?? samples[0]!;
  const end = samples.at(-1)!;
  const afterWarm = samples.slice(samples.indexOf(warm));
  const spread = (pick: (s: Sample) => number) => ({
    warm: pick(warm),
    end: pick(end),
    max: Math.max(...afterWarm.map(pick)),
  });
  const instruments = [...new Set(samples.flatMap((s) => Object.keys(s.series)))].sort();
  return {
    system,
    jobs,
    seconds: end.seconds,
    jobsPerSecond: Math.round(jobs / end.seconds),
    rssMb: spread((s) => s.rssMb),
    heapUsedMb: spread((s) => s.heapUsedMb),
    liveHeapMb: spread((s) => s.liveHeapMb),
    liveHeapTrendMb: trendPer100k(afterWarm, (s) => s.liveHeapMb),
    loopDelayMs: {
      p99Median: median(samples.map((s) => s.loopDelayMs.p99)),
      p99Max: Math.max(...samples.map((s) => s.loopDelayMs.p99)),
      max: Math.max(...samples.map((s) => s.loopDelayMs.max)),
    },
    series: Object.fromEntries(instruments.map((name) => [name, spread((s) => s.series[name] ?? 0)])),
    exported,
    samples,
  };
}

const BEGIN = '<!-- soak:begin -->';
const END = '<!-- soak:end -->';
const PAGE = join(REPO_ROOT, 'docs', 'reliability.md');

/** Rewrites the part of docs/reliability.md between the soak markers from a results file. */
export async function writeSoakSection(file: ResultsFile<SoakRun>): Promise<string> {
  const page = readFileSync(PAGE, 'utf8');
  const from = page.indexOf(BEGIN);
  const to = page.indexOf(END);
  if (from === -1 || to < from) throw new Error(`${PAGE} has no ${BEGIN} ... ${END} markers`);
  await writeReport(
    `${page.slice(0, from + BEGIN.length)}\n\n${renderSoak(file)}\n\n${page.slice(to)}`,
    PAGE,
  );
  return PAGE;
}

export function renderSoak({ machine, command, run }: ResultsFile<SoakRun>): string {
  const full = run.jobsPerSystem >= 500_000;
  return [
    `Run on ${machine.startedAt.slice(0, 10)} with \`${command}\`: ${run.jobsPerSystem.toLocaleString('en')} jobs ` +
      `per system, at most ${run.backlog.toLocaleString('en')} waiting, sampled every ${run.sampleSeconds} s. ` +
      (full ? '' : '**A short run: the 500,000-job run is pending.** ') +
      `${describeMachine(machine)}; PostgreSQL ${run.postgres.split(' ')[1] ?? run.postgres}.`,
    '',
    table(
      [
        'system',
        'jobs/s',
        'RSS warm → end (max), MB',
        'heap warm → end, MB',
        'live heap after GC warm → end (max), MB',
        'loop delay p99 median / max p99 / max, ms',
        'exports: metric requests, points, spans',
      ],
      run.runs.map((r) => [
        r.system,
        String(r.jobsPerSecond),
        `${fixed(r.rssMb.warm)} → ${fixed(r.rssMb.end)} (${fixed(r.rssMb.max)})`,
        `${fixed(r.heapUsedMb.warm)} → ${fixed(r.heapUsedMb.end)}`,
        `${fixed(r.liveHeapMb.warm)} → ${fixed(r.liveHeapMb.end)} (${fixed(r.liveHeapMb.max)})`,
        `${fixed(r.loopDelayMs.p99Median)} / ${fixed(r.loopDelayMs.p99Max)} / ${fixed(r.loopDelayMs.max)}`,
        `${r.exported.metricExports}, ${r.exported.metricPoints.toLocaleString('en')}, ${r.exported.spans.toLocaleString('en')}`,
      ]),
    ),
    '',
    `"Warm" is the first sample after ${WARM_UP_SHARE * 100}% of the jobs; growth is read from there. ` +
      'Each sample ends with a full garbage collection, and the live heap is the heap in use right after ' +
      "it: what the process holds on to. Resident memory and the heap before it follow V8's sizing of " +
      'the heap and the allocator, and rise and fall with the load; a leak shows as a live heap that ' +
      'keeps rising. ' +
      run.runs.map(verdict).join(' '),
    '',
    'Series per instrument (data points the metric producer holds; warm → end, most seen):',
    '',
    seriesTable(run.runs),
    '',
    chart('Resident memory (MB) by share of jobs handled', run.runs, (s) => s.rssMb),
    '',
    chart(
      'Live heap after a full garbage collection (MB) by share of jobs handled',
      run.runs,
      (s) => s.liveHeapMb,
    ),
    '',
    chart('Event-loop delay p99 (ms) by share of jobs handled', run.runs, (s) => s.loopDelayMs.p99),
    '',
    chart('Series of all queuetel instruments by share of jobs handled', run.runs, (s) =>
      Object.values(s.series).reduce((a, b) => a + b, 0),
    ),
  ].join('\n');
}

/**
 * Flat when the live heap's trend after warm-up, carried over the jobs after warm-up, adds less than
 * this share of its warm size. A trend rather than the last sample, so one sample taken with many
 * jobs in flight does not decide it.
 */
const FLAT_SHARE = 0.05;

function verdict(r: SystemRun): string {
  const jobsAfterWarm = (1 - WARM_UP_SHARE) * r.jobs;
  const projected = (r.liveHeapTrendMb * jobsAfterWarm) / 100_000;
  const seriesGrew = Object.entries(r.series).filter(([, s]) => s.end > s.warm);
  const trend = `${fixed(r.liveHeapTrendMb)} MB per 100,000 jobs`;
  const memory =
    projected < r.liveHeapMb.warm * FLAT_SHARE
      ? `the live heap was flat after warm-up (${fixed(r.liveHeapMb.warm)} → ${fixed(r.liveHeapMb.end)} MB, trend ${trend})`
      : `the live heap kept growing after warm-up (${fixed(r.liveHeapMb.warm)} → ${fixed(r.liveHeapMb.end)} MB, trend ${trend}): a leak to find`;
  const series =
    seriesGrew.length === 0
      ? 'no instrument gained a series after warm-up'
      : `series grew after warm-up on ${seriesGrew.map(([name]) => `\`${name}\``).join(', ')}`;
  return `${r.system}: ${memory}; ${series}.`;
}

/** The least-squares slope of `pick` against jobs handled, in units per 100,000 jobs. */
function trendPer100k(samples: readonly Sample[], pick: (s: Sample) => number): number {
  if (samples.length < 2) return 0;
  const xs = samples.map((s) => s.handled);
  const ys = samples.map(pick);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < xs.length; i++) {
    covariance += (xs[i]! - meanX) * (ys[i]! - meanY);
    variance += (xs[i]! - meanX) ** 2;
  }
  return variance === 0 ? 0 : (covariance / variance) * 100_000;
}

function seriesTable(runs: readonly SystemRun[]): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.series)))].sort();
  return table(
    ['instrument', ...runs.map((r) => r.system)],
    names.map((name) => [
      `\`${name}\``,
      ...runs.map((r) => {
        const s = r.series[name];
        return s ? `${s.warm} → ${s.end} (${s.max})` : '-';
      }),
    ]),
  );
}

/** A Mermaid line chart, one line per system, at even shares of the jobs handled. */
function chart(title: string, runs: readonly SystemRun[], pick: (sample: Sample) => number): string {
  const shares = Array.from({ length: CHART_POINTS }, (_, i) => i / (CHART_POINTS - 1));
  const lines = runs.map((r) =>
    shares.map((share) => {
      const sample = r.samples.find((s) => s.handled >= share * r.jobs) ?? r.samples.at(-1)!;
      return Math.round(pick(sample) * 10) / 10;
    }),
  );
  const top = Math.max(1, ...lines.flat());
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${title} (lines: ${runs.map((r) => r.system).join(', ')})"`,
    `  x-axis "jobs handled" [${shares.map((s) => `"${Math.round(s * 100)}%"`).join(', ')}]`,
    `  y-axis 0 --> ${Math.ceil(top * 1.2)}`,
    ...lines.map((values) => `  line [${values.join(', ')}]`),
    '```',
  ].join('\n');
}

function describeMachine(machine: Machine): string {
  return `${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAtStart} → ${machine.loadAtEnd}`;
}
