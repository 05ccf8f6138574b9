import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTS } from '@queuetel/core';
import { DASHBOARD_FILE, dashboardJson } from './generate.js';
import { prometheusName } from './prometheus-name.js';

describe('the committed Grafana dashboard', () => {
  it('is what scripts/dashboard/queuetel-dashboard.ts produces: run npm run dashboard when this fails', async () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(await dashboardJson());
  });

  it("queries the registry's instruments by the names Prometheus stores them under", async () => {
    const json = await dashboardJson();
    for (const instrument of [INSTRUMENTS.jobOutcomes, INSTRUMENTS.jobDuration, INSTRUMENTS.queueJobs]) {
      expect(json).toContain(prometheusName(instrument).name);
    }
    // The dotted OpenTelemetry names never reach a query.
    expect(json).not.toContain(INSTRUMENTS.jobOutcomes.name);
  });

  it("counts by domain label from the duration histogram's count, since the outcomes carry no labels", async () => {
    const { panels } = JSON.parse(await dashboardJson()) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const byLabel = panels
      .flatMap((panel) => panel.targets ?? [])
      .filter((t) => t.expr.includes('$group_by'));
    expect(byLabel.length).toBeGreaterThan(0);
    for (const { expr } of byLabel) {
      expect(expr).toContain(`${prometheusName(INSTRUMENTS.jobDuration).name}_count`);
      expect(expr).not.toContain(prometheusName(INSTRUMENTS.jobOutcomes).name);
    }
  });
});
