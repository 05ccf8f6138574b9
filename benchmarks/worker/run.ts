/**
 * npm run bench:worker [-- --rounds 10] [-- --quick] [-- --only pgmq|pg-boss]
 *
 * The real-worker suite: every configuration in a worker process of its own, exporting over
 * OTLP/HTTP to a sink in the driver process; writes benchmarks/results/worker.json and renders
 * docs/benchmarks.md from every results file. Run after `npm run build` (the npm script does). --quick is a smoke run (2 rounds, fewer jobs) that writes only ignored files.
 * --only runs one system's configurations (its baseline included), to measure a change to one
 * adapter quickly; it writes benchmarks/results/worker.<system>.tmp.json, ignored by git, and leaves
 * the page as it is, since a page with half its rows would mislead. A run with
 * BENCH_QUEUETEL_OPTIONS set (see process.ts) is a diagnosis, written to worker.diagnosis.tmp.json.
 */
import { parseArgs } from 'node:util';
import { renderAndWrite } from '../report/main.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { Progress } from '../lib/progress.js';
import { resultsName, writeResults } from '../lib/results.js';
import { PGMQ_WORKERS, PG_BOSS_WORKERS, type WorkerId } from './protocol.js';
import { FULL_SETTINGS, runWorkerSuite, type WorkerSuiteRun, type WorkerSuiteSettings } from './suite.js';

/** The configurations `--only` keeps, by system. */
const SYSTEMS: Record<string, readonly WorkerId[]> = { pgmq: PGMQ_WORKERS, 'pg-boss': PG_BOSS_WORKERS };

export async function runWorkerBenchmark(options: {
  quick: boolean;
  rounds?: number;
  only?: string;
}): Promise<string> {
  const base: WorkerSuiteSettings = options.quick
    ? { ...FULL_SETTINGS, rounds: 2, jobs: { 'io-1ms': 400, noop: 1000 }, producerSends: 40 }
    : { ...FULL_SETTINGS, rounds: options.rounds ?? FULL_SETTINGS.rounds };
  const only = options.only === undefined ? undefined : SYSTEMS[options.only];
  if (options.only !== undefined && only === undefined) {
    throw new Error(`--only must be one of ${Object.keys(SYSTEMS).join(', ')}, got '${options.only}'`);
  }
  // The producer comparison is pg-boss's; a pgmq-only run has no producer to measure.
  const settings: WorkerSuiteSettings = only
    ? { ...base, ids: only, producerSends: options.only === 'pg-boss' ? base.producerSends : 0 }
    : base;
  const machine = describeMachine();
  const cpuBefore = readCpuTimes();
  const progress = new Progress('worker');
  const run = await runWorkerSuite(settings, progress);
  progress.done(`finished in ${run.seconds.toFixed(0)} s`);
  const diagnosis = process.env.BENCH_QUEUETEL_OPTIONS;
  const name = diagnosis
    ? 'worker.diagnosis.tmp'
    : only
      ? `worker.${options.only}.tmp`
      : resultsName('worker', options.quick);
  return writeResults<WorkerSuiteRun>(name, {
    suite: 'worker',
    machine: finishMachine(machine, cpuBefore),
    command:
      (diagnosis ? `BENCH_QUEUETEL_OPTIONS='${diagnosis}' ` : '') +
      `npm run bench:worker -- --rounds ${settings.rounds}${only ? ` --only ${options.only}` : ''}`,
    run,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  console.log(`wrote ${await runWorkerBenchmark({ quick: values.quick, rounds, only: values.only })}`);
  if (values.only === undefined && !process.env.BENCH_QUEUETEL_OPTIONS) {
    console.log(`wrote ${await renderAndWrite(values.quick)}`);
  }
}
