import { describe, expect, it } from 'vitest';
import { laneAMetrics } from './lane-a-metrics.js';
import { nameProblems } from './metric-names.js';
import { selectorUses } from './promql.js';
import { alertQueries, dashboardQueries } from './queries.js';

// The Lane B half of this check runs against real emission in test/node/otlp-export.test.ts.

describe('metric names in the dashboard and alert rules', () => {
  it('name the Lane A gauges as the Prometheus exporter stores them, with their labels', () => {
    const laneA = [...dashboardQueries(), ...alertQueries()].filter((query) =>
      selectorUses(query.expr).some((use) => /^queuetel_(queue|workers|collector)_/.test(use.metric)),
    );
    expect(laneA.length).toBeGreaterThan(10);
    const problems = nameProblems(laneA, laneAMetrics()).filter((problem) =>
      /queuetel_(queue|workers|collector)_/.test(problem),
    );
    expect(problems).toEqual([]);
  });

  it('catches a metric that is not emitted, a missing unit suffix and a label the metric lacks', () => {
    const emitted = [
      {
        name: 'queuetel.job.outcomes',
        unit: '{attempt}',
        kind: 'counter' as const,
        attributes: ['queuetel.job.outcome'],
      },
      { name: 'queuetel.job.duration', unit: 's', kind: 'histogram' as const, attributes: [] },
    ];
    const problems = nameProblems(
      [
        { source: 'ok', expr: 'sum by (queuetel_job_outcome) (rate(queuetel_job_outcomes_total[1m]))' },
        {
          source: 'ok',
          expr: 'histogram_quantile(0.9, sum by (le) (rate(queuetel_job_duration_seconds_bucket[1m])))',
        },
        { source: 'no _total', expr: 'rate(queuetel_job_outcomes[1m])' },
        { source: 'no unit', expr: 'rate(queuetel_job_duration_bucket[1m])' },
        { source: 'wrong label', expr: 'sum by (outcome) (rate(queuetel_job_outcomes_total[1m]))' },
        { source: 'le on a sum', expr: 'sum by (le) (rate(queuetel_job_duration_seconds_sum[1m]))' },
      ],
      emitted,
    );
    expect(problems).toEqual([
      'no _total: no emitted metric is stored as queuetel_job_outcomes',
      'no unit: no emitted metric is stored as queuetel_job_duration_bucket',
      'wrong label: queuetel_job_outcomes_total has no label outcome',
      'le on a sum: queuetel_job_duration_seconds_sum has no label le',
    ]);
  });
});
