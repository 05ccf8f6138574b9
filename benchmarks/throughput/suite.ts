import { compare, type Cell, type CellResult } from './comparison.js';
import type { PatternId } from './patterns.js';
import type { ConsumeSettings, QueueSystem } from './system.js';
import type { HandlerKind } from './trial.js';

export const BATCH_SIZES = [1, 20, 100] as const;
export const PATTERN_IDS: readonly PatternId[] = ['steady', 'burst', 'ramp'];
export const HANDLER_KINDS: readonly HandlerKind[] = ['noop', 'io-1ms'];

/** What every cell of the matrix shares: one worker per process, polling never setting the pace. */
export const MATRIX_SETTINGS: Omit<ConsumeSettings, 'batchSize'> = {
  concurrency: 1,
  pollingSeconds: 0.5,
  burst: true,
  notify: false,
};

export const DEFAULT_POOL_SIZE = 10;

/** The cell the budget is stated for: a backlog, batches of 20 as in the README, a 1 ms handler. */
export const HEADLINE_CELL: Cell = {
  pattern: 'burst',
  handler: 'io-1ms',
  settings: { ...MATRIX_SETTINGS, batchSize: 20 },
};

export interface ThroughputSettings {
  readonly rounds: number;
  readonly trialSeconds: number;
  /** Rounds and trial length of the attribution at the headline cell: many short trials. */
  readonly attributionRounds: number;
  readonly attributionTrialSeconds: number;
  readonly regressionMicros: number;
  /** Runs the matrix only for these; all when unset. */
  readonly patterns?: readonly PatternId[];
  readonly batchSizes?: readonly number[];
  readonly handlers?: readonly HandlerKind[];
  /** Skips the tuning sweeps (one pg-boss setting at a time). */
  readonly skipSweeps?: boolean;
  readonly onProgress?: (step: string) => void;
}

/** One point of a tuning sweep: a setting changed from the matrix's defaults, and what it did. */
export interface SweepPoint {
  readonly value: number | string;
  readonly result: CellResult;
}

export interface Sweep {
  readonly id: 'concurrency' | 'pool-size' | 'polling';
  readonly label: string;
  readonly description: string;
  readonly points: SweepPoint[];
}

export interface ThroughputRun {
  readonly system: { readonly id: string; readonly label: string; readonly consumption?: string };
  readonly settings: Omit<ThroughputSettings, 'onProgress'>;
  readonly matrixSettings: typeof MATRIX_SETTINGS & { readonly poolSize: number };
  readonly cells: CellResult[];
  /** The headline cell again, with the configurations that split the cost into its parts. */
  readonly attribution: CellResult | null;
  /** The same with the no-op handler: the worst case, measured as carefully. */
  readonly attributionNoop: CellResult | null;
  readonly sweeps: Sweep[];
}

/**
 * The whole throughput suite for one queue system: every configuration through every cell of
 * pattern x batch size x handler, then the tuning sweeps, one setting at a time.
 */
export async function runThroughput(
  system: QueueSystem,
  url: string,
  settings: ThroughputSettings,
): Promise<ThroughputRun> {
  const progress = settings.onProgress ?? (() => {});
  const cells: CellResult[] = [];
  const configurations = await system.start(system.configurations, { url, poolSize: DEFAULT_POOL_SIZE });
  try {
    for (const handler of settings.handlers ?? HANDLER_KINDS) {
      for (const batchSize of settings.batchSizes ?? BATCH_SIZES) {
        for (const pattern of settings.patterns ?? PATTERN_IDS) {
          const cell: Cell = { pattern, handler, settings: { ...MATRIX_SETTINGS, batchSize } };
          const name = `${pattern}, batch ${batchSize}, ${handler}`;
          progress(name);
          cells.push(
            await compare(configurations, cell, {
              rounds: settings.rounds,
              trialSeconds: settings.trialSeconds,
              regressionMicros: settings.regressionMicros,
              onTrial: (configuration, round) => progress(`${name}: round ${round + 1}, ${configuration}`),
            }),
          );
        }
      }
    }
  } finally {
    for (const configuration of configurations) await configuration.close();
  }
  const attribution = system.attribution
    ? await runAttribution(system, system.attribution, HEADLINE_CELL, url, settings, progress)
    : null;
  const attributionNoop = system.attribution
    ? await runAttribution(
        system,
        system.attribution,
        { ...HEADLINE_CELL, handler: 'noop' },
        url,
        settings,
        progress,
      )
    : null;
  const sweeps =
    settings.skipSweeps || !system.sweeps ? [] : await runSweeps(system, url, settings, progress);
  const { onProgress: _, ...kept } = settings;
  return {
    system: { id: system.id, label: system.label, consumption: system.consumption },
    settings: kept,
    matrixSettings: { ...MATRIX_SETTINGS, poolSize: DEFAULT_POOL_SIZE },
    cells,
    attribution,
    attributionNoop,
    sweeps,
  };
}

