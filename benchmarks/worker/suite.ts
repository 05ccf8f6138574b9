import { openBenchDatabase } from '../lib/database.js';
import type { Progress } from '../lib/progress.js';
import { median, pairedRatios, summarize, type Summary } from '../lib/stats.js';
import { Fleet } from './fleet.js';
import { measureProducer, type ProducerResult } from './producer.js';
import {
  BATCH_SIZE,
  PGMQ_WORKERS,
  PG_BOSS_WORKERS,
  WORKER_LABELS,
  type DrainResult,
  type HandlerKind,
  type WorkerId,
} from './protocol.js';
import { requireBuiltPackages } from '../lib/built-packages.js';

export interface WorkerSuiteSettings {
  readonly rounds: number;
  readonly ids: readonly WorkerId[];
  readonly handlers: readonly HandlerKind[];
  /** Jobs per drain, by handler: enough that the middle 80% spans seconds, not milliseconds. */
  readonly jobs: Readonly<Record<HandlerKind, number>>;
  readonly producerSends: number;
  /**
   * Drains of each configuration and handler run, and discarded, before the first round. A fresh
   * worker compiles its hot code while it drains: the first drains of a worker made CPU per job tens
   * of µs higher than its later ones. A worker that runs for hours pays that once, so the rounds
   * measure the steady state.
   */
  readonly warmUpRounds: number;
  /** Seconds to wait after the last round for every worker's next metric export; 0 skips it. */
  readonly exportWaitSeconds: number;
  /**
   * The harness's regression switch: busy CPU worth this share of the baseline's throughput (at the
   * first handler) is added to each job of every configuration that is not a baseline. 0 in real runs.
   */
  readonly regression: number;
}

export const FULL_SETTINGS: WorkerSuiteSettings = {
  rounds: 10,
  ids: [...PG_BOSS_WORKERS, ...PGMQ_WORKERS],
  handlers: ['io-1ms', 'noop'],
  // A drain of about a second (4,000 no-op jobs, 1,200 at 1 ms) took a metric export in some rounds
  // and none in others, which moved a round's CPU per job by tens of µs. Drains of 3 to 6 s take
  // about one export each, as a worker running for hours does.
  jobs: { 'io-1ms': 4000, noop: 16000 },
  producerSends: 1600,
  warmUpRounds: 1,
  exportWaitSeconds: 11,
  regression: 0,
};

export interface ConfigurationResult {
  readonly id: WorkerId;
  readonly label: string;
  /** The configuration this one is compared with, in the same round. */
  readonly baseline: WorkerId;
  readonly throughput: Summary;
  readonly cpuMicrosPerJob: Summary;
  /** Share of the baseline's throughput lost, per round; null for a baseline itself. */
  readonly loss: Summary | null;
  /** CPU µs per job over the baseline's, per round; null for a baseline. */
  readonly cpuOverBaseline: Summary | null;
  /** The main thread's CPU µs per job over the baseline's main thread, per round; null for a baseline. */
  readonly mainThreadOverBaseline: Summary | null;
  /** The same for every other thread (V8's garbage collection and compiler helpers, libuv's pool). */
  readonly helperThreadsOverBaseline: Summary | null;
}

export interface ExportResult {
  readonly id: WorkerId;
  readonly label: string;
  /** Median over the metric exports after the last round, when every series had been touched. */
  readonly bytesPerExport: number;
  readonly pointsPerExport: number;
  readonly exports: number;
  readonly spans: number;
}

export interface WorkerSuiteRun {
  readonly settings: WorkerSuiteSettings & { readonly batchSize: number };
  /** µs of busy CPU the regression switch added per job, by baseline; empty when it was off. */
  readonly spinMicros: Partial<Record<WorkerId, number>>;
  readonly cells: { readonly handler: HandlerKind; readonly configurations: ConfigurationResult[] }[];
  readonly exports: ExportResult[];
  readonly producer: ProducerResult | null;
  readonly seconds: number;
}

export function baselineOf(id: WorkerId): WorkerId {
  return (PGMQ_WORKERS as readonly string[]).includes(id) ? 'pgmq-bare' : 'bare';
}

/**
 * Rounds of drains, interleaved: in each round every configuration drains the same number of jobs
 * with each handler, in an order that rotates from round to round, so a slow spell on the shared
 * machine falls on every configuration alike. A configuration's loss in a round is against its
 * baseline's throughput in that same round.
 */
