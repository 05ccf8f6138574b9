import { describe, expect, it } from 'vitest';
import {
  JOB_OUTCOMES,
  JobTelemetry,
  resolveOptions,
  type JobOutcome,
  type QueueAdapter,
} from '@queuetel/core';
import { createTestTelemetry, type MetricsPath } from '../../../test/harness/otel.js';

const VALUES = 1_000_000;
const CAP = 500;

interface ValueJob {
  readonly i: number;
  readonly data: { readonly tenant: string };
}

const OUTCOMES: readonly JobOutcome[] = [
  JOB_OUTCOMES.completed,
  JOB_OUTCOMES.retried,
  JOB_OUTCOMES.failed,
  JOB_OUTCOMES.expired,
  JOB_OUTCOMES.cancelled,
  JOB_OUTCOMES.dead_lettered,
];

/** Sixty Error classes of distinct names, past the fifty error types tracked. */
const ERROR_CLASSES = Array.from(
  { length: 60 },
  (_, i) => ({ [`Failure${i}`]: class extends Error {} })[`Failure${i}`]!,
);

const adapter: QueueAdapter<ValueJob> = {
  system: 'toy',
  scope: { name: 'cardinality' },
  facts: (job) => ({ id: String(job.i), attempt: 1, waitSeconds: 0.01 }),
  carrier: () => undefined,
  verdict: (job, failure) =>
    failure ? { outcome: OUTCOMES[1 + (job.i % 5)]! } : { outcome: JOB_OUTCOMES.completed },
};

describe.each<MetricsPath>(['producer', 'meter'])('cardinality through the %s path', (path) => {
  it(`holds every instrument to ${CAP} series and one overflow series over ${VALUES} label values`, async () => {
    const otel = createTestTelemetry(path);
    const telemetry = new JobTelemetry(
      resolveOptions({
        ...otel.providers,
        tracing: false,
        // A key holds at most 10,000 values; past them its values fold too, which only adds to the test.
        labels: { tenant: { from: 'data.tenant', maxValues: 10_000 } },
        maxLabelCombinations: CAP,
      }),
      adapter,
    );
    const noop = () => undefined;
    for (let i = 0; i < VALUES; i++) {
      const job = { i, data: { tenant: `tenant-${i}` } };
      // 300 queues, past maxQueues (200); every other job fails with one of sixty error classes.
      const queue = `q${i % 300}`;
      const fn =
        i % 2 === 0
          ? noop
          : () => {
              throw new ERROR_CLASSES[i % ERROR_CLASSES.length]!();
            };
      await telemetry.consumer(queue).process([job], { kind: 'none' }, fn).catch(noop);
    }
    const metrics = await otel.collect();
    const counts = Object.fromEntries(
      metrics
        .names()
        .filter((name) => name !== 'queuetel.label.folded')
        .map((name) => [name, metrics.points(name).length]),
    );
    for (const [name, count] of Object.entries(counts)) {
      expect(count, `${name}: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(CAP + 1);
    }
    expect(counts['queuetel.job.duration']).toBe(CAP + 1);
    // Nothing was lost in the folding: every attempt has its one outcome.
    expect(metrics.total('queuetel.job.attempts')).toBe(VALUES);
    expect(metrics.total('queuetel.job.outcomes')).toBe(VALUES);
    expect(metrics.total('queuetel.job.duration')).toBe(VALUES);
    expect(metrics.total('queuetel.job.in_flight')).toBe(0);
    // And the folds are counted where they happened.
    const folded = (key: string) =>
      metrics.total('queuetel.label.folded', {
        'queuetel.label.key': key,
        'queuetel.label.reason': 'series_limit',
      });
    expect(folded('_combination')).toBe(VALUES - CAP);
    // The first 500 jobs made the 500 duration series; every later one went to the overflow series.
    expect(folded('queuetel.job.duration')).toBe(VALUES - CAP);
    expect(metrics.total('queuetel.job.duration', { 'queuetel.job.outcome': '_overflow' })).toBe(
      VALUES - CAP,
    );
    // Outcomes carry no label: per queue (each of these queues sees one failure class and one
    // outcome), they stay under the cap and exact, combinations past it included.
    expect(counts['queuetel.job.outcomes']).toBeLessThan(CAP);
    expect(folded('queuetel.job.outcomes')).toBe(0);
    for (const point of metrics.points('queuetel.job.outcomes')) {
      expect(Object.keys(point.attributes)).not.toContain('tenant');
    }
  }, 300_000);
});
