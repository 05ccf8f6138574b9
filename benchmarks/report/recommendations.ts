import type { ResultsFile } from '../lib/results.js';
import type { OverheadRun } from '../overhead/suite.js';
import type { ThroughputResults } from '../throughput/run.js';
import type { SweepPoint, ThroughputRun } from '../throughput/suite.js';
import { fixed, percent } from './format.js';
import { configuration, findCell, pairedRatio } from './throughput-section.js';

/**
 * The recommendations seed 001 asks for (batch size, concurrency, polling, pool size), each drawn
 * from the measured figures by a stated rule, so a new baseline rewrites them with its own numbers.
 */
export function renderRecommendations(
  throughput: ResultsFile<ThroughputResults> | undefined,
  overhead: ResultsFile<OverheadRun> | undefined,
): string {
  const run = throughput?.run.systems.find((s) => s.system.id === 'pg-boss');
  const items: string[] = [];
  if (run) {
    items.push(
      ...batchSize(run),
      ...concurrency(run),
      ...poolSize(run),
      ...polling(run),
      ...telemetry(run, overhead?.run),
    );
  }
  if (items.length === 0) return '';
  return [
    '## Recommendations',
    '',
    'Drawn from the figures above by the rule each one states; they hold for this machine and load, so re-run',
    'the suite on hardware like yours before tuning production by them.',
    '',
    ...items,
  ].join('\n');
}

function batchSize(run: ThroughputRun): string[] {
  const sizes = [...new Set(run.cells.map((c) => c.cell.settings.batchSize))].sort((a, b) => a - b);
  if (sizes.length < 2) return [];
  const drain = (handler: 'io-1ms' | 'noop', size: number) =>
    configuration(findCell(run, 'burst', size, handler), 'bare')?.throughput.median;
  const steady = (size: number) =>
    configuration(findCell(run, 'steady', size, 'io-1ms'), 'bare')?.latencyMs.p50.median;
  const io = sizes.map((size) => [size, drain('io-1ms', size)] as const).filter(([, v]) => v !== undefined);
  if (io.length < 2) return [];
  const best = Math.max(...io.map(([, v]) => v!));
  // The smallest batch that drains within 10% of the best: larger batches hold more jobs hostage to
  // one slow job and one failure, for little more throughput.
  const pick = io.find(([, v]) => v! >= best * 0.9)![0];
  const noop = sizes.map((size) => `${size}: ${fixed(drain('noop', size), 0)}`).join(', ');
  return [
    `- **Batch size: ${pick}.** One worker with the 1 ms handler drained ${io
      .map(([size, v]) => `${fixed(v, 0)} jobs/s at batch ${size}`)
      .join(
        ', ',
      )}; with the no-op handler (${noop} jobs/s) the fetch round trip dominates even more. Rule: the` +
      ` smallest batch within 10% of the best throughput, since a larger batch ties more jobs to one slow or` +
      ` failing job. Under steady arrivals the median latency was ${sizes
        .map((size) => `${fixed(steady(size), 0)} ms at batch ${size}`)
        .join(', ')}. A batch of 1 only bursts through \`burstWhenReadyExceeds\`, which reacts to pg-boss's` +
      ' queue statistics (every `monitorIntervalSeconds`), so it keeps polling pace for a while after a backlog arrives.',
  ];
}

/** The smallest setting whose throughput is within `share` of the best in a sweep. */
function knee(points: readonly SweepPoint[], share: number): SweepPoint | undefined {
  const value = (p: SweepPoint) => p.result.configurations[0]!.throughput.median;
  const best = Math.max(...points.map(value));
  return points.find((p) => value(p) >= best * share);
}

/** Each point's throughput; `unit` is the plural of what it counts, made singular for one. */
function sweepFigures(points: readonly SweepPoint[], unit: string): string {
  return points
    .map((p) => {
      const counted = p.value === 1 ? unit.replace(/s$/, '') : unit;
      return `${fixed(p.result.configurations[0]!.throughput.median, 0)} jobs/s with ${p.value} ${counted}`;
    })
    .join(', ');
}

