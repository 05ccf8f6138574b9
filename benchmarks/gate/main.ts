/**
 * npm run bench:gate [-- --regress 3]
 *
 * The CI benchmark gate: a short run of the real-worker suite (see gate.ts), and a verdict. Exits 1
 * when queuetel's total throughput loss is over its budget beyond the measured noise (see
 * decide.ts), 0 when not. `--regress <percent>` is a switch of the benchmark harness, not of queuetel: it adds to each
 * job on queuetel's side a busy delay worth that share of throughput, to show that the gate catches a
 * regression of that size.
 */
import { parseArgs } from 'node:util';
import { Progress } from '../lib/progress.js';
import { writeResults } from '../lib/results.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { CONFIDENCE } from './decide.js';
import { BUDGET_SHARE } from '../lib/budget.js';
import { runGate, type GateRun } from './gate.js';

const { values } = parseArgs({ options: { regress: { type: 'string', default: '0' } } });
const regressPercent = Number(values.regress);
if (!Number.isFinite(regressPercent) || regressPercent < 0 || regressPercent >= 50) {
  console.error(`--regress must be a percentage from 0 to 50, got '${values.regress}'`);
  process.exit(2);
}

const machine = describeMachine();
const cpuBefore = readCpuTimes();
const progress = new Progress('gate');
const run = await runGate({ regression: regressPercent / 100, progress });
progress.done(`finished in ${run.seconds.toFixed(0)} s`);
writeResults<GateRun>('gate.tmp', {
  suite: 'gate',
  machine: finishMachine(machine, cpuBefore),
  command: `npm run bench:gate${regressPercent > 0 ? ` -- --regress ${regressPercent}` : ''}`,
  run,
});
console.log(formatGate(run));
process.exit(run.passed ? 0 : 1);

function formatGate(gate: GateRun): string {
  const lines = [
    `queuetel benchmark gate: total throughput loss of a real worker under ${BUDGET_SHARE * 100}% with a 1 ms handler, batches of 20`,
  ];
  if (gate.regression > 0) {
    const spin = Object.entries(gate.spinMicros).map(
      ([baseline, micros]) => `${micros.toFixed(1)} µs over ${baseline}`,
    );
    lines.push(
      `harness regression switch ON: busy CPU worth ${gate.regression * 100}% per queuetel job (${spin.join(', ')})`,
    );
  }
  for (const check of gate.checks) {
    const show = (value: number | null) =>
      value === null
        ? 'n/a'
        : check.unit === 'share'
          ? `${(value * 100).toFixed(2)}%`
          : `${value.toFixed(2)} µs`;
    lines.push(
      `  ${check.verdict === 'pass' ? 'PASS' : 'FAIL'}  ${check.label}: median ${show(check.median)}, ` +
        `${CONFIDENCE * 100}% bounds ${show(check.lowerBound)} .. ${show(check.upperBound)}, budget ${show(check.budget)}, n=${check.n}` +
        (check.certainty === 'within-noise' ? ' (budget within the noise: not a failure)' : ''),
    );
  }
  lines.push(gate.passed ? 'gate passed' : 'gate FAILED: overhead is over budget beyond the noise');
  return lines.join('\n');
}
