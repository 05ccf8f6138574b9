import { describe, expect, it } from 'vitest';
import { readResults, type ResultsFile } from '../lib/results.js';
import { renderWakeupSection, type WakeupRun } from '../pgmq-wakeup/report.js';
import { loadReportInput, renderReport } from '../report/render.js';

const committed = readResults<WakeupRun>('pgmq-wakeup')!;

function withNotifyMax(maxMs: number): ResultsFile<WakeupRun> {
  const results = committed.run.results.map((r) => (r.mode === 'notify' ? { ...r, maxMs } : r));
  return { ...committed, run: { ...committed.run, results } };
}

describe('the pgmq wake-up report', () => {
  it('renders a row per mode from the committed results', () => {
    const markdown = renderWakeupSection(committed);
    for (const r of committed.run.results) {
      expect(markdown).toContain(`| ${r.messages} | ${r.medianMs} | ${r.p95Ms} | ${r.maxMs} |`);
    }
    expect(markdown).toContain(committed.command);
  });

  it('explains a notified message that waited a whole interval only when one did', () => {
    const interval = committed.run.pollIntervalMs;
    expect(renderWakeupSection(withNotifyMax(interval * 1.05))).toContain('the next poll found it');
    expect(renderWakeupSection(withNotifyMax(interval * 0.1))).not.toContain('the next poll found it');
  });

  it('is a section of the benchmarks page, with its run in the machine table', () => {
    const page = renderReport(loadReportInput(false));
    expect(page).toContain('## pgmq consume(): wake-up latency');
    expect(page).toContain('| `npm run bench:pgmq-wakeup`');
  });
});