function concurrency(run: ThroughputRun): string[] {
  const sweep = run.sweeps.find((s) => s.id === 'concurrency');
  if (!sweep || sweep.points.length < 2) return [];
  const pick = knee(sweep.points, 0.9)!;
  return [
    `- **Workers per process (\`localConcurrency\`): ${pick.value}.** ${sweepFigures(sweep.points, 'workers')} (${sweep.description}).` +
      ' Rule: the fewest workers within 10% of the best; past that point the CPU this process shares with PostgreSQL' +
      ' is the limit, and more workers add connections and contention, not throughput. Scale out with processes.',
  ];
}

function poolSize(run: ThroughputRun): string[] {
  const sweep = run.sweeps.find((s) => s.id === 'pool-size');
  if (!sweep || sweep.points.length < 2) return [];
  const pick = knee(sweep.points, 0.95)!;
  return [
    `- **Connection pool (\`max\`): ${pick.value} for 8 workers.** ${sweepFigures(sweep.points, 'connections')}.` +
      ' Rule: the smallest pool within 5% of the best. Each worker holds a connection only for its fetch and its' +
      ' completion, so a pool well below the worker count keeps up; add one connection for LISTEN/NOTIFY when it is on.',
  ];
}

function polling(run: ThroughputRun): string[] {
  const sweep = run.sweeps.find((s) => s.id === 'polling');
  if (!sweep || sweep.points.length < 2) return [];
  const of = (p: SweepPoint) => p.result.configurations[0]!;
  // Only ways that kept up with the arrivals count; of those, the lowest median latency wins.
  const best = Math.max(...sweep.points.map((p) => of(p).throughput.median));
  const keptUp = sweep.points.filter((p) => of(p).throughput.median >= best * 0.9);
  const pick = keptUp.reduce((a, b) => (of(b).latencyMs.p50.median < of(a).latencyMs.p50.median ? b : a));
  const figures = sweep.points
    .map(
      (p) =>
        `${p.value}: ${fixed(of(p).throughput.median, 0)} jobs/s, median latency ${fixed(of(p).latencyMs.p50.median, 0)} ms`,
    )
    .join('; ');
  return [
    `- **Polling: ${pick.value}.** With ${sweep.description}: ${figures}.` +
      ' Rule: of the ways that kept up with the arrivals (within 10% of the best throughput), the lowest median' +
      ' latency. Without bursts a worker takes one batch per polling interval, so the interval caps throughput at' +
      ' a batch per interval and a queue that outgrows it backs up; bursts (`burstWhenBatchFull`) fetch again at' +
      ' once while batches come back full, and LISTEN/NOTIFY (`useListenNotify` and a queue with `notify`) wakes' +
      ' a waiting worker the moment a job arrives.',
  ];
}

function telemetry(run: ThroughputRun, overhead: OverheadRun | undefined): string[] {
  const attribution = run.attribution;
  const bare = configuration(attribution, 'bare');
  const batch = configuration(attribution, 'queuetel');
  const each = configuration(attribution, 'queuetel-each-job');
  const metadata = configuration(attribution, 'bare+metadata');
  if (!bare || !batch || !each) return [];
  const loss = (c: NonNullable<typeof batch>) => 1 - pairedRatio(bare, c).median;
  const metricsOnly = overhead?.subjects.find((s) => s.id === 'metrics-only')?.overheadMicros.median;
  const full = overhead?.subjects.find((s) => s.id === 'full')?.overheadMicros.median;
  const batchLoss = loss(batch);
  const eachLoss = loss(each);
  // A span per job is worth recommending against only when it measurably costs more.
  const headline =
    eachLoss > batchLoss + 0.005
      ? 'a span per batch unless a trace per job is worth it'
      : 'a span per batch or per job cost about the same here';
  return [
    `- **Telemetry: ${headline}.** With the 1 ms handler queuetel cost ${percent(batchLoss, 2)} of throughput` +
      ` with its default span per batch and ${percent(eachLoss, 2)} with \`eachJob\`'s span per job` +
      (metadata
        ? `; fetching job metadata alone accounted for ${percent(1 - pairedRatio(bare, metadata).median, 2)}`
        : '') +
      '.' +
      (full !== undefined && metricsOnly !== undefined
        ? ` Per job in process, a sampled span cost ${fixed(full, 2)} µs and metrics alone ${fixed(metricsOnly, 2)} µs,` +
          ' so at high volume sample traces (a ratio sampler) and keep metrics on: the job metrics stay complete.'
        : ''),
  ];
}
