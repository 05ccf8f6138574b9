import { BUDGET_SHARE } from '../lib/budget.js';
import type { Progress } from '../lib/progress.js';
import { FULL_SETTINGS, runWorkerSuite, type WorkerSuiteRun } from '../worker/suite.js';
import type { WorkerId } from '../worker/protocol.js';
import { decide, type CheckResult } from './decide.js';

/**
 * The gate measures what a real worker pays, as the real-worker suite does (a process per
 * configuration, real OTLP/HTTP export to a sink process, jobs enqueued beforehand, batches of 20,
 * one worker, a 1 ms handler), and judges the *total* loss against bare pg-boss and against a
 * hand-written pgmq loop: everything queuetel causes, whatever it fetches or exports.
 */
const CHECKS: readonly { id: string; label: string; configuration: WorkerId }[] = [
  {
    id: 'pg-boss-loss',
    label: 'pg-boss: throughput lost by the quick start, 1 ms handler',
    configuration: 'queuetel',
  },
  {
    id: 'pgmq-loss',
    label: 'pgmq: throughput lost by consume(), 1 ms handler',
    configuration: 'pgmq-queuetel',
  },
];
export const GATE_ROUNDS = 16;
const GATE_JOBS = 1000;

export interface GateOptions {
  /** The harness's regression switch: busy CPU worth this share of throughput on queuetel's side. */
  readonly regression: number;
  readonly progress: Progress;
}

export interface GateRun {
  readonly regression: number;
  /** µs added per job by the regression switch, by baseline. */
  readonly spinMicros: WorkerSuiteRun['spinMicros'];
  readonly checks: CheckResult[];
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
  const run = await runWorkerSuite(
    {
      ...FULL_SETTINGS,
      rounds: GATE_ROUNDS,
      ids: ['bare', 'queuetel', 'pgmq-bare', 'pgmq-queuetel'],
      handlers: ['io-1ms'],
      jobs: { 'io-1ms': GATE_JOBS, noop: 0 },
      producerSends: 0,
      exportWaitSeconds: 0,
      regression: options.regression,
    },
    options.progress,
  );
  const cell = run.cells[0]!;
  const checks = CHECKS.map((check) =>
    decide({
      id: check.id,
      label: check.label,
      samples: cell.configurations.find((c) => c.id === check.configuration)!.loss!.values,
      budget: BUDGET_SHARE,
      unit: 'share',
    }),
  );
  return {
    regression: options.regression,
    spinMicros: run.spinMicros,
    checks,
    seconds: run.seconds,
    passed: checks.every((check) => check.verdict === 'pass'),
  };
}
