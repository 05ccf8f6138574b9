import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueueHealth } from '@queuetel/health';
import { startOwnServer } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss } from '../harness/pg-boss.js';
import type { RunningPostgres } from '../harness/postgres.js';

// A server of this file's own: restarting the one the other test files share would break them.
let server: RunningPostgres;
let url: string;
beforeAll(async () => {
  ({ server, url } = await startOwnServer('health_restart'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('the collector and a database restart', () => {
  it('reports nothing while the database is down, never crashes, and recovers with true counts', async () => {
    const setupOtel = createTestTelemetry('meter');
    const started = await startBoss('12.38 built-in off', url, setupOtel);
    const { schema } = started;
    await started.boss.createQueue('work');
    for (let i = 0; i < 4; i++) await started.boss.send('work', { i });
    await (started.boss as unknown as { getQueueStats(name: string): Promise<unknown> }).getQueueStats(
      'work',
    );
    await started.stop();

    const otel = createTestTelemetry('producer');
    const health = startQueueHealth({
      connectionString: url,
      pgBossSchemas: [schema],
      intervalSeconds: 0.5,
      metricProducer: otel.metricProducer,
    });
    const where = { 'messaging.destination.name': 'work', 'queuetel.queue.state': 'ready' };
    try {
      await eventually(async () =>
        expect((await otel.collect()).total('queuetel.queue.jobs', where)).toBe(4),
      );

      await server.restart(async () => {
        // Down: no stale numbers, the failures counted, the staleness still reported and growing.
        const down = await eventually(async () => {
          const metrics = await otel.collect();
          expect(metrics.points('queuetel.queue.jobs')).toEqual([]);
          expect(metrics.total('queuetel.collector.errors', { 'error.type': 'connection' })).toBeGreaterThan(
            0,
          );
          expect(health.state().databaseReachable).toBe(false);
          return metrics;
        }, 20_000);
        expect(down.total('queuetel.collector.leader')).toBe(0);
        expect(down.points('queuetel.collector.staleness')).toHaveLength(1);
        expect(health.latest()).toBeUndefined();
        await expect(health.read()).rejects.toThrow();
      });

      // Back: the collector reconnects on its own, leads again and reports the same true counts.
      const back = await eventually(async () => {
        const metrics = await otel.collect();
        expect(metrics.total('queuetel.queue.jobs', where)).toBe(4);
        return metrics;
      }, 45_000);
      expect(back.total('queuetel.collector.leader')).toBe(1);
      expect(health.state().databaseReachable).toBe(true);
      expect(back.total('queuetel.collector.staleness')).toBeLessThan(5);
    } finally {
      await health.stop();
      await otel.shutdown();
      await setupOtel.shutdown();
    }
  }, 120_000);
});
