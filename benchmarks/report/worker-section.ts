import type { ResultsFile } from '../lib/results.js';
import { pairedRatios, summarize, type Summary } from '../lib/stats.js';
import type { WorkerId } from '../worker/protocol.js';
import type { ConfigurationResult, WorkerSuiteRun } from '../worker/suite.js';
import { fixed, interval, percent, table, withInterval } from './format.js';

/** The lead table: what each configuration costs a real worker, from `results/worker.json`. */
export function renderWorkerSection(file: ResultsFile<WorkerSuiteRun>): string {
  const { run, machine } = file;
  const { settings } = run;
  const cell = (handler: string, id: WorkerId) =>
    run.cells.find((c) => c.handler === handler)?.configurations.find((c) => c.id === id);
  const builtInExport = run.exports.find((e) => e.id === 'built-in');
  const rows = settings.ids.map((id) => {
    const slow = cell('io-1ms', id);
    const fast = cell('noop', id);
    const exported = run.exports.find((e) => e.id === id);
    const volume =
      exported && exported.exports > 0 && exported.bytesPerExport > 0
        ? `${(exported.bytesPerExport / 1024).toFixed(1)} KiB, ${exported.pointsPerExport} points` +
          (builtInExport && builtInExport.bytesPerExport > 0 && id !== 'built-in' && !id.startsWith('pgmq')
            ? ` (${(exported.bytesPerExport / builtInExport.bytesPerExport).toFixed(1)}×)`
            : '')
        : '–';
    return [
      slow?.loss || fast?.loss ? slow!.label : `**${slow?.label ?? id}** (baseline)`,
      loss(slow),
      loss(fast),
      `${cpu(slow)} / ${cpu(fast)}`,
      volume,
      exported ? String(exported.spans) : '–',
    ];
  });
  return [
    '## What a real worker pays',
    '',
    `Each configuration runs in a worker process of its own, as a user runs it (queuetel's built packages, as an` +
      ` application imports them), and exports over OTLP/HTTP` +
      ` (${process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/json'}, metrics every 5 s) to a sink in the driver` +
      ` process, which counts the bytes and data points of every export. Before each drain the driver enqueues` +
      ` ${settings.jobs['io-1ms']} jobs (1 ms handler) or ${settings.jobs.noop} (no-op) with a producer instrumented` +
      ` as the quick start does (pg-boss's built-in telemetry and queuetel, which stamps when each job becomes` +
      ` eligible) and runs \`ANALYZE\`; the worker then drains them: one worker, batches of ${settings.batchSize}, bursts on,` +
      ` the handler awaiting each job in turn (pgmq: up to ${settings.batchSize} messages in flight). Throughput is the` +
      ` rate of the middle 80% of completions; CPU is \`process.cpuUsage()\` of the worker from \`work()\` to the last` +
      ` job. ${settings.rounds} interleaved rounds, the order rotating each round${warmUp(settings.warmUpRounds)}; losses and CPU are paired with the` +
      ` baseline of the same round (bare pg-boss, or the hand-written pgmq loop). Medians, with the 90% interval of` +
      ` the median in brackets. Labels: three per job (project, endpoint, status class), 12 distinct combinations.`,
    '',
    table(
      [
        'configuration',
        '1 ms handler: throughput lost',
        'no-op: throughput lost',
        'CPU over baseline, µs/job (1 ms / no-op)',
        'metric export (vs built-in)',
        'spans exported',
      ],
      rows,
    ),
    '',
    ...renderBesideBuiltIn(run),
    ...renderThreads(run),
    `Taken ${machine.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${machine.cores} cores with load average` +
      ` ${machine.loadAtStart} → ${machine.loadAtEnd}: other work shared the machine, so single rounds are noisy;` +
      ` the intervals say how far the medians can be trusted. Reproduce with \`${file.command}\`` +
      ` (about ${Math.ceil(run.seconds / 60)} minutes); it rewrites this page.`,
    '',
    'The targets: with a 1 ms handler, the quick start loses under 1% against bare pg-boss and never more than the' +
      " built-in telemetry; with a no-op handler, at most half the built-in telemetry's loss and CPU; `consume()`" +
      ' within 1% of the hand-written loop at 1 ms and 5% at no-op; a metric export within 2× the built-in' +
      " telemetry's bytes. Read them against the intervals above, not the medians alone.",
    '',
    'The hand-written pgmq loop deletes each message on its own, as the obvious loop does; `consume()` deletes' +
      ' the messages whose handlers return together in one statement (see docs/pgmq.md), so it makes fewer round' +
      ' trips than its baseline, and a negative figure in its row is that saving outweighing its telemetry.',
    '',
    "pg-boss's fetch slows several-fold when the planner's statistics predate a backlog inserted at once (it then" +
      ' scans rather than using the fetch index); the driver therefore runs `ANALYZE` after every load, as autovacuum' +
      ' would shortly after in production.',
    renderProducer(run),
  ].join('\n');
}

function loss(result: ConfigurationResult | undefined): string {
  if (!result) return '–';
  if (!result.loss) return `${Math.round(result.throughput.median)} jobs/s`;
  const [low, high] = interval(result.loss);
  return `${percent(result.loss.median)} (${percent(low)} to ${percent(high)})`;
}

