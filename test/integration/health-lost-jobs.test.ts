import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUMENTS, QueuetelMetricProducer } from '@queuetel/core';
import { startQueueHealth, type QueueHealth, type QueueHealthOptions } from '@queuetel/health';
import { END_SETTLE_SECONDS } from '../../packages/health/src/sources/pg-boss-ended.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type TestTelemetry } from '../harness/otel.js';
import { eventually, startBoss, type BossSetup, type StartedBoss } from '../harness/pg-boss.js';

const QUEUE = 'lost-jobs';
const LOST = 2;

/** pg-boss's supervisor every second, so an abandoned job fails soon after its second is up. */
const SWEEP_EVERY_SECOND: Record<string, Record<string, number>> = {
  '10.x': { maintenanceIntervalSeconds: 1 },
  '12.38 built-in off': { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 },
};

/** A producer's points of one instrument, keyed `queue/outcome[/error.type]`, summed over scopes. */
async function pointsOf(producer: QueuetelMetricProducer, name: string): Promise<Map<string, number>> {
  const points = new Map<string, number>();
  const { resourceMetrics } = await producer.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const { attributes, value } of metric.dataPoints) {
        const key = [
          attributes['messaging.destination.name'],
          attributes['queuetel.job.outcome'],
          attributes['error.type'],
        ]
          .filter((part) => part !== undefined)
          .map(String)
          .join('/');
        points.set(key, (points.get(key) ?? 0) + (value as number));
      }
    }
  }
  return points;
}

const INTERVAL_SECONDS = 0.5;
// A look reads ends only up to END_SETTLE_SECONDS before the present, so the jobs' ends are read once
// that many seconds of collections have passed them, and one more look.
const SETTLED_COLLECTIONS = Math.ceil(END_SETTLE_SECONDS / INTERVAL_SECONDS) + 2;

async function nextCollections(health: QueueHealth, count = 2): Promise<void> {
  const from = health.state().collections;
  await eventually(() => expect(health.state().collections).toBeGreaterThanOrEqual(from + count));
}

describe.each<BossSetup>(['10.x', '12.38 built-in off'])(
  'a pg-boss %s job whose last attempt was abandoned',
  (setup) => {
    let db: TestDatabase;
    let started: StartedBoss;
    let otel: TestTelemetry;
    const meterPath = createTestTelemetry('meter');
    const elsewhere = new QueuetelMetricProducer();
    const collectors: QueueHealth[] = [];

    beforeAll(async () => {
      db = await createTestDatabase('health_lost');
      otel = createTestTelemetry('producer');
      started = await startBoss(setup, db.url, otel, {}, SWEEP_EVERY_SECOND[setup]);
      await started.boss.createQueue(QUEUE, { retryLimit: 0, expireInSeconds: 1 });
      const common: QueueHealthOptions = {
        connectionString: db.url,
        pgBossSchemas: [started.schema],
        intervalSeconds: INTERVAL_SECONDS,
        election: false,
      };
      collectors.push(
        // Beside the job metrics, counting the job table's ends for the shadow comparison too.
        startQueueHealth({ ...common, metricProducer: otel.metricProducer, shadowComparison: true }),
        // Not counting lost jobs.
        startQueueHealth({
          ...common,
          metricProducer: elsewhere,
          shadowComparison: true,
          countLostJobs: false,
        }),
        // Through the plain Meter API.
        startQueueHealth({ ...common, meterProvider: meterPath.meterProvider }),
      );
      // Each cursor starts at its collector's first look.
      for (const health of collectors) await nextCollections(health, 1);

      // Workers that took the jobs and died: fetched, never settled, until the supervisor fails them.
      const boss = started.boss as unknown as {
        fetch(name: string, options: object): Promise<unknown[] | null>;
      };
      for (let i = 0; i < LOST; i++) await started.boss.send(QUEUE, { i });
      expect(await boss.fetch(QUEUE, { batchSize: LOST })).toHaveLength(LOST);
      await eventually(async () => {
        const rows = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${started.schema}".job WHERE name = $1 AND state = 'failed'`,
          [QUEUE],
        );
        expect(rows[0]!.n).toBe(LOST);
      });
      for (const health of collectors) await nextCollections(health, SETTLED_COLLECTIONS);
    });
    afterAll(async () => {
      for (const health of collectors) await health.stop();
      await started?.stop();
      await otel?.shutdown();
      await meterPath.shutdown();
      await db?.drop();
    });

    it('is counted once, as failed by timeout, in the producer the job metrics use', async () => {
      const outcomes = await pointsOf(otel.metricProducer!, INSTRUMENTS.jobOutcomes.name);
      expect(Object.fromEntries(outcomes)).toEqual({ [`${QUEUE}/failed/timeout`]: LOST });
    });

    it('matches what the shadow comparison counts the job table ended; uncounted, it reads as lost', async () => {
      // The comparison sets the job table's ends against the job metrics' terminal outcomes.
      const ended = await pointsOf(otel.metricProducer!, INSTRUMENTS.queueEnded.name);
      const outcomes = await pointsOf(otel.metricProducer!, INSTRUMENTS.jobOutcomes.name);
      expect(ended.get(`${QUEUE}/failed`)).toBe(LOST);
      expect(outcomes.get(`${QUEUE}/failed/timeout`)).toBe(LOST);
      expect((await pointsOf(elsewhere, INSTRUMENTS.queueEnded.name)).get(`${QUEUE}/failed`)).toBe(LOST);
      expect((await pointsOf(elsewhere, INSTRUMENTS.jobOutcomes.name)).size).toBe(0);
    });

    it('is counted through the Meter API too', async () => {
      const metrics = await meterPath.collect();
      expect(
        metrics.total(INSTRUMENTS.jobOutcomes.name, {
          'messaging.system': 'pg-boss',
          'messaging.destination.name': QUEUE,
          'queuetel.job.outcome': 'failed',
          'error.type': 'timeout',
        }),
      ).toBe(LOST);
      expect(metrics.total(INSTRUMENTS.jobOutcomes.name)).toBe(LOST);
    });
  },
  60_000,
);
