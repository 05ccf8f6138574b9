import type { ResultsFile } from '../lib/results.js';
import { summarize, type Summary } from '../lib/stats.js';
import type { CellResult, ConfigurationResult } from '../throughput/comparison.js';
import { PATTERNS } from '../throughput/patterns.js';
import type { ThroughputResults } from '../throughput/run.js';
import type { ThroughputRun } from '../throughput/suite.js';
import { HANDLERS, type HandlerKind } from '../throughput/trial.js';
import { fixed, lossWithInterval, table } from './format.js';

/** Throughput of `b` over `a`, paired by round. Both must come from the same comparison. */
export function pairedRatio(a: ConfigurationResult, b: ConfigurationResult): Summary {
  const base = a.throughput.values;
  return summarize(b.throughput.values.map((value, i) => value / base[i]!));
}

export function findCell(run: ThroughputRun, pattern: string, batchSize: number, handler: HandlerKind) {
  return run.cells.find(
    (c) =>
      c.cell.pattern === pattern && c.cell.settings.batchSize === batchSize && c.cell.handler === handler,
  );
}

export function configuration(
  cell: CellResult | null | undefined,
  id: string,
): ConfigurationResult | undefined {
  return cell?.configurations.find((c) => c.id === id);
}

export function renderThroughputSection(file: ResultsFile<ThroughputResults>): string {
  return file.run.systems.map((run) => renderSystem(run, file.run.database)).join('\n\n');
}

function renderSystem(run: ThroughputRun, database: ThroughputResults['database']): string {
  const labels = new Map<string, string>();
  for (const cell of run.cells) for (const c of cell.configurations) labels.set(c.id, c.label);
  for (const c of run.attribution?.configurations ?? []) labels.set(c.id, c.label);
  const { matrixSettings, settings } = run;

  const lines = [
    `## Tight loop in one process: throughput on real PostgreSQL, ${run.system.label}`,
    '',
    `Real ${run.system.label} against ${database.server} (${database.version.split(',')[0]}), in one Node process.`,
    `Configurations: ${[...labels.entries()].map(([id, label]) => `\`${id}\` (${label})`).join(', ')}. Each`,
    'telemetry configuration has its own OpenTelemetry SDK: sampled, a batch span processor and a metric',
    'reader every 5 s, both to exporters that discard. Every configuration keeps its own queue and workers for a',
    `whole cell; a trial feeds it jobs and waits for them. ${matrixSettings.concurrency} worker per configuration, a`,
    `pool of ${matrixSettings.poolSize} connections, polling every ${matrixSettings.pollingSeconds} s.`,
    run.system.consumption ?? '',
    '',
    'Each cell first measures what the bare configuration drains from a backlog (its capacity); that sizes one',
    'schedule that every configuration then gets:',
    '',
    ...Object.values(PATTERNS).map((p) => `- **${p.label}**: ${p.description};`),
    '',
    `Configurations run interleaved, ${settings.rounds} rounds of ${settings.trialSeconds} s trials, each round in an order`,
    'from a balanced Latin square (A B, B A, ...), so every configuration follows every other equally often. Each',
    'trial starts from a collected heap, so none pays for the garbage of the one before; what collecting a',
    "configuration's own long-lived garbage (spans waiting in the batch processor) costs later is partly left out.",
    "A backlog's throughput is the rate at which its middle 80% drained; for arrivals over time it is jobs over",
    'the time from the first insert to the last completion. Losses are the median of per-round ratios to the bare',
    'configuration, with a 90% interval (order statistics). Latency is from enqueue to the end of the handler. All',
    "configurations share the process, so the OpenTelemetry context manager's own cost (its async hooks) falls on",
    'the bare configuration too and is not in these losses.',
    '',
  ];

  if (run.attribution) lines.push(...budgetLines(run));

  for (const handler of ['io-1ms', 'noop'] as const) {
    const cells = run.cells.filter((c) => c.cell.handler === handler);
    if (cells.length === 0) continue;
    const ids = cells[0]!.configurations.map((c) => c.id);
    lines.push(`### ${HANDLERS[handler]} handler`, '');
    // One row per cell, one column per configuration; `text` gives each figure.
    const byCell = (text: (c: ConfigurationResult, id: string) => string) =>
      table(
        ['load', 'batch', ...ids.map((id) => labels.get(id) ?? id)],
        cells.map((cell) => [
          cell.cell.pattern,
          String(cell.cell.settings.batchSize),
          ...ids.map((id) => text(configuration(cell, id)!, id)),
        ]),
      );
    lines.push(
      'Jobs per second (median of rounds), and the loss against bare with its 90% interval:',
      '',
      byCell((c, id) =>
        id === ids[0]
          ? fixed(c.throughput.median, 0)
          : `${fixed(c.throughput.median, 0)}, ${lossWithInterval(c.ratio)}`,
      ),
      '',
      'Latency from enqueue to the end of the handler, ms: median / p95 / p99 (each the median of rounds):',
      '',
      byCell(
        ({ latencyMs: l }) =>
          `${fixed(l.p50.median, 0)} / ${fixed(l.p95.median, 0)} / ${fixed(l.p99.median, 0)}`,
      ),
      '',
      'Work per job in this process, µs: event-loop busy time / CPU time of all threads (medians of rounds):',
      '',
      byCell((c) => `${fixed(c.loopMicrosPerJob.median, 0)} / ${fixed(c.cpuMicrosPerJob.median, 0)}`),
      '',
    );
  }

  if (run.sweeps.length > 0) {
    lines.push('### Tuning sweeps', '');
    lines.push(
      'One setting at a time, changed from the matrix above, on the bare configuration with the 1 ms handler;',
      'three rounds each: how each setting moves throughput and latency, not overhead figures.',
      '',
    );
    for (const sweep of run.sweeps) {
      lines.push(`**${sweep.label}** (${sweep.description}):`, '');
      lines.push(
        table(
          [
            sweep.id === 'polling' ? 'how' : sweep.label.toLowerCase(),
            'jobs/s',
            'latency p50 / p95 / p99, ms',
          ],
          sweep.points.map((point) => {
            const c = point.result.configurations[0]!;
            return [
              String(point.value),
              fixed(c.throughput.median, 0),
              `${fixed(c.latencyMs.p50.median, 0)} / ${fixed(c.latencyMs.p95.median, 0)} / ${fixed(c.latencyMs.p99.median, 0)}`,
            ];
          }),
        ),
        '',
      );
    }
  }
  return lines.join('\n').trimEnd();
}

