import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { Progress } from '../lib/progress.js';
import { resultsName, writeResults } from '../lib/results.js';
import { runOverhead, type OverheadRun } from './suite.js';
import { requireBuiltPackages } from '../lib/built-packages.js';

/** The full overhead suite's settings; `quick` is a smoke run of the same machinery. */
export function overheadSettings(quick: boolean) {
  return quick
    ? { rounds: 5, timeMs: 100, warmupMs: 50, regressionMicros: 0 }
    : { rounds: 15, timeMs: 400, warmupMs: 150, regressionMicros: 0 };
}

/** Runs the suite with a progress display and writes its results file. */
export async function runOverheadSuite(options: { quick: boolean }): Promise<OverheadRun> {
  requireBuiltPackages();
  const machine = describeMachine();
  const cpuBefore = readCpuTimes();
  const progress = new Progress('overhead');
  const settings = overheadSettings(options.quick);
  const perRound = (total: number) => total / settings.rounds;
  const run = await runOverhead({
    ...settings,
    onProgress: (done, total, label) =>
      progress.update(
        `round ${Math.ceil(done / perRound(total))} of ${settings.rounds}: ${label}`,
        done,
        total,
      ),
  });
  const path = writeResults<OverheadRun>(resultsName('overhead', options.quick), {
    suite: 'overhead',
    machine: finishMachine(machine, cpuBefore),
    command: options.quick ? 'npm run bench:overhead -- --quick' : 'npm run bench:overhead',
    run,
  });
  progress.done(`wrote ${path}`);
  return run;
}
