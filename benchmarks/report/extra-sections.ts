import { renderCollectorSection, type CollectorRun } from '../collector/report.js';
import type { ResultsFile } from '../lib/results.js';
import { renderWakeupSection, type WakeupRun } from '../pgmq-wakeup/report.js';
import type { ExtraSection } from './section.js';

/** Sections drawn from other suites' results files, rendered after the built-in ones in this order. */
export const EXTRA_SECTIONS: readonly ExtraSection[] = [
  {
    results: 'collector',
    render: (file) => renderCollectorSection(file as ResultsFile<CollectorRun>),
  },
  {
    results: 'pgmq-wakeup',
    render: (file) => renderWakeupSection(file as ResultsFile<WakeupRun>),
  },
];
