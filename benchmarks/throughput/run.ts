import { openBenchDatabase } from '../lib/database.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { Progress } from '../lib/progress.js';
import { resultsName, writeResults } from '../lib/results.js';
import { runThroughput, type ThroughputRun, type ThroughputSettings } from './suite.js';
import { SYSTEMS } from './systems.js';
import { requireBuiltPackages } from '../lib/built-packages.js';

/** What throughput.json holds: one run per queue system, on the same database server. */
export interface ThroughputResults {
  readonly database: { readonly server: string; readonly version: string };
  readonly systems: ThroughputRun[];
}

/** The full suite's settings; `quick` is a smoke run of the same machinery (one cell per axis value). */
export function throughputSettings(quick: boolean): ThroughputSettings {
  return quick
    ? {
        rounds: 2,
        trialSeconds: 0.5,
        attributionRounds: 4,
        attributionTrialSeconds: 0.4,
        regressionMicros: 0,
        patterns: ['burst'],
        batchSizes: [20],
        skipSweeps: true,
      }
    : {
        rounds: 4,
        trialSeconds: 1,
        attributionRounds: 30,
        attributionTrialSeconds: 0.4,
        regressionMicros: 0,
      };
}

export async function runThroughputSuite(options: { quick: boolean }): Promise<ThroughputResults> {
  requireBuiltPackages();
  const machine = describeMachine();
  const cpuBefore = readCpuTimes();
  const progress = new Progress('throughput');
  const database = await openBenchDatabase();
  const systems: ThroughputRun[] = [];
  try {
    for (const system of SYSTEMS) {
      systems.push(
        await runThroughput(system, database.url, {
          ...throughputSettings(options.quick),
          onProgress: (step) => progress.update(`${system.id} ${step}`),
        }),
      );
    }
  } finally {
    await database.close();
  }
  const results: ThroughputResults = {
    database: { server: database.server, version: database.version },
    systems,
  };
  const path = writeResults<ThroughputResults>(resultsName('throughput', options.quick), {
    suite: 'throughput',
    machine: finishMachine(machine, cpuBefore),
    command: options.quick ? 'npm run bench:throughput -- --quick' : 'npm run bench:throughput',
    run: results,
  });
  progress.done(`wrote ${path}`);
  return results;
}