/** The budget's verdict, from the attribution at the headline cell; the no-op worst case beside it. */
function budgetLines(run: ThroughputRun): string[] {
  const attribution = run.attribution!;
  const { attributionRounds: rounds, attributionTrialSeconds: trialSeconds } = run.settings;
  const lines = [
    "### One process, discarding exporters: the cost split at the budget's cell",
    '',
    `A backlog, batches of ${attribution.cell.settings.batchSize} (as in the README), one worker, each job a 1 ms`,
    `asynchronous call; ${rounds} interleaved rounds of ${trialSeconds} s trials, for the precision a 1% budget`,
    "needs. `bare+metadata` (bare pg-boss fetching each job's metadata, `includeMetadata`, which queuetel asked for",
    'until it read job facts without it on 12.38) splits the cost',
    "into the fetch and queuetel's own work. The same again with a handler that does nothing is the worst case:",
    "every job is then pure overhead, so it shows queuetel's cost next to pg-boss's own per-job work, not a",
    'figure a real handler sees.',
    '',
  ];
  for (const [title, cell] of [
    ['1 ms handler', attribution],
    ['no-op handler (worst case)', run.attributionNoop],
  ] as const) {
    if (cell) lines.push(`${title}:`, '', attributionTable(cell), '');
  }
  return lines;
}

function attributionTable(cell: CellResult): string {
  const bare = configuration(cell, 'bare')!;
  const metadata = configuration(cell, 'bare+metadata');
  return table(
    ['configuration', 'jobs/s', 'loss vs bare', 'loss vs bare + metadata'],
    cell.configurations.map((c) => [
      c.label,
      fixed(c.throughput.median, 0),
      c.id === 'bare' ? '' : lossWithInterval(pairedRatio(bare, c), 2),
      metadata && c.id !== 'bare' && c.id !== 'bare+metadata'
        ? lossWithInterval(pairedRatio(metadata, c), 2)
        : '',
    ]),
  );
}
