import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBoss } from 'pg-boss';
import PgBoss10 from 'pg-boss-10';
import { INSTRUMENTS, QueuetelMetricProducer } from '@queuetel/core';
import { startQueueHealth, type QueueHealth } from '@queuetel/health';
import { killWorker, receivedTotal, startWorker, type WorkerProcess } from '../faults/worker-process.js';
import { emittedFrom, isShadow, nameProblems } from '../collector/metric-names.js';
import { alertQueries } from '../collector/queries.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';

/**
 * The shadow comparison across processes: pg-boss workers in processes of their own, exporting their
 * job metrics over OTLP, and the queue-health collector in this one, counting what the job table
 * ended. The drift the rules compute is the workers' outcomes summed minus the collector's count;
 * its PromQL runs in the real Prometheus in test/stack/traces-and-metrics.test.ts and in promtool
 * in collector/prometheus/tests.
 */

const GOOD = 'shadow_good';
const BAD = 'shadow_bad';
const BY_HAND = 'shadow_by_hand';
const GOOD_JOBS = 40;
const BAD_JOBS = 6;
const BY_HAND_JOBS = 3;

/** What pg-boss 10 and 12 both offer, uninstrumented, for the test's own side of the queues. */
interface PlainBoss {
  start(): Promise<unknown>;
  stop(options: object): Promise<unknown>;
  createQueue(name: string, options: object): Promise<unknown>;
  fetch(name: string, options?: object): Promise<{ id: string }[] | null>;
  complete(name: string, id: string): Promise<unknown>;
  on(event: 'error', listener: () => void): unknown;
}

type Kind = 'pg-boss-10' | 'pg-boss-12';

/** `queuetel.queue.ended` as the collector reports it now, by queue and end. */
async function endedPoints(producer: QueuetelMetricProducer): Promise<Map<string, number>> {
  const ended = new Map<string, number>();
  const { resourceMetrics } = await producer.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== INSTRUMENTS.queueEnded.name) continue;
      for (const point of metric.dataPoints) {
        const attributes = point.attributes;
        ended.set(
          `${String(attributes['messaging.destination.name'])}/${String(attributes['queuetel.job.outcome'])}`,
          point.value as number,
        );
      }
    }
  }
  return ended;
}

