import { BUDGET_MICROS, BUDGET_SHARE, TARGETS_MICROS } from '../lib/budget.js';
import { openBenchDatabase } from '../lib/database.js';
import type { Progress } from '../lib/progress.js';
import { runOverhead } from '../overhead/suite.js';
import { compare, type Cell } from '../throughput/comparison.js';
import { PATTERNS } from '../throughput/patterns.js';
import { PG_BOSS_SYSTEM } from '../throughput/pg-boss-system.js';
import { DEFAULT_POOL_SIZE, HEADLINE_CELL } from '../throughput/suite.js';
import { Lane } from '../throughput/trial.js';
import { decide, type CheckResult } from './decide.js';

/**
 * The cell the budget is stated for (a backlog drained by one worker, batches of 20 as in the
 * README, each job a 1 ms asynchronous call). The baseline is bare pg-boss fetching the job
 * metadata queuetel asks for (`includeMetadata`), so the check holds queuetel's own work to the
 * budget; what fetching the metadata costs by itself is measured by the full suite's attribution.
 */
const CELL: Cell = HEADLINE_CELL;
const CONFIGURATIONS = ['bare+metadata', 'queuetel'];
const TRIAL_SECONDS = 0.4;
const MIN_ROUNDS = 16;
const MAX_ROUNDS = 36;

export interface GateOptions {
  /** Adds a per-job delay worth this share of throughput (e.g. 0.03) to queuetel's side only. */
  readonly regression: number;
  readonly progress: Progress;
}

export interface GateRun {
  readonly regression: number;
  readonly regressionMicros: number;
  readonly checks: CheckResult[];
  /** Figures printed for information; they do not decide. */
  readonly info: {
    readonly label: string;
    readonly median: number;
    readonly unit: string;
    readonly target: number;
  }[];
  readonly seconds: number;
  readonly passed: boolean;
}

/** Gate runs with and without the regression switch, as `npm run bench:gate:validate` records them. */
export interface GateValidation {
  readonly runs: {
    readonly regressPercent: number;
    readonly exitCode: number | null;
    readonly gate: GateRun | null;
  }[];
}

export async function runGate(options: GateOptions): Promise<GateRun> {
  const startedAt = performance.now();
  const { progress } = options;
  const database = await openBenchDatabase();
  try {
    const configurations = await PG_BOSS_SYSTEM.start(CONFIGURATIONS, {
      url: database.url,
      poolSize: DEFAULT_POOL_SIZE,
    });
    try {
      // The regression switch is sized from the baseline's own time per job: a delay of d on a
      // cycle of t leaves t / (t + d) of the throughput, so d = t * share / (1 - share).
      progress.update('throughput: calibrating');
      const capacity = await calibrate(configurations[0]!);
      const regressionMicros =
        options.regression > 0 ? (1e6 / capacity) * (options.regression / (1 - options.regression)) : 0;

      const throughput = await compare(configurations, CELL, {
        rounds: MAX_ROUNDS,
        trialSeconds: TRIAL_SECONDS,
        regressionMicros,
        capacity,
        onTrial: (configuration, round) =>
          progress.update(`throughput: round ${round + 1} of at most ${MAX_ROUNDS}, ${configuration}`),
        // Enough once the verdict can no longer be in doubt: confidently over, or confidently under.
        enough: (ratios) => {
          const losses = lossesOf(ratios.get('queuetel')!);
          return losses.length >= MIN_ROUNDS && throughputCheck(losses).certainty !== 'within-noise';
        },
      });
      const queuetel = throughput.configurations.find((c) => c.id === 'queuetel')!;

      progress.update('overhead: tinybench');
      const overhead = await runOverhead({
        rounds: 9,
        timeMs: 80,
        warmupMs: 40,
        regressionMicros,
        subjects: ['full', 'metrics-only'],
        onProgress: (done, total, label) => progress.update(`overhead: ${label}`, done, total),
      });
      const full = overhead.subjects.find((s) => s.id === 'full')!;
      const metricsOnly = overhead.subjects.find((s) => s.id === 'metrics-only')!;

      const checks = [
        throughputCheck(lossesOf(queuetel.ratios)),
        decide({
          id: 'full-overhead',
          label: 'per-job overhead, full mode (µs)',
          samples: full.overheadMicros.values,
          budget: BUDGET_MICROS,
          unit: 'µs',
        }),
      ];
      return {
        regression: options.regression,
        regressionMicros,
        checks,
        info: [
          {
            label: 'full mode, p50 per job',
            median: full.overheadMicros.median,
            unit: 'µs',
            target: TARGETS_MICROS.full!,
          },
          {
            label: 'metrics only, p50 per job',
            median: metricsOnly.overheadMicros.median,
            unit: 'µs',
            target: TARGETS_MICROS['metrics-only']!,
          },
        ],
        seconds: (performance.now() - startedAt) / 1000,
        passed: checks.every((check) => check.verdict === 'pass'),
      };
    } finally {
      for (const configuration of configurations) await configuration.close();
    }
  } finally {
    await database.close();
  }
}

/** Jobs per second one worker of the baseline drains; its inverse is the time per job. */
async function calibrate(baseline: Parameters<typeof Lane.open>[0]): Promise<number> {
  const lane = await Lane.open(baseline, {
    settings: CELL.settings,
    handler: CELL.handler,
    regressionMicros: 0,
  });
  try {
    const probe = PATTERNS.burst.schedule(400, 1);
    await lane.run(probe);
    return (await lane.run(probe)).throughput;
  } finally {
    await lane.close();
  }
}

function lossesOf(ratios: readonly number[]): number[] {
  return ratios.map((ratio) => 1 - ratio);
}

function throughputCheck(losses: readonly number[]): CheckResult {
  return decide({
    id: 'throughput-loss',
    label: 'throughput loss, 1 ms handler (share)',
    samples: losses,
    budget: BUDGET_SHARE,
    unit: 'share',
  });
}
