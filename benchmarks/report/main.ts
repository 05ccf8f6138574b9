/**
 * npm run bench:report [-- --quick]
 *
 * Renders docs/benchmarks.md from benchmarks/results/*.json.
 * With --quick it renders a smoke run's files into benchmarks/results/report.quick.tmp/ instead,
 * leaving the committed page alone.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, RESULTS_DIR } from '../lib/results.js';
import { loadReportInput, renderReport, writeReport } from './render.js';

export async function renderAndWrite(quick: boolean): Promise<string> {
  const input = loadReportInput(quick);
  if (!input.worker && !input.overhead && !input.throughput) {
    throw new Error(`no results to render in ${RESULTS_DIR}; run npm run bench first`);
  }
  const report = renderReport(input);
  const dir = quick ? join(RESULTS_DIR, 'report.quick.tmp') : join(REPO_ROOT, 'docs');
  mkdirSync(dir, { recursive: true });
  const page = join(dir, 'benchmarks.md');
  await writeReport(report, page);
  return page;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const page = await renderAndWrite(process.argv.includes('--quick'));
  console.log(`wrote ${page}`);
}
