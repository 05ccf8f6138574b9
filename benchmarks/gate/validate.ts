/**
 * npm run bench:gate:validate [-- --runs 3]
 *
 * Shows that the gate separates a real regression from noise: runs it `--runs` times as it is and
 * as many times with the harness's `--regress 3` switch, alternating, each in a fresh process like
 * CI, and writes every verdict to benchmarks/results/gate-validation.json for the report.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { readResults, REPO_ROOT, resultsPath, writeResults } from '../lib/results.js';
import type { GateRun, GateValidation } from './gate.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, regress: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const regress = Number(values.regress);
const machine = describeMachine();
const cpuBefore = readCpuTimes();
const results: GateValidation['runs'] = [];

for (let i = 0; i < runs * 2; i++) {
  const regressPercent = i % 2 === 0 ? 0 : regress;
  const args = [
    '--expose-gc',
    '--import',
    'tsx',
    'benchmarks/gate/main.ts',
    '--regress',
    String(regressPercent),
  ];
  process.stderr.write(
    `[validate] run ${i + 1} of ${runs * 2}: gate${regressPercent ? ` --regress ${regressPercent}` : ''}\n`,
  );
  rmSync(resultsPath('gate.tmp'), { force: true });
  const child = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'ignore'] });
  const gate = readResults<GateRun>('gate.tmp')?.run ?? null;
  results.push({ regressPercent, exitCode: child.status, gate });
}

writeResults<GateValidation>('gate-validation', {
  suite: 'gate-validation',
  machine: finishMachine(machine, cpuBefore),
  command: `npm run bench:gate:validate -- --runs ${runs} --regress ${regress}`,
  run: { runs: results },
});
const wrong = results.filter((r) => (r.regressPercent > 0 ? r.exitCode !== 1 : r.exitCode !== 0));
console.log(
  `${results.length} gate runs: ${results.length - wrong.length} gave the expected verdict` +
    (wrong.length > 0 ? `, ${wrong.length} did not` : ''),
);
process.exit(wrong.length > 0 ? 1 : 0);
