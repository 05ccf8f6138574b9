import { FULL_TARGET_FLOOR_RATIO, METRICS_ONLY_TARGET_MICROS } from '../lib/budget.js';
import type { ResultsFile } from '../lib/results.js';
import type { OverheadRun } from '../overhead/suite.js';
import { fixed, table, withInterval } from './format.js';

/** Whether a median meets its target, and by how much it misses. */
export function targetStatus(median: number, target: number): string {
  return median <= target ? 'met' : `missed by ${fixed(median - target, 2)} µs`;
}

/** A subject's target in µs per job, in this run, with how it is stated; undefined when it has none. */
function targetOf(run: OverheadRun, id: string): { micros: number; stated: string } | undefined {
  if (id === 'metrics-only') {
    return { micros: METRICS_ONLY_TARGET_MICROS, stated: `${METRICS_ONLY_TARGET_MICROS} µs` };
  }
  const floor = run.subjects.find((s) => s.id === 'span-floor');
  if (id !== 'full' || !floor) return undefined;
  const micros = floor.overheadMicros.median * FULL_TARGET_FLOOR_RATIO;
  return { micros, stated: `${FULL_TARGET_FLOOR_RATIO}× the SDK floor, ${fixed(micros, 2)} µs` };
}

export function renderOverheadSection(file: ResultsFile<OverheadRun>): string {
  const { run } = file;
  const subjects = run.subjects.filter((s) => s.id !== 'bare');
  const bare = run.subjects.find((s) => s.id === 'bare');
  const { rounds, timeMs, warmupMs } = run.settings;
  const targetCell = (id: string, median: number) => {
    const target = targetOf(run, id);
    return target ? `≤ ${target.stated}: ${targetStatus(median, target.micros)}` : '';
  };

  const rows = subjects.map((s) => [
    s.label,
    s.description,
    withInterval(s.overheadMicros, 2),
    fixed(s.meanOverheadMicros.median, 2),
    fixed(s.cpuOverheadMicros.median, 2),
    targetCell(s.id, s.overheadMicros.median),
  ]);

  const markdown = [
    '## Tight loop: per-job overhead',
    '',
    `Every subject runs one job per call through the real code path: queuetel's modes through the handler`,
    '`instrumentPgBoss(boss).eachJob(...)` hands to pg-boss (a real PgBoss instance whose `work()` keeps that',
    "handler instead of polling), pg-boss 12.38's built-in telemetry through its own telemetry module as its",
    'worker drives it, and a hand-written wrapper. Each has the real OpenTelemetry SDK: a batch span processor',
    'to an exporter that discards, and a metric reader (queuetel through its metric producer unless noted).',
    'Jobs are shaped as pg-boss delivers them with `includeMetadata`, carry a producer trace context, and',
    'three labels (`project`, `endpoint`, and `http_status_code` normalised from a number). The two `send()`',
    'subjects time the producer side the same way: `boss.send()` through queuetel on a real PgBoss whose own',
    '`send` resolves at once, so that only what queuetel adds around the call is measured. queuetel is',
    'imported from its built packages, as an application imports it.',
    '',
    `tinybench times every call. A round gives each subject ${timeMs} ms (after ${warmupMs} ms of warm-up);`,
    `${rounds} rounds run in rotated order. A subject's overhead in a round is its median job time minus the`,
    `bare handler's median in the same round${bare ? ` (${fixed(bare.p50Micros.median, 2)} µs)` : ''}; the table gives the median over rounds and`,
    'a 90% confidence interval of that median. "Mean" uses mean job times, which include garbage collection',
    'a median leaves out; "CPU" is process CPU time per job over the bare handler\'s (all threads, so garbage',
    'collection helpers included).',
    '',
    table(
      [
        'subject',
        'what it does per job',
        'overhead, µs (median, 90% interval)',
        'mean, µs',
        'CPU, µs',
        'target',
      ],
      rows,
    ),
    '',
    ...targetNotes(run),
    'These are figures for a warm, tight loop: the code and its data stay in the CPU caches, and at tens of',
    'thousands of jobs a second the batch span processor exports spans within milliseconds, so they die young.',
    'In a worker doing a few hundred jobs a second the same work meets cold caches, and spans wait in the',
    "processor's queue long enough to reach the old generation of the heap, which costs more to collect. The",
    "throughput suite's per-job event-loop and CPU figures below show that cost.",
  ].join('\n');
  return markdown;
}

/** For each target, whether it held; for a miss, by how much and where the time goes. */
function targetNotes(run: OverheadRun): string[] {
  const find = (id: string) => run.subjects.find((s) => s.id === id);
  const notes: string[] = [];
  const full = find('full');
  const floor = find('span-floor');
  const metrics = find('metrics-only');
  if (full) {
    const median = full.overheadMicros.median;
    const target = targetOf(run, 'full');
    let note = `**Full mode: ${fixed(median, 2)} µs per job**`;
    if (floor && target) {
      note =
        `**Full mode: ${fixed(median, 2)} µs per job against a target of ${target.stated}, ` +
        `${targetStatus(median, target.micros)}.**` +
        ` The OpenTelemetry SDK alone, making the same span by hand (extract the producer's context, start a` +
        ` linked CONSUMER span with the same 11 attributes, make it active around the handler, end it), cost` +
        ` ${fixed(floor.overheadMicros.median, 2)} µs in the same run: that is the floor for any instrumentation` +
        ` that makes this span. queuetel's own work on top of it (labels, metrics, the pg-boss consumer path) was` +
        ` ${fixed(median - floor.overheadMicros.median, 2)} µs.`;
    }
    notes.push(note, '');
  }
  if (metrics) {
    const median = metrics.overheadMicros.median;
    notes.push(
      `**Metrics only: ${fixed(median, 2)} µs per job against a target of ${METRICS_ONLY_TARGET_MICROS} µs, ` +
        `${targetStatus(median, METRICS_ONLY_TARGET_MICROS)}.**`,
      '',
    );
  }
  const stamp = find('send-stamp');
  const span = find('send-span');
  if (stamp && span) {
    notes.push(
      `**Producer: a \`send()\` through queuetel costs ${fixed(stamp.overheadMicros.median, 2)} µs over a bare` +
        ` one beside pg-boss's built-in telemetry (the eligibility stamp), and ${fixed(span.overheadMicros.median, 2)}` +
        ' µs with it off (queuetel then makes the PRODUCER span), against a target of a few µs.**',
      '',
    );
  }
  return notes;
}
