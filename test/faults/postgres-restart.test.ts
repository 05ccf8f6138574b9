import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueueHealth } from '@queuetel/health';
import { PgmqClient } from '@queuetel/pgmq';
import { startOwnServer } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss, type StartedBoss } from '../harness/pg-boss.js';
import { loadPgmqFixture } from '../harness/pgmq.js';
import type { RunningPostgres } from '../harness/postgres.js';

// A server of this file's own: restarting the one the other test files share would break them.
// test/integration/health-restart.test.ts follows the collector alone through a restart in detail.
let server: RunningPostgres;
let url: string;
beforeAll(async () => {
  ({ server, url } = await startOwnServer('faults_restart'));
  await loadPgmqFixture(url);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** Jobs sent to each queue before the restart, and again after it. */
const BATCH = 10;
const PARKED = 4;

/** Retries a call the restart may catch on a connection the server dropped. */
async function untilItWorks<T>(call: () => Promise<T>): Promise<T> {
  return eventually(call, 30_000);
}

describe('Postgres restarted under pg-boss 10 and 12 workers, a pgmq consumer and the collector', () => {
  it('all recover on their own, and every job is counted exactly once', async () => {
    const otel = createTestTelemetry();
    const bosses: StartedBoss[] = [
      await startBoss('10.x', url, otel),
      // Its supervisor refreshes the queue statistics the collector reads every second.
      await startBoss(
        '12.38 built-in off',
        url,
        otel,
        {},
        { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 },
      ),
    ];
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    // A snapshot reads each metric from one instrumentation scope: one telemetry per system.
    const pgmqOtel = createTestTelemetry();
    const pgmq = new PgmqClient(pool, pgmqOtel.providers);
    const stopConsumer = new AbortController();
    const healthOtel = createTestTelemetry('producer');
    const health = startQueueHealth({
      connectionString: url,
      pgBossSchemas: [bosses[1]!.schema],
      intervalSeconds: 0.5,
      metricProducer: healthOtel.metricProducer,
    });
    let consuming: Promise<void> | undefined;
    try {
      for (const { boss } of bosses) {
        await boss.createQueue('restart_work');
        await boss.work('restart_work', { pollingIntervalSeconds: 0.5, batchSize: 5 }, async () => {});
      }
      // A queue nobody works, whose count the collector must report again after the restart.
      await bosses[1]!.boss.createQueue('restart_parked');
      for (let i = 0; i < PARKED; i++) await bosses[1]!.boss.send('restart_parked', {});
      await pgmq.create('restart_work');
      consuming = pgmq.consume('restart_work', async () => {}, {
        concurrency: 4,
        pollIntervalMs: 100,
        signal: stopConsumer.signal,
        onError: () => {},
      });

      const sendBatch = async () => {
        for (let i = 0; i < BATCH; i++) {
          for (const { boss } of bosses) await untilItWorks(() => boss.send('restart_work', { i }));
          await untilItWorks(() => pgmq.send('restart_work', { i }));
        }
      };
      const expectCompleted = async (count: number) => {
        // Both pg-boss versions report under one scope, so pg-boss counts twice the batch.
        for (const [telemetry, perQueue] of [
          [otel, 2 * count],
          [pgmqOtel, count],
        ] as const) {
          const metrics = await telemetry.collect();
          const where = { 'messaging.destination.name': 'restart_work' };
          const completed = { ...where, 'queuetel.job.outcome': 'completed' };
          expect(metrics.total('queuetel.job.outcomes', completed)).toBe(perQueue);
          expect(metrics.total('queuetel.job.outcomes', where)).toBe(perQueue);
          expect(metrics.total('queuetel.job.attempts', where)).toBe(perQueue);
          expect(metrics.total('queuetel.job.in_flight', where)).toBe(0);
        }
      };
      const parked = { 'messaging.destination.name': 'restart_parked', 'queuetel.queue.state': 'ready' };

      await sendBatch();
      await eventually(() => expectCompleted(BATCH));
      await eventually(async () =>
        expect((await healthOtel.collect()).total('queuetel.queue.jobs', parked)).toBe(4),
      );

      await server.restart(async () => {
        await eventually(() => expect(health.state().databaseReachable).toBe(false));
      });

      // Back: the workers take new jobs without being restarted, and the collector reports again.
      await sendBatch();
      await eventually(() => expectCompleted(2 * BATCH), 45_000);
      await eventually(async () => {
        expect(health.state().databaseReachable).toBe(true);
        expect((await healthOtel.collect()).total('queuetel.queue.jobs', parked)).toBe(PARKED);
      }, 45_000);
      const states = await untilItWorks(async () => {
        const rows = await pool.query<{ schema: string; completed: number }>(
          `SELECT '10' AS schema, count(*)::int AS completed FROM ${bosses[0]!.schema}.job
             WHERE name = 'restart_work' AND state = 'completed'
           UNION ALL
           SELECT '12', count(*)::int FROM ${bosses[1]!.schema}.job
             WHERE name = 'restart_work' AND state = 'completed'`,
        );
        return rows.rows.map((row) => row.completed);
      });
      expect(states).toEqual([2 * BATCH, 2 * BATCH]);
    } finally {
      stopConsumer.abort();
      await consuming;
      await health.stop();
      for (const started of bosses) await started.stop();
      await pool.end();
      await otel.shutdown();
      await pgmqOtel.shutdown();
      await healthOtel.shutdown();
    }
  }, 180_000);
});
