import { expect } from 'vitest';
import { eventually } from '../../harness/pg-boss.js';
import type { RunningPrometheus } from './prometheus.js';
import { everyQuery, selectors } from './queries.js';
import { WORKLOAD } from './workload.js';

/**
 * Selectors that match only when something is wrong, so a healthy workload leaves them empty: the
 * SDK's cardinality overflow series and label values folded by a cap. Every other selector of the
 * dashboard, the rules and the runbook must come back with data.
 */
export const ANOMALY_SELECTORS = [
  '{__name__=~"(queuetel|messaging)_.+", otel_metric_overflow="true"}',
  'queuetel_label_folded_total{queuetel_label_reason=~"overflow|series_limit"}',
];

/**
 * Prometheus counts the known workload (workload.ts) of one service and queue as it ran, plus
 * `extraCompleted` jobs that completed after it.
 */
export async function expectWorkloadCounted(
  prometheus: RunningPrometheus,
  service: string,
  queue: string,
  extraCompleted = 0,
): Promise<void> {
  const where = `job="${service}", messaging_destination_name="${queue}"`;
  const value = async (expr: string) => (await prometheus.query(expr))[0]?.value;
  const attempts = WORKLOAD.attempts + extraCompleted;
  await eventually(async () => {
    const outcome = (name: string) =>
      value(`sum(queuetel_job_outcomes_total{${where}, queuetel_job_outcome="${name}"})`);
    expect(await outcome('completed')).toBe(WORKLOAD.completed + extraCompleted);
    expect(await outcome('retried')).toBe(WORKLOAD.retried);
    expect(await outcome('dead_lettered')).toBe(WORKLOAD.deadLettered);
    expect(await value(`sum(queuetel_job_attempts_total{${where}})`)).toBe(attempts);
    expect(await value(`sum(queuetel_job_wait_time_seconds_count{${where}})`)).toBe(attempts);
    expect(await value(`sum(queuetel_job_duration_seconds_count{${where}})`)).toBe(attempts);
  }, 30_000);
  // The retried attempt carries its error type and its domain label.
  expect(
    await value(
      `sum(queuetel_job_outcomes_total{${where}, queuetel_job_outcome="retried", error_type="TypeError", project="globex"})`,
    ),
  ).toBe(1);
}

/**
 * Every query of the dashboard, the alert rules and the runbook (for each of `queues`) is accepted
 * by the real Prometheus, and every series it reads is there.
 */
export async function expectEveryQueryAnswered(
  prometheus: RunningPrometheus,
  queues: readonly string[],
): Promise<void> {
  const queries = queues.flatMap((queue) => everyQuery(queue));
  const empty: string[] = [];
  await eventually(async () => {
    empty.length = 0;
    for (const query of queries) {
      await prometheus.query(query.expr);
      for (const selector of selectors(query.expr)) {
        if (ANOMALY_SELECTORS.includes(selector)) continue;
        if ((await prometheus.query(selector)).length === 0) empty.push(`${query.source}: ${selector}`);
      }
    }
    expect([...new Set(empty)]).toEqual([]);
  }, 30_000);
}
