import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUMENTS, QueuetelMetricProducer } from '@queuetel/core';
import { startQueueHealth, type QueueHealth } from '@queuetel/health';
import { emittedFrom, isShadow, nameProblems } from '../collector/metric-names.js';
import { alertQueries, dashboardQueries } from '../collector/queries.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import {
  eventually,
  startBoss,
  type BossSetup,
  type StartedBoss,
  type TestBoss,
} from '../harness/pg-boss.js';

const GOOD = 'shadow-good';
const BAD = 'shadow-bad';
const GOOD_JOBS = 20;
const BAD_JOBS = 5;
const LOST = 3;

/** What pg-boss 10 and 12 both offer for working a job by hand, as an uninstrumented worker would. */
interface HandDriven {
  fetch(name: string, options?: object): Promise<{ id: string }[] | null>;
  complete(name: string, id: string): Promise<unknown>;
}

/** The drift gauge's value per queue and end, as a metric reader collects it from the producer. */
async function driftPoints(producer: QueuetelMetricProducer): Promise<Map<string, number>> {
  const drift = new Map<string, number>();
  const { resourceMetrics } = await producer.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== INSTRUMENTS.shadowDrift.name) continue;
      for (const point of metric.dataPoints) {
        const attributes = point.attributes;
        drift.set(
          `${String(attributes['messaging.destination.name'])}/${String(attributes['queuetel.job.outcome'])}`,
          point.value as number,
        );
      }
    }
  }
  return drift;
}

async function nextCollections(health: QueueHealth, count = 2): Promise<void> {
  const from = health.state().collections;
  await eventually(() => expect(health.state().collections).toBeGreaterThanOrEqual(from + count));
}

async function countEnded(db: TestDatabase, schema: string, name: string, state: string): Promise<number> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".job WHERE name = $1 AND state = $2`,
      [name, state],
    );
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe.each<BossSetup>(['10.x', '12.38 built-in off'])(
  'the shadow comparison on pg-boss %s',
  (setup) => {
    let db: TestDatabase;
    let started: StartedBoss;
    let health: QueueHealth;
    const producer = new QueuetelMetricProducer();

    beforeAll(async () => {
      db = await createTestDatabase('health_shadow');
      started = await startBoss(setup, db.url, createTestTelemetry('meter'), { metricProducer: producer });
      await started.boss.createQueue(GOOD, { retryLimit: 0 });
      await started.boss.createQueue(BAD, { retryLimit: 0 });
      health = startQueueHealth({
        connectionString: db.url,
        pgBossSchemas: [started.schema],
        intervalSeconds: 0.5,
        election: false,
        metricProducer: producer,
        shadowWindowSeconds: 600,
      });
      await nextCollections(health, 1);
    });
    afterAll(async () => {
      await health?.stop();
      await started?.stop();
      await db?.drop();
    });

    it('reads a drift of 0 on a clean run: every completed and failed job counted once', async () => {
      const boss: TestBoss = started.boss;
      for (let i = 0; i < GOOD_JOBS; i++) await boss.send(GOOD, { i });
      for (let i = 0; i < BAD_JOBS; i++) await boss.send(BAD, { i });
      const options = { batchSize: 5, pollingIntervalSeconds: 0.5 };
      await boss.work(GOOD, options, () => Promise.resolve());
      await boss.work(BAD, options, () => Promise.reject(new Error('always fails')));
      await eventually(async () => {
        expect(await countEnded(db, started.schema, GOOD, 'completed')).toBe(GOOD_JOBS);
        expect(await countEnded(db, started.schema, BAD, 'failed')).toBe(BAD_JOBS);
      });
      await nextCollections(health);
      const drift = await driftPoints(producer);
      expect(Object.fromEntries(drift)).toEqual({
        [`${GOOD}/completed`]: 0,
        [`${GOOD}/failed`]: 0,
        [`${BAD}/completed`]: 0,
        [`${BAD}/failed`]: 0,
      });
    });

    it('reads a negative drift when jobs end that the telemetry never counted', async () => {
      const boss = started.boss as TestBoss & HandDriven;
      // A queue worked by hand, outside the instrumented worker: its completions reach the database
      // and never the job metrics, as when a worker's telemetry loses them.
      const lostQueue = 'shadow-lost';
      await boss.createQueue(lostQueue, { retryLimit: 0 });
      for (let i = 0; i < LOST; i++) await boss.send(lostQueue, { i });
      const jobs = (await boss.fetch(lostQueue, { batchSize: LOST })) ?? [];
      expect(jobs).toHaveLength(LOST);
      for (const job of jobs) await boss.complete(lostQueue, job.id);
      await eventually(async () => {
        await nextCollections(health, 1);
        expect((await driftPoints(producer)).get(`${lostQueue}/completed`)).toBe(-LOST);
      });
      const drift = await driftPoints(producer);
      expect(drift.get(`${lostQueue}/failed`)).toBe(0);
      expect(drift.get(`${GOOD}/completed`)).toBe(0);
    });

    it('emits the drift under the name and labels the alert rule queries', async () => {
      const { resourceMetrics } = await producer.collect();
      const points = resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          metric.dataPoints.map((point) => ({
            name: metric.descriptor.name,
            unit: metric.descriptor.unit,
            kind: INSTRUMENTS.shadowDrift.kind,
            attributes: point.attributes,
          })),
        ),
      );
      const queries = [...dashboardQueries(), ...alertQueries()];
      expect(queries.some((query) => query.expr.includes('queuetel_shadow_drift'))).toBe(true);
      const shadow = points.filter((point) => point.name === INSTRUMENTS.shadowDrift.name);
      expect(nameProblems(queries, emittedFrom(shadow), isShadow)).toEqual([]);
    });
  },
  120_000,
);

describe('the shadow comparison option', () => {
  it('is refused, naming the field, without a producer to read the job metrics from or with a bad window', () => {
    const base = {
      connectionString: 'postgres://localhost/x',
      meterProvider: createTestTelemetry('meter').meterProvider,
    };
    expect(() => startQueueHealth({ ...base, shadowWindowSeconds: 60 })).toThrow(
      /shadowWindowSeconds.*metric producer/,
    );
    expect(() =>
      startQueueHealth({ ...base, metricProducer: new QueuetelMetricProducer(), shadowWindowSeconds: 0 }),
    ).toThrow(/shadowWindowSeconds.*from 1 to 3600/);
  });
});
