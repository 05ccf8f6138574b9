import type { ResultsFile } from '../lib/results.js';

/** A chart to write beside the page, under docs/benchmarks/. */
export interface Chart {
  /** File name, such as `overhead.svg`. */
  readonly file: string;
  readonly svg: string;
}

/** What a section renders to: markdown for the page, and the charts it links to. */
export interface RenderedSection {
  readonly markdown: string;
  readonly charts?: readonly Chart[];
}

/**
 * A section of the page drawn from a results file that another suite writes, such as the
 * collector-cycle benchmark's `collector.json`. Register one in `EXTRA_SECTIONS` (extra-sections.ts):
 *
 * ```ts
 * { results: 'collector', render: (file) => renderCollectorSection(file.run) }
 * ```
 *
 * `render` gets the whole results file (`file.run` is what the suite stored, `file.machine` where it
 * ran). It may return markdown alone or markdown with charts; a chart is linked from the markdown as
 * `benchmarks/<file>`. A section whose results file is missing is left out of the page.
 */
export interface ExtraSection {
  /** The results file's name under benchmarks/results/, without `.json`. */
  readonly results: string;
  render(file: ResultsFile<unknown>): string | RenderedSection;
}

/** Where a chart file is linked from docs/benchmarks.md. */
export function chartLink(file: string, alt: string): string {
  return `![${alt}](benchmarks/${file})`;
}
