import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_INSTRUMENTS } from '@queuetel/core';
import { METRICS_PAGE, metricsPage } from '../../scripts/metrics-tables.js';

describe('the metric tables of docs/metrics.md', () => {
  const page = readFileSync(METRICS_PAGE, 'utf8');

  it('are what the instrument registry says (npm run docs:metrics rewrites them)', async () => {
    expect(page).toBe(await metricsPage(page));
  });

  it('list every instrument of the registry once', () => {
    for (const { name } of ALL_INSTRUMENTS) {
      expect(page.split(`| \`${name}\``).length - 1, name).toBe(1);
    }
  });

  it('notice a table that drifted from the registry', async () => {
    const drifted = page.replace('| `queuetel.job.attempts`', '| `queuetel.job.tries`');
    expect(drifted).not.toBe(page);
    expect(await metricsPage(drifted)).toBe(page);
  });
});
