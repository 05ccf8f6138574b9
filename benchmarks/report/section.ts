import type { ResultsFile } from '../lib/results.js';

/**
 * A section of the page drawn from a results file that another suite writes, such as the
 * collector-cycle benchmark's `collector.json`. Register one in `EXTRA_SECTIONS` (extra-sections.ts):
 *
 * ```ts
 * { results: 'collector', render: (file) => renderCollectorSection(file) }
 * ```
 *
 * `render` gets the whole results file (`file.run` is what the suite stored, `file.machine` where it
 * ran) and returns markdown. A section whose results file is missing is left out of the page.
 */
export interface ExtraSection {
  /** The results file's name under benchmarks/results/, without `.json`. */
  readonly results: string;
  render(file: ResultsFile<unknown>): string;
}