describe.each<Kind>(['pg-boss-10', 'pg-boss-12'])(
  'the shadow comparison with %s workers in other processes',
  (kind) => {
    let db: TestDatabase;
    let boss: PlainBoss;
    let receiver: OtlpReceiver;
    let health: QueueHealth;
    const workers: WorkerProcess[] = [];
    const producer = new QueuetelMetricProducer();

    /** The jobs of a queue the job table holds in a state. */
    async function inState(name: string, state: string): Promise<number> {
      const rows = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = $2',
        [name, state],
      );
      return rows[0]!.n;
    }

    /** A terminal outcome as every worker's job metrics counted it, summed over the processes. */
    function counted(name: string, outcome: string): number {
      return receivedTotal(receiver, 'queuetel.job.outcomes', {
        'messaging.destination.name': name,
        'queuetel.job.outcome': outcome,
      });
    }

    async function nextCollections(count = 2): Promise<void> {
      const from = health.state().collections;
      await eventually(() => expect(health.state().collections).toBeGreaterThanOrEqual(from + count));
    }

    beforeAll(async () => {
      db = await createTestDatabase('health_shadow');
      const common = { connectionString: db.url, max: 2, schedule: false, supervise: false };
      boss = (kind === 'pg-boss-10'
        ? new PgBoss10(common)
        : new PgBoss({ ...common, openTelemetry: { enabled: false } })) as unknown as PlainBoss;
      boss.on('error', () => {});
      await boss.start();
      for (const name of [GOOD, BAD, BY_HAND]) {
        // One retry: the job metrics count its first failure as `retried`, which is no end.
        await boss.createQueue(name, { retryLimit: 1, retryDelay: 0 });
      }
      receiver = await startOtlpReceiver();
      health = startQueueHealth({
        connectionString: db.url,
        pgBossSchemas: ['pgboss'],
        intervalSeconds: 0.5,
        metricProducer: producer,
        shadowComparison: true,
      });
      // The count starts at the collector's first collection: nothing ends before it.
      await eventually(() => expect(health.state().leader).toBe(true));
      await nextCollections(1);
      const spec = { kind, databaseUrl: db.url, receiver };
      workers.push(
        await startWorker({ ...spec, queue: GOOD, instance: 'good-1' }),
        await startWorker({ ...spec, queue: GOOD, instance: 'good-2' }),
        await startWorker({ ...spec, queue: BAD, instance: 'bad-1', fail: true }),
      );
    });
    afterAll(async () => {
      for (const worker of workers) await killWorker(worker, 'SIGTERM');
      await health?.stop();
      await boss?.stop({ graceful: false, wait: true, timeout: 2000 });
      await receiver?.close();
      await db?.drop();
    });

    it('counts at the collector exactly the jobs the database ended, which the workers counted too', async () => {
      const send = async (name: string, count: number) => {
        const jobs = Array.from({ length: count }, (_, i) => ({ data: { i } }));
        // 10.x takes the queue in each job, 12.x as the first argument; either way, one statement.
        const insert = (boss as unknown as { insert: (...args: unknown[]) => Promise<unknown> }).insert.bind(
          boss,
        );
        if (kind === 'pg-boss-10') await insert(jobs.map((job) => ({ name, ...job })));
        else await insert(name, jobs);
      };
      // In two rounds, so that each of the two good workers is likely to take some.
      await send(GOOD, GOOD_JOBS / 2);
      await send(BAD, BAD_JOBS);
      await eventually(async () => expect(await inState(GOOD, 'completed')).toBe(GOOD_JOBS / 2));
      await send(GOOD, GOOD_JOBS / 2);
      await eventually(async () => {
        expect(await inState(GOOD, 'completed')).toBe(GOOD_JOBS);
        expect(await inState(BAD, 'failed')).toBe(BAD_JOBS);
        // The workers' telemetry, from three processes: the failures' last attempts are `failed`.
        expect(counted(GOOD, 'completed')).toBe(GOOD_JOBS);
        expect(counted(BAD, 'failed')).toBe(BAD_JOBS);
        expect(counted(BAD, 'retried')).toBe(BAD_JOBS);
      }, 60_000);
      // The count trails the database's clock by END_SETTLE_SECONDS (sources/pg-boss-ended.ts).
      const ended = await eventually(async () => {
        const points = await endedPoints(producer);
        expect(Object.fromEntries(points)).toEqual({
          [`${GOOD}/completed`]: GOOD_JOBS,
          [`${GOOD}/failed`]: 0,
          [`${BAD}/completed`]: 0,
          [`${BAD}/failed`]: BAD_JOBS,
          [`${BY_HAND}/completed`]: 0,
          [`${BY_HAND}/failed`]: 0,
        });
        return points;
      });
      // No worker shares the collector's process, yet nothing drifts: each end was counted once on
      // each side.
      expect(ended.get(`${GOOD}/completed`)! - counted(GOOD, 'completed')).toBe(0);
      expect(ended.get(`${BAD}/failed`)! - counted(BAD, 'failed')).toBe(0);
    });

    it('counts the jobs ended by hand outside any instrumented worker, which no worker counted', async () => {
      const send = (boss as unknown as { send: (name: string, data: object) => Promise<unknown> }).send.bind(
        boss,
      );
      for (let i = 0; i < BY_HAND_JOBS; i++) await send(BY_HAND, { i });
      const jobs = (await boss.fetch(BY_HAND, { batchSize: BY_HAND_JOBS })) ?? [];
      expect(jobs).toHaveLength(BY_HAND_JOBS);
      for (const job of jobs) await boss.complete(BY_HAND, job.id);
      await eventually(async () => {
        expect((await endedPoints(producer)).get(`${BY_HAND}/completed`)).toBe(BY_HAND_JOBS);
      });
      // A few collections later, still the same: each end is counted once.
      await nextCollections(4);
      expect(counted(BY_HAND, 'completed')).toBe(0);
      // The earlier ends are not counted again.
      expect((await endedPoints(producer)).get(`${GOOD}/completed`)).toBe(GOOD_JOBS);
    });

    it('emits the count under the name and labels the rules query', async () => {
      const { resourceMetrics } = await producer.collect();
      const points = resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics
          .filter((metric) => metric.descriptor.name === INSTRUMENTS.queueEnded.name)
          .flatMap((metric) =>
            metric.dataPoints.map((point) => ({
              name: metric.descriptor.name,
              unit: metric.descriptor.unit,
              kind: INSTRUMENTS.queueEnded.kind,
              attributes: point.attributes,
            })),
          ),
      );
      expect(points.length).toBeGreaterThan(0);
      const queries = alertQueries();
      expect(queries.some((query) => query.expr.includes('queuetel_queue_ended_total'))).toBe(true);
      expect(nameProblems(queries, emittedFrom(points), isShadow)).toEqual([]);
    });
  },
  180_000,
);

describe('the shadow comparison option', () => {
  it('is refused, naming the field, when it is not a boolean', () => {
    expect(() =>
      startQueueHealth({
        connectionString: 'postgres://localhost/x',
        shadowComparison: 300 as unknown as boolean,
      }),
    ).toThrow(/shadowComparison/);
  });
});
