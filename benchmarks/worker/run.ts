/**
 * npm run bench:worker [-- --rounds 10] [-- --quick]
 *
 * The real-worker suite: every configuration in a worker process of its own, exporting over
 * OTLP/HTTP to a sink in the driver process; writes benchmarks/results/worker.json and renders
 * docs/benchmarks.md from every results file. Run after `npm run build` (the npm script does). --quick is a smoke run (2 rounds, fewer jobs) that writes only ignored files.
 */
import { parseArgs } from 'node:util';
import { renderAndWrite } from '../report/main.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { Progress } from '../lib/progress.js';
import { resultsName, writeResults } from '../lib/results.js';
import { FULL_SETTINGS, runWorkerSuite, type WorkerSuiteRun, type WorkerSuiteSettings } from './suite.js';

export async function runWorkerBenchmark(options: { quick: boolean; rounds?: number }): Promise<string> {
  const settings: WorkerSuiteSettings = options.quick
    ? { ...FULL_SETTINGS, rounds: 2, jobs: { 'io-1ms': 400, noop: 1000 }, producerSends: 40 }
    : { ...FULL_SETTINGS, rounds: options.rounds ?? FULL_SETTINGS.rounds };
  const machine = describeMachine();
  const cpuBefore = readCpuTimes();
  const progress = new Progress('worker');
  const run = await runWorkerSuite(settings, progress);
  progress.done(`finished in ${run.seconds.toFixed(0)} s`);
  return writeResults<WorkerSuiteRun>(resultsName('worker', options.quick), {
    suite: 'worker',
    machine: finishMachine(machine, cpuBefore),
    command: `npm run bench:worker -- --rounds ${settings.rounds}`,
    run,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  console.log(`wrote ${await runWorkerBenchmark({ quick: values.quick, rounds })}`);
  console.log(`wrote ${await renderAndWrite(values.quick)}`);
}
