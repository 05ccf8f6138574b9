import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQueueHealth, startHeartbeat, startQueueHealth } from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss } from '../harness/pg-boss.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('health_workers');
});
afterAll(async () => {
  await db.drop();
});

const consumersOf = async (queue: string, schema = 'pgboss') => {
  const snapshot = await readQueueHealth({ connectionString: db.url, pgBossSchemas: false });
  expect(snapshot.queues).toEqual([]);
  const rows = await db.query<{ live: number }>(
    `SELECT count(*)::int AS live FROM queuetel.heartbeat
     WHERE $1 = ANY (queues) AND schema = $2 AND stopped_on IS NULL
       AND heartbeat_on >= now() - make_interval(secs => heartbeat_seconds * 3)`,
    [queue, schema],
  );
  return { collectorTotal: snapshot.workers['queuetel-consumer'], table: rows[0]!.live };
};

describe('live queuetel consumers', () => {
  it('count from their first beat, stop counting when stopped, and go quiet after three missed beats', async () => {
    const first = startHeartbeat({ connectionString: db.url, queues: ['email', 'sms'], intervalSeconds: 1 });
    const second = startHeartbeat({ connectionString: db.url, queues: ['email'], intervalSeconds: 1 });
    try {
      await eventually(async () =>
        expect(await consumersOf('email')).toEqual({ collectorTotal: 2, table: 2 }),
      );
      expect((await consumersOf('sms')).table).toBe(1);
      await second.stop();
      expect(await consumersOf('email')).toEqual({ collectorTotal: 1, table: 1 });
      // A consumer that died without stopping: its last beat ages past three intervals.
      await db.query(
        `UPDATE queuetel.heartbeat SET heartbeat_on = now() - interval '4 seconds' WHERE id = $1`,
        [first.id],
      );
      expect(await consumersOf('email')).toEqual({ collectorTotal: 0, table: 0 });
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

describe('pg-boss 12 totals', () => {
  it("count the jobs created and completed since the collector started, from pg-boss's monitor windows", async () => {
    const otel = createTestTelemetry('producer');
    const started = await startBoss(
      '12.38 built-in off',
      db.url,
      otel,
      {},
      {
        persistQueueStats: true,
        monitorIntervalSeconds: 1,
        superviseIntervalSeconds: 1,
      },
    );
    const health = startQueueHealth({
      connectionString: db.url,
      pgBossSchemas: [started.schema],
      intervalSeconds: 0.5,
      metricProducer: otel.metricProducer,
    });
    const where = { 'messaging.destination.name': 'totals' };
    try {
      await started.boss.createQueue('totals');
      // Counting starts at the end of the first monitor window the collector sees.
      await eventually(async () =>
        expect((await otel.collect()).points('queuetel.queue.enqueued', where)).toHaveLength(1),
      );
      await started.boss.work('totals', { pollingIntervalSeconds: 0.5, batchSize: 10 }, async () => {});
      for (let i = 0; i < 4; i++) await started.boss.send('totals', { i });
      // pg-boss counts a window ten seconds behind its pass, so the totals follow about that late.
      await eventually(async () => {
        const metrics = await otel.collect();
        expect(metrics.total('queuetel.queue.enqueued', where)).toBe(4);
        expect(metrics.total('queuetel.queue.completed', where)).toBe(4);
      }, 45_000);
      const stats = health.latest()!.queues.find((q) => q.name === 'totals')!;
      expect(stats.totalsSince).toBeInstanceOf(Date);
    } finally {
      await health.stop();
      await started.stop();
      await otel.shutdown();
    }
  }, 90_000);
});
