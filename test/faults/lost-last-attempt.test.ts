import { afterEach, describe, expect, it } from 'vitest';
import { INSTRUMENTS, QueuetelMetricProducer } from '@queuetel/core';
import { startQueueHealth, type QueueHealth } from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startOtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';
import { EXPIRE_SECONDS, startTestBoss } from './test-queue.js';
import { killWorker, receivedTotal, startWorker, type WorkerProcess } from './worker-process.js';

/** Jobs whose handlers hang in the worker that is killed, on each queue. */
const MID_JOB = 3;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

/** The outcomes the collector recorded, by `queue/outcome/error.type`, as a reader collects them. */
async function collectorOutcomes(producer: QueuetelMetricProducer): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const { resourceMetrics } = await producer.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== INSTRUMENTS.jobOutcomes.name) continue;
      expect(scope.scope.name).toBe('@queuetel/health');
      for (const { attributes, value } of metric.dataPoints) {
        expect(Object.keys(attributes).sort()).toEqual([
          'error.type',
          'messaging.destination.name',
          'messaging.system',
          'queuetel.job.outcome',
        ]);
        expect(attributes['messaging.system']).toBe('pg-boss');
        const key = [
          attributes['messaging.destination.name'],
          attributes['queuetel.job.outcome'],
          attributes['error.type'],
        ].join('/');
        outcomes[key] = (outcomes[key] ?? 0) + (value as number);
      }
    }
  }
  return outcomes;
}

describe.each(['pg-boss-10', 'pg-boss-12'] as const)(
  'the last attempt of a %s job dies with its worker',
  (kind) => {
    it('is counted once by the collector, as failed or dead-lettered; a live timeout is not counted again', async () => {
      const tag = kind.replace(/\W+/g, '_');
      const plain = `lost_${tag}`;
      const withDlq = `lost_dlq_${tag}`;
      const dead = `lost_dead_${tag}`;
      const db: TestDatabase = await createTestDatabase('faults_lost');
      cleanup.push(() => db.drop());
      const boss = await startTestBoss(kind, db.url);
      cleanup.push(async () => {
        await boss.stop({ graceful: false, wait: true, timeout: 2000 });
      });
      const last = { retryLimit: 0, expireInSeconds: EXPIRE_SECONDS };
      await boss.createQueue(dead, { retryLimit: 0 });
      await boss.createQueue(plain, last);
      await boss.createQueue(withDlq, { ...last, deadLetter: dead });
      const send = async (name: string, count: number) => {
        for (let i = 0; i < count; i++) await boss.send(name, { hang: true });
      };

      const receiver = await startOtlpReceiver();
      cleanup.push(() => receiver.close());
      const workers: WorkerProcess[] = [];
      cleanup.push(async () => {
        for (const worker of workers) await killWorker(worker);
      });
      const producer = new QueuetelMetricProducer();
      const health: QueueHealth = startQueueHealth({
        connectionString: db.url,
        intervalSeconds: 0.5,
        election: false,
        metricProducer: producer,
      });
      cleanup.push(() => health.stop());
      await eventually(() => expect(health.state().collections).toBeGreaterThanOrEqual(1));
      const failedRows = async (name: string) =>
        (
          await db.query<{ output: unknown }>(
            `SELECT output FROM pgboss.job WHERE name = $1 AND state = 'failed'`,
            [name],
          )
        ).map((row) => row.output);
      const spec = { kind, queue: `${plain},${withDlq}`, databaseUrl: db.url, receiver } as const;

      // A worker takes the jobs, hangs in every handler, and is killed.
      const doomed = await startWorker({ ...spec, instance: 'doomed', hang: true });
      workers.push(doomed);
      await send(plain, MID_JOB);
      await send(withDlq, MID_JOB);
      await eventually(() => expect(doomed.started()).toHaveLength(2 * MID_JOB));
      await killWorker(doomed, 'SIGKILL');

      // Another worker's supervisor fails them for good; no worker sees them again.
      const supervisor = await startWorker({ ...spec, instance: 'supervisor' });
      workers.push(supervisor);
      await eventually(async () => {
        expect(await failedRows(plain)).toHaveLength(MID_JOB);
        expect(await failedRows(withDlq)).toHaveLength(MID_JOB);
      }, 30_000);
      // The supervisor's mark: 10.x's expiry; 12.x's expiry or missed heartbeat.
      const marks =
        kind === 'pg-boss-10'
          ? ['job failed by timeout in active state']
          : ['job timed out', 'job heartbeat timeout'];
      for (const output of await failedRows(plain)) {
        expect(marks).toContain((output as { value: { message: string } }).value.message);
      }
      const expected = {
        [`${plain}/failed/timeout`]: MID_JOB,
        [`${withDlq}/dead_lettered/timeout`]: MID_JOB,
      };
      await eventually(async () => expect(await collectorOutcomes(producer)).toEqual(expected));
      await killWorker(supervisor, 'SIGTERM');
      expect(supervisor.started()).toHaveLength(0);

      // A live worker with no supervisor beside it: its own timer fails the job whose handler outlives
      // expireInSeconds, and its telemetry counts that attempt when the handler returns; the collector
      // must not count it too.
      const workMs = (EXPIRE_SECONDS + 1) * 1000;
      const live = await startWorker({ ...spec, instance: 'live', workMs, supervise: false });
      workers.push(live);
      await send(plain, 1);
      await eventually(async () => {
        expect(await failedRows(plain)).toHaveLength(MID_JOB + 1);
        expect(
          receivedTotal(
            receiver,
            'queuetel.job.outcomes',
            { 'messaging.destination.name': plain, 'queuetel.job.outcome': 'expired' },
            'live',
          ),
        ).toBe(1);
      }, 30_000);
      const collections = health.state().collections;
      await eventually(() => expect(health.state().collections).toBeGreaterThanOrEqual(collections + 3));
      expect(await collectorOutcomes(producer)).toEqual(expected);
      // Every job that ended has exactly one terminal outcome between the workers and the collector.
      const workerTerminal = ['completed', 'failed', 'expired', 'dead_lettered'].reduce(
        (sum, outcome) =>
          sum + receivedTotal(receiver, 'queuetel.job.outcomes', { 'queuetel.job.outcome': outcome }),
        0,
      );
      const collectorTerminal = Object.values(await collectorOutcomes(producer)).reduce((a, b) => a + b, 0);
      expect(workerTerminal + collectorTerminal).toBe(2 * MID_JOB + 1);
    }, 120_000);
  },
);
