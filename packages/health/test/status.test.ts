import { describe, expect, it } from 'vitest';
import { judgeLag, judgeQueue } from '../src/http/status.js';
import type { QueueSnapshot } from '../src/snapshot.js';

const takenAt = new Date('2026-01-02T03:04:05Z');
const queue = (extra: Partial<QueueSnapshot> = {}): QueueSnapshot => ({
  system: 'pg-boss',
  schema: 'pgboss',
  name: 'email',
  jobs: { ready: 3, deferred: 0, active: 1, failed: 0 },
  oldestAgeSeconds: 10,
  newestAgeSeconds: 1,
  deadLetter: undefined,
  enqueued: undefined,
  completed: undefined,
  totalsSince: undefined,
  workers: { 'pg-boss-instance': 1 },
  countedAt: takenAt,
  ...extra,
});

describe('judging a queue against its thresholds', () => {
  it('is healthy inside every default limit', () => {
    expect(judgeQueue(queue(), takenAt, {})).toEqual({ status: 'healthy', reasons: [] });
  });

  it('degrades, then fails, as the oldest ready job ages past 60 s and 300 s', () => {
    expect(judgeQueue(queue({ oldestAgeSeconds: 60 }), takenAt, {})).toEqual({
      status: 'degraded',
      reasons: ['the oldest ready job has waited 60 s (limit 60 s)'],
    });
    expect(judgeQueue(queue({ oldestAgeSeconds: 301 }), takenAt, {}).status).toBe('unhealthy');
  });

  it('takes a queue of its own limits over the defaults, field by field', () => {
    const thresholds = {
      queueLength: { degraded: 2 },
      queues: { email: { oldestAgeSeconds: { unhealthy: 5 } } },
    };
    const verdict = judgeQueue(queue(), takenAt, thresholds);
    expect(verdict.status).toBe('unhealthy');
    expect(verdict.reasons).toEqual([
      'the oldest ready job has waited 10 s (limit 5 s)',
      '3 jobs are waiting (limit 2)',
    ]);
    expect(judgeQueue(queue({ name: 'sms' }), takenAt, thresholds).status).toBe('degraded');
  });

  it('flags jobs waiting with no live worker, as configured, but not an idle queue', () => {
    const idle = queue({ workers: { 'pg-boss-instance': 0 } });
    expect(judgeQueue(idle, takenAt, {}).reasons).toEqual(['3 jobs are waiting and no worker is live']);
    expect(judgeQueue(idle, takenAt, { noWorkers: 'unhealthy' }).status).toBe('unhealthy');
    expect(judgeQueue(idle, takenAt, { noWorkers: 'healthy' }).status).toBe('healthy');
    expect(
      judgeQueue(queue({ workers: { 'pg-boss-instance': 0 }, jobs: { ready: 0 } }), takenAt, {}).status,
    ).toBe('healthy');
    // Where workers cannot be counted (pg-boss 10 without heartbeats) nothing is said of them.
    expect(judgeQueue(queue({ workers: {} }), takenAt, {}).status).toBe('healthy');
  });

  it('judges a dead-letter queue only by its depth on the queue it serves', () => {
    const dlq = queue({ name: 'email_dlq', oldestAgeSeconds: 9999, workers: { 'pg-boss-instance': 0 } });
    expect(judgeQueue(dlq, takenAt, {}, true).status).toBe('healthy');
    expect(judgeQueue(queue({ deadLetter: { name: 'email_dlq', jobs: 1 } }), takenAt, {}).reasons).toEqual([
      '1 jobs are in dead-letter queue email_dlq (limit 1)',
    ]);
  });

  it('degrades a queue whose counts are old, or not taken yet', () => {
    const old = queue({ countedAt: new Date(takenAt.getTime() - 400_000) });
    expect(judgeQueue(old, takenAt, {}).reasons).toEqual(['the counts are 400 s old (limit 300 s)']);
    expect(judgeQueue(queue({ jobs: {} }), takenAt, {}).reasons).toEqual([
      'the queue system has not counted this queue yet',
    ]);
  });

  it("judges the collector's lag by multiples of its interval unless told otherwise", () => {
    expect(judgeLag(14, 5, {}).status).toBe('healthy');
    expect(judgeLag(15, 5, {}).status).toBe('degraded');
    expect(judgeLag(50, 5, {}).status).toBe('unhealthy');
    expect(judgeLag(2, 5, { collectorLagSeconds: { unhealthy: 1 } }).status).toBe('unhealthy');
  });
});
