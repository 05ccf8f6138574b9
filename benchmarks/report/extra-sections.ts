import type { ExtraSection } from './section.js';

/**
 * Sections drawn from other suites' results files, rendered after the built-in ones in this order.
 * The collector-cycle benchmark joins with one entry:
 *
 *   { results: 'collector', render: (file) => renderCollectorSection(file.run as CollectorResults) },
 */
export const EXTRA_SECTIONS: readonly ExtraSection[] = [];
