import { describe, expect, it } from 'vitest';
import { renderCollectorSection, type CollectorRun } from '../collector/report.js';
import { readResults, type ResultsFile } from '../lib/results.js';
import { loadReportInput, renderReport } from '../report/render.js';

const committed = readResults<CollectorRun>('collector')!;

function withResults(results: CollectorRun['results']): ResultsFile<CollectorRun> {
  return { ...committed, run: { ...committed.run, results } };
}

describe('the collector benchmark report', () => {
  it('renders one row per measured size from the committed results, and the budget verdict', () => {
    const markdown = renderCollectorSection(committed);
    for (const result of committed.run.results) {
      expect(markdown).toContain(
        `| ${result.pgBoss} | ${result.method} | ${result.jobs.toLocaleString('en-US')} | ${result.statements} | ${result.cycleMs.p50} |`,
      );
    }
    expect(markdown).toMatch(/At 1,000,000 waiting jobs on pg-boss 12 one cycle took [\d.]+ ms at p95/);
    expect(markdown).toContain('npm run bench:collector');
  });

  it('says so when a run went over the budget, or did not measure 1M jobs on pg-boss 12', () => {
    const over = withResults([
      {
        pgBoss: '12.38.0',
        method: 'pg-boss cache',
        jobs: 1_000_000,
        statements: 5,
        cycleMs: { p50: 40, p95: 70, max: 90, mean: 45 },
      },
    ]);
    expect(renderCollectorSection(over)).toContain('took 70 ms at p95 (budget: under 50 ms): over budget.');
    expect(renderCollectorSection(withResults([]))).toContain('No pg-boss 12 run at 1,000,000 jobs');
  });

  it('is a section of the benchmarks page, with its run in the machine table', () => {
    const page = renderReport(loadReportInput(false));
    expect(page).toContain('## Queue-health collector: one collection cycle');
    expect(page).toContain(`| \`${committed.command}\` |`);
  });
});
