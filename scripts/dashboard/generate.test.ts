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
});
