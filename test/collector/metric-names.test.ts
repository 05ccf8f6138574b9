import { describe, expect, it } from 'vitest';
import { isLaneA, isShadow, nameProblems } from './metric-names.js';
import { selectorUses } from './promql.js';
import { alertQueries, dashboardQueries } from './queries.js';

// The check itself runs against real emission, one lane each: Lane A (the queue-health collector)
// in test/node/queue-health-export.test.ts, Lane B (the workers) in test/node/otlp-export.test.ts,
// the shadow comparison in test/integration/health-shadow.test.ts.

describe('metric names in the dashboard and alert rules', () => {
  it('fall into the two lanes and the shadow comparison, each checked against what its emitter really sends', () => {
    const series = [...dashboardQueries(), ...alertQueries()].flatMap((query) =>
      selectorUses(query.expr).map((use) => use.metric),
    );
    const laneA = series.filter(isLaneA);
    const laneB = series.filter(
      (name) => /^(queuetel|messaging)_/.test(name) && !isLaneA(name) && !isShadow(name),
    );
    expect(new Set(series.filter(isShadow))).toEqual(new Set(['queuetel_queue_ended_total']));
    expect(new Set(laneA)).toEqual(
      new Set([
        'queuetel_queue_jobs',
        'queuetel_queue_oldest_age_seconds',
        'queuetel_queue_dead_letter_jobs',
        'queuetel_workers_live',
        'queuetel_collector_staleness_seconds',
        'queuetel_collector_duration_seconds_bucket',
        'queuetel_collector_errors_total',
        'queuetel_collector_leader',
      ]),
    );
    expect(laneB).toContain('queuetel_job_outcomes_total');
    expect(laneB.some(isLaneA)).toBe(false);
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
    // One lane's check looks at that lane's series only.
    expect(
      nameProblems(
        [{ source: 'a', expr: 'queuetel_queue_jobs + on () group_left queuetel_job_outcomes' }],
        emitted,
        isLaneA,
      ),
    ).toEqual(['a: no emitted metric is stored as queuetel_queue_jobs']);
  });
});
