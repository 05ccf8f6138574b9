import { expect } from 'vitest';
import { eventually } from '../../harness/pg-boss.js';
import type { RunningPrometheus } from './prometheus.js';
import { everyQuery, selectors } from './queries.js';
import { WORKLOAD } from './workload.js';

/**
 * Whether a selector matches only when something is wrong, so that a healthy workload leaves it
 * empty: the SDK's cardinality overflow series, label values folded by a cap, and failed
 * collections of the queue-health collector (a counter that is there from its first error on).
 * Every other selector of the dashboard, the rules and the runbook must come back with data.
 */
export function isAnomaly(selector: string): boolean {
  return (
    selector.includes('otel_metric_overflow="true"') ||
    selector.includes('queuetel_label_reason=~"overflow|series_limit"') ||
    selector.startsWith('queuetel_collector_errors_total')
  );
}

/** How many attempts record a wait time: every one, or (pg-boss without job metadata) first ones. */
export type WaitTimes = 'every attempt' | 'first attempts';

/**
 * Prometheus counts the known workload (workload.ts) of one service and queue as it ran, plus
 * `extraCompleted` jobs that completed after it. `waitTimes` is what the system's docs say:
 * docs/pg-boss.md gives a retry no wait time unless the worker fetches job metadata, docs/pgmq.md
 * gives every read one.
 */
export async function expectWorkloadCounted(
  prometheus: RunningPrometheus,
  service: string,
  queue: string,
  {
    extraCompleted = 0,
    waitTimes,
    deadLetterQueue,
  }: {
    extraCompleted?: number;
    waitTimes: WaitTimes;
    /** The dead-letter queue the queue-health collector reports for `queue`, if it knows one. */
    deadLetterQueue?: string;
  },
): Promise<void> {
  const where = `job="${service}", messaging_destination_name="${queue}"`;
  const value = async (expr: string) => (await prometheus.query(expr))[0]?.value;
  const attempts = WORKLOAD.attempts + extraCompleted;
  const waited = waitTimes === 'every attempt' ? attempts : attempts - WORKLOAD.retries;
  await eventually(async () => {
    const outcome = (name: string) =>
      value(`sum(queuetel_job_outcomes_total{${where}, queuetel_job_outcome="${name}"})`);
    expect(await outcome('completed')).toBe(WORKLOAD.completed + extraCompleted);
    expect(await outcome('retried')).toBe(WORKLOAD.retried);
    expect(await outcome('dead_lettered')).toBe(WORKLOAD.deadLettered);
    expect(await value(`sum(queuetel_job_attempts_total{${where}})`)).toBe(attempts);
    expect(await value(`sum(queuetel_job_wait_time_seconds_count{${where}})`)).toBe(waited);
    expect(await value(`sum(queuetel_job_duration_seconds_count{${where}})`)).toBe(attempts);
    expect(
      await value(
        `sum(queuetel_label_folded_total{job="${service}", queuetel_label_key="project", queuetel_label_reason="other"})`,
      ),
    ).toBe(WORKLOAD.foldedOther);
    if (deadLetterQueue !== undefined) {
      // Lane A: the queue-health collector's reading of the database.
      expect(
        await value(
          `max(queuetel_queue_dead_letter_jobs{messaging_destination_name="${queue}", queuetel_dead_letter_name="${deadLetterQueue}"})`,
        ),
      ).toBe(WORKLOAD.deadLettered);
    }
  }, 30_000);
  // Attempts are counted by label in the duration histogram's count; the outcomes are per queue.
  // The undeclared project's job is counted, under the marker rather than its own value.
  expect(await value(`sum(queuetel_job_duration_seconds_count{${where}, project="_other"})`)).toBe(1);
  // The retried attempt carries its error type and its domain label.
  expect(
    await value(
      `sum(queuetel_job_duration_seconds_count{${where}, queuetel_job_outcome="retried", error_type="TypeError", project="globex"})`,
    ),
  ).toBe(1);
  expect(await prometheus.query(`queuetel_job_outcomes_total{${where}, project!=""}`)).toEqual([]);
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
  const anomalies: string[] = [];
  await eventually(async () => {
    empty.length = 0;
    anomalies.length = 0;
    for (const query of queries) {
      await prometheus.query(query.expr);
      for (const selector of selectors(query.expr)) {
        const found = (await prometheus.query(selector)).length > 0;
        if (isAnomaly(selector)) {
          if (found) anomalies.push(`${query.source}: ${selector}`);
        } else if (!found) empty.push(`${query.source}: ${selector}`);
      }
    }
    expect([...new Set(empty)]).toEqual([]);
  }, 30_000);
  // A healthy workload hits no cap and no collection fails.
  expect([...new Set(anomalies)]).toEqual([]);
}
