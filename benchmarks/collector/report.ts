/** One size on one pg-boss version: what a collection cycle cost the database. */
export interface CycleResult {
  readonly pgBoss: string;
  /** How the counts were read: pg-boss 12's cache, or pg-boss 10's scan. */
  readonly method: string;
  /** Waiting jobs in the queue measured. */
  readonly jobs: number;
  /** Statements in one cycle (discovery included). */
  readonly statements: number;
  /** The sum of one cycle's statement round trips, in milliseconds. */
  readonly cycleMs: {
    readonly p50: number;
    readonly p95: number;
    readonly max: number;
    readonly mean: number;
  };
}

/** What `npm run bench:collector` writes to benchmarks/results/collector.json. */
export interface CollectorResults {
  readonly generatedAt: string;
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    /** The one-minute load average when the run began: other work on the machine shows in every figure. */
    readonly loadAverage: number;
    readonly postgres: string;
  };
  readonly cyclesPerSize: number;
  /** The most one cycle may cost at 1M waiting jobs on pg-boss 12. */
  readonly budgetMs: number;
  readonly results: readonly CycleResult[];
}

/** The collector section of docs/benchmarks.md, as markdown, from the results file. */
export function renderCollectorSection(results: CollectorResults): string {
  const rows = results.results.map(
    (r) =>
      `| ${r.pgBoss} | ${r.method} | ${r.jobs.toLocaleString('en-US')} | ${r.statements} | ${r.cycleMs.p50} | ` +
      `${r.cycleMs.p95} | ${r.cycleMs.max} |`,
  );
  const target = results.results.find((r) => r.pgBoss.startsWith('12.') && r.jobs === 1_000_000);
  const verdict = target
    ? `At 1,000,000 waiting jobs on pg-boss 12 one cycle took ${target.cycleMs.p95} ms at p95 ` +
      `(budget: under ${results.budgetMs} ms): ${target.cycleMs.p95 < results.budgetMs ? 'within budget' : 'over budget'}.`
    : `No pg-boss 12 run at 1,000,000 jobs in this file; the budget is under ${results.budgetMs} ms there.`;
  const { machine } = results;
  return [
    '## Queue-health collector: one collection cycle',
    '',
    'Database time of one collection cycle (every statement of it, discovery included, summed round',
    `trips on a local connection), over ${results.cyclesPerSize} cycles after 3 warm-up cycles, with all jobs`,
    'waiting in one queue. pg-boss 12 is read from the counts its monitor caches plus two index probes',
    'per queue; pg-boss 10 keeps no counts and is read with one scan of its job table.',
    '',
    '| pg-boss | counts read from | waiting jobs | statements | p50 ms | p95 ms | max ms |',
    '| --- | --- | --: | --: | --: | --: | --: |',
    ...rows,
    '',
    verdict,
    '',
    `Machine: Node ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ` +
      `PostgreSQL ${machine.postgres} on the same machine, load average ${machine.loadAverage} when the run began. ` +
      `Generated ${results.generatedAt}.`,
    'Reproduce with `npm run bench:collector` (writes `benchmarks/results/collector.json`).',
    '',
  ].join('\n');
}