function cpu(result: ConfigurationResult | undefined): string {
  if (!result) return '–';
  const summary: Summary = result.cpuOverBaseline ?? result.cpuMicrosPerJob;
  return result.cpuOverBaseline ? fixed(summary.median, 0) : `(${fixed(summary.median, 0)} total)`;
}

/**
 * What queuetel itself adds where pg-boss's built-in telemetry is already on: the quick start
 * against the built-in row, paired by round, beside what the built-in telemetry costs over bare
 * pg-boss. The table's rows are each against bare pg-boss, so this difference is not in them.
 */
function renderBesideBuiltIn(run: WorkerSuiteRun): string[] {
  const parts = run.cells.flatMap(({ handler, configurations }) => {
    const quickStart = configurations.find((c) => c.id === 'queuetel');
    const builtIn = configurations.find((c) => c.id === 'built-in');
    if (!quickStart || !builtIn?.loss || !builtIn.cpuOverBaseline) return [];
    const lost = summarize(
      pairedRatios(builtIn.throughput.values, quickStart.throughput.values).map((ratio) => 1 - ratio),
    );
    const cpuAdded = summarize(
      quickStart.cpuMicrosPerJob.values.map((micros, i) => micros - builtIn.cpuMicrosPerJob.values[i]!),
    );
    const [low, high] = interval(lost);
    return [
      `${handler === 'noop' ? 'no-op handler' : '1 ms handler'}: ${percent(lost.median)} of throughput` +
        ` (${percent(low)} to ${percent(high)}) and ${withInterval(cpuAdded, 0)} µs CPU per job, where the built-in` +
        ` telemetry itself costs ${percent(builtIn.loss.median)} and ${fixed(builtIn.cpuOverBaseline.median, 0)} µs`,
    ];
  });
  if (parts.length === 0) return [];
  return [
    "What queuetel adds to a worker that already runs pg-boss's built-in telemetry (the quick start against the" +
      ` built-in telemetry, paired by round; medians with their 90% intervals): ${parts.join('; ')}.`,
    '',
  ];
}

/**
 * The CPU column split by thread: the main thread runs the JavaScript, the others are mostly V8
 * collecting garbage (and compiling), so a share there is paid for allocation rather than for work.
 */
function renderThreads(run: WorkerSuiteRun): string[] {
  const split = (handler: string, id: WorkerId) => {
    const c = run.cells.find((cell) => cell.handler === handler)?.configurations.find((x) => x.id === id);
    return c?.mainThreadOverBaseline && c.helperThreadsOverBaseline
      ? {
          main: fixed(c.mainThreadOverBaseline.median, 0),
          other: fixed(c.helperThreadsOverBaseline.median, 0),
        }
      : { main: '–', other: '–' };
  };
  const rows = run.settings.ids.flatMap((id) => {
    const slow = split('io-1ms', id);
    const fast = split('noop', id);
    if (slow.main === '–' && fast.main === '–') return [];
    const label = run.cells[0]!.configurations.find((c) => c.id === id)?.label ?? id;
    return [[label, `${slow.main} / ${fast.main}`, `${slow.other} / ${fast.other}`]];
  });
  if (rows.length === 0) return [];
  return [
    'Where that CPU runs, µs per job over the baseline (1 ms / no-op), medians of per-round differences: the main' +
      " thread, which runs every line of JavaScript, and the process's other threads, which are mostly V8's garbage" +
      ' collector (and its compiler), so a cost there is paid for what a job allocates rather than for what it does.',
    '',
    table(['configuration', 'main thread', 'other threads'], rows),
    '',
  ];
}

function renderProducer(run: WorkerSuiteRun): string {
  const producer = run.producer;
  if (!producer) return '';
  return [
    '',
    `### The producer`,
    '',
    `Awaited \`send()\` calls one after another from the driver process, ${producer.sends} per configuration in 8` +
      " interleaved rounds, each configuration its own PgBoss instance; CPU is the producing process's, and the" +
      ' CPU over bare is the median of per-round differences with its 90% interval. What queuetel adds beside' +
      " the built-in telemetry is the quick start's row less the built-in's; a round trip to PostgreSQL costs" +
      ' hundreds of µs of CPU that vary from send to send, so a difference of a few µs is below what this can resolve;' +
      ' the tight loop below times the `send()` wrapper on its own.',
    '',
    table(
      ['configuration', 'wall µs per send', 'CPU µs per send', 'CPU over bare, µs'],
      producer.configurations.map((c) => [
        c.label,
        fixed(c.wallMicros.median, 0),
        fixed(c.cpuMicros.median, 1),
        c.cpuOverBare ? withInterval(c.cpuOverBare, 1) : '–',
      ]),
    ),
  ].join('\n');
}

/** What the page says of the warm-up drains; results from before they existed had none. */
function warmUp(rounds: number | undefined): string {
  if (!rounds) return '';
  return `, after ${rounds === 1 ? 'a warm-up drain' : `${rounds} warm-up drains`} of each configuration and handler that is not counted (a fresh worker compiles its hot code as it drains; one that runs for hours pays that once)`;
}