/** The headline cell (or a variant) with more, shorter trials, for the precision a 1% budget needs. */
async function runAttribution(
  system: QueueSystem,
  ids: readonly string[],
  cell: Cell,
  url: string,
  settings: ThroughputSettings,
  progress: (step: string) => void,
): Promise<CellResult> {
  const configurations = await system.start(ids, { url, poolSize: DEFAULT_POOL_SIZE });
  try {
    return await compare(configurations, cell, {
      rounds: settings.attributionRounds,
      trialSeconds: settings.attributionTrialSeconds,
      regressionMicros: settings.regressionMicros,
      onTrial: (configuration, round) =>
        progress(`attribution, ${cell.handler}: round ${round + 1}, ${configuration}`),
    });
  } finally {
    for (const configuration of configurations) await configuration.close();
  }
}

/**
 * The settings a user tunes, one at a time, on the bare baseline with the 1 ms handler: workers per
 * process, connections per pool, and how workers learn of new jobs. Three rounds each; these inform
 * tuning, they are not overhead figures.
 */
async function runSweeps(
  system: QueueSystem,
  url: string,
  settings: ThroughputSettings,
  progress: (step: string) => void,
): Promise<Sweep[]> {
  const [baselineId] = system.configurations;
  const options = { rounds: 3, trialSeconds: settings.trialSeconds, regressionMicros: 0 };
  const run = async (poolSize: number, cell: Cell, step: string, capacity?: number) => {
    progress(step);
    const [baseline] = await system.start([baselineId!], { url, poolSize });
    try {
      // Given a capacity (the polling cases), trials are short and skip the warm-up backlog: without
      // bursts a worker polling every 2 s takes one batch per poll, and a backlog would take minutes.
      return await compare(
        [baseline!],
        cell,
        capacity === undefined ? options : { ...options, capacity, warmUp: false, trialSeconds: 0.5 },
      );
    } finally {
      await baseline!.close();
    }
  };
  const burst = (settingsOverride: Partial<ConsumeSettings>): Cell => ({
    pattern: 'burst',
    handler: 'io-1ms',
    settings: { ...MATRIX_SETTINGS, batchSize: 20, ...settingsOverride },
  });

  const concurrency: SweepPoint[] = [];
  for (const workers of [1, 2, 4, 8]) {
    concurrency.push({
      value: workers,
      result: await run(DEFAULT_POOL_SIZE, burst({ concurrency: workers }), `sweep: ${workers} workers`),
    });
  }
  const poolSize: SweepPoint[] = [];
  for (const size of [2, 4, 10]) {
    poolSize.push({
      value: size,
      result: await run(size, burst({ concurrency: 8 }), `sweep: pool of ${size}, 8 workers`),
    });
  }
  // Every polling case gets the same arrivals: half of what one worker drains in a burst.
  const capacity = concurrency[0]!.result.capacity;
  const polling: SweepPoint[] = [];
  const pollingCases: [string, Partial<ConsumeSettings>][] = [
    ['poll every 2 s', { pollingSeconds: 2, burst: false }],
    ['poll every 0.5 s', { pollingSeconds: 0.5, burst: false }],
    ['poll every 0.5 s + burst', { pollingSeconds: 0.5, burst: true }],
    ['LISTEN/NOTIFY + burst', { pollingSeconds: 2, burst: true, notify: true }],
  ];
  for (const [label, override] of pollingCases) {
    polling.push({
      value: label,
      result: await run(
        DEFAULT_POOL_SIZE,
        {
          pattern: 'steady',
          handler: 'io-1ms',
          settings: { ...MATRIX_SETTINGS, batchSize: 20, ...override },
        },
        `sweep: ${label}`,
        capacity,
      ),
    });
  }
  return [
    {
      id: 'concurrency',
      label: 'Workers per process',
      description: 'burst, batch 20, 1 ms handler; pg-boss `localConcurrency`',
      points: concurrency,
    },
    {
      id: 'pool-size',
      label: 'Connection pool size',
      description: 'burst, batch 20, 1 ms handler, 8 workers; pg-boss `max`',
      points: poolSize,
    },
    {
      id: 'polling',
      label: 'How workers learn of new jobs',
      description: 'steady arrivals at half of what one worker drains, batch 20, 1 ms handler',
      points: polling,
    },
  ];
}