export async function runWorkerSuite(
  settings: WorkerSuiteSettings,
  progress: Progress,
): Promise<WorkerSuiteRun> {
  requireBuiltPackages();
  const startedAt = performance.now();
  const database = await openBenchDatabase();
  try {
    progress.update('starting workers');
    const fleet = await Fleet.start(settings.ids, database.url);
    try {
      const spin = settings.regression > 0 ? await calibrate(fleet, settings, progress) : {};
      const spinMicros = (id: WorkerId) => spin[baselineOf(id)] ?? 0;
      const samples = new Map<string, DrainResult[]>();
      const key = (handler: HandlerKind, id: WorkerId) => `${handler} ${id}`;
      const total =
        (settings.warmUpRounds + settings.rounds) * settings.handlers.length * settings.ids.length;
      let done = 0;
      for (let round = 0; round < settings.warmUpRounds; round++) {
        for (const handler of settings.handlers) {
          for (const id of settings.ids) {
            progress.update(`warming up: ${handler}, ${id}`, done++, total);
            await fleet.trial(id, handler, settings.jobs[handler], spinMicros(id));
          }
        }
      }
      for (let round = 0; round < settings.rounds; round++) {
        for (const handler of settings.handlers) {
          const order = rotate(settings.ids, round);
          for (const id of order) {
            progress.update(`round ${round + 1} of ${settings.rounds}: ${handler}, ${id}`, done++, total);
            const result = await fleet.trial(id, handler, settings.jobs[handler], spinMicros(id));
            samples.set(key(handler, id), [...(samples.get(key(handler, id)) ?? []), result]);
          }
        }
      }
      // Every worker exports once more after its last drain, with every series it will ever have.
      progress.update('waiting for the exports after the last round');
      const exportsBefore = new Map(settings.ids.map((id) => [id, fleet.exported(id).metricExports.length]));
      await new Promise((resolve) => setTimeout(resolve, settings.exportWaitSeconds * 1000));
      const producer =
        settings.producerSends > 0 ? await measureProducer(fleet, settings.producerSends, progress) : null;
      return {
        settings: { ...settings, batchSize: BATCH_SIZE },
        spinMicros: spin,
        cells: settings.handlers.map((handler) => ({
          handler,
          configurations: settings.ids.map((id) => {
            const own = samples.get(key(handler, id))!;
            const baseline = baselineOf(id);
            const base = samples.get(key(handler, baseline));
            const compared = id !== baseline && base !== undefined;
            return {
              id,
              label: WORKER_LABELS[id],
              baseline,
              throughput: summarize(own.map((r) => r.throughput)),
              cpuMicrosPerJob: summarize(own.map((r) => r.cpuMicrosPerJob)),
              loss: compared
                ? summarize(
                    pairedRatios(
                      base.map((r) => r.throughput),
                      own.map((r) => r.throughput),
                    ).map((r) => 1 - r),
                  )
                : null,
              cpuOverBaseline: compared
                ? summarize(own.map((r, i) => r.cpuMicrosPerJob - base[i]!.cpuMicrosPerJob))
                : null,
              mainThreadOverBaseline: compared
                ? summarize(own.map((r, i) => r.mainThreadMicrosPerJob - base[i]!.mainThreadMicrosPerJob))
                : null,
              helperThreadsOverBaseline: compared
                ? summarize(own.map((r, i) => helperMicros(r) - helperMicros(base[i]!)))
                : null,
            };
          }),
        })),
        exports: settings.ids.map((id) => {
          const tally = fleet.exported(id);
          const last = tally.metricExports.slice(exportsBefore.get(id));
          return {
            id,
            label: WORKER_LABELS[id],
            bytesPerExport: last.length > 0 ? median(last.map((e) => e.bytes)) : 0,
            pointsPerExport: last.length > 0 ? median(last.map((e) => e.points)) : 0,
            exports: tally.metricExports.length,
            spans: tally.spans,
          };
        }),
        producer,
        seconds: (performance.now() - startedAt) / 1000,
      };
    } finally {
      await fleet.close();
    }
  } finally {
    await database.close();
  }
}

/**
 * The regression switch's delay per baseline: a delay of d on a cycle of t per job leaves t / (t + d)
 * of the throughput, so d = t * share / (1 - share), with t from a drain of the baseline itself.
 */
async function calibrate(
  fleet: Fleet,
  settings: WorkerSuiteSettings,
  progress: Progress,
): Promise<Partial<Record<WorkerId, number>>> {
  const spin: Partial<Record<WorkerId, number>> = {};
  const handler = settings.handlers[0]!;
  for (const baseline of new Set(settings.ids.map(baselineOf))) {
    progress.update(`calibrating the regression switch: ${baseline}`);
    const { throughput } = await fleet.trial(baseline, handler, settings.jobs[handler]);
    spin[baseline] = (1e6 / throughput) * (settings.regression / (1 - settings.regression));
  }
  return spin;
}

/** CPU µs per job off the main thread. */
function helperMicros(result: DrainResult): number {
  return result.cpuMicrosPerJob - result.mainThreadMicrosPerJob;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
