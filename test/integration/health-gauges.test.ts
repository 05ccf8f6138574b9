import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeartbeat, startQueueHealth } from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type MetricsPath, type MetricsSnapshot } from '../harness/otel.js';
import { eventually, startBoss, type BossSetup } from '../harness/pg-boss.js';
import { runKnownWorkload, WORKLOAD_EXPECTATIONS } from '../harness/health.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('health_gauges');
});
afterAll(async () => {
  await db.drop();
});

const CASES: readonly [BossSetup, MetricsPath][] = [
  ['10.x', 'producer'],
  ['10.x', 'meter'],
  ['12.38 built-in off', 'producer'],
  ['12.38 built-in off', 'meter'],
];

describe.each(CASES)('queue-health gauges on pg-boss %s, through the %s path', (setup, path) => {
  it('match the true counts after a known workload', async () => {
    const otel = createTestTelemetry(path);
    // Monitor passes every second, so pg-boss 12's cached counts catch up quickly; the instance
    // registry is beaten every second, so a new worker shows at once.
    const started = await startBoss(
      setup,
      db.url,
      otel,
      {},
      {
        schema: `pgboss_${setup.replace(/\W+/g, '_')}_${path}`,
        monitorIntervalSeconds: 1,
        superviseIntervalSeconds: 1,
        instanceHeartbeatSeconds: 1,
      },
    );
    const { schema } = started;
    const heartbeat = startHeartbeat({
      connectionString: db.url,
      queues: ['work'],
      schema,
      intervalSeconds: 1,
    });
    const health = startQueueHealth({
      connectionString: db.url,
      pgBossSchemas: [schema],
      intervalSeconds: 0.5,
      ...(otel.metricProducer
        ? { metricProducer: otel.metricProducer }
        : { meterProvider: otel.meterProvider }),
    });
    try {
      await runKnownWorkload(started.boss);
      // A worker on a queue of its own, so the work queue's counts stay put.
      await started.boss.work('other', { pollingIntervalSeconds: 0.5 }, async () => {});
      const expected = WORKLOAD_EXPECTATIONS[setup === '10.x' ? '10.x' : '12.x'];
      const where = { 'messaging.system': 'pg-boss', 'queuetel.queue.schema': schema };

      const metrics = await eventually(async () => {
        const m = await otel.collect();
        for (const [queue, states] of Object.entries(expected.jobs)) {
          expect(jobsByState(m, { ...where, 'messaging.destination.name': queue }), queue).toEqual(states);
        }
        expect(workersOf(m, { ...where, 'messaging.destination.name': 'work' })).toEqual(
          expected.workers.work,
        );
        expect(workersOf(m, { ...where, 'messaging.destination.name': 'other' })).toEqual(
          expected.workers.other,
        );
        return m;
      }, 30_000);

      // The dead-letter queue of 'work' holds the two jobs that failed there for good.
      const deadLetter = metrics.points('queuetel.queue.dead_letter.jobs', {
        ...where,
        'messaging.destination.name': 'work',
      });
      expect(deadLetter.map((p) => [p.attributes['queuetel.dead_letter.name'], p.value])).toEqual([
        ['work_dlq', 2],
      ]);
      // The oldest ready job of 'work' was sent before the workload's pause; nothing waits on 'other'.
      const oldest = metrics.points('queuetel.queue.oldest_age', {
        ...where,
        'messaging.destination.name': 'work',
      });
      expect(oldest[0]!.value).toBeGreaterThanOrEqual(1);
      expect(
        metrics.total('queuetel.queue.oldest_age', { ...where, 'messaging.destination.name': 'other' }),
      ).toBe(0);
      expect(
        metrics.points('queuetel.queue.newest_age', { ...where, 'messaging.destination.name': 'work' }),
      ).toHaveLength(1);
      // The collector reports on itself: it leads, it has collected, and it is not stale.
      expect(metrics.total('queuetel.collector.leader')).toBe(1);
      expect(metrics.total('queuetel.collector.duration')).toBeGreaterThan(0);
      expect(metrics.total('queuetel.collector.staleness')).toBeLessThan(5);
      // Every queue gauge carries the system, the queue and the schema.
      for (const point of metrics.points('queuetel.queue.jobs')) {
        expect(Object.keys(point.attributes).sort()).toEqual([
          'messaging.destination.name',
          'messaging.system',
          'queuetel.queue.schema',
          'queuetel.queue.state',
        ]);
      }
    } finally {
      await health.stop();
      await heartbeat.stop();
      await started.stop();
      await otel.shutdown();
    }
  });
});

function jobsByState(metrics: MetricsSnapshot, where: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    metrics
      .points('queuetel.queue.jobs', where)
      .map((point) => [point.attributes['queuetel.queue.state'] as string, point.value]),
  );
}

function workersOf(metrics: MetricsSnapshot, where: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    metrics
      .points('queuetel.workers.live', where)
      .map((point) => [point.attributes['queuetel.worker.kind'] as string, point.value]),
  );
}
