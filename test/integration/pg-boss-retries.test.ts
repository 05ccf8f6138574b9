import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type MetricsSnapshot, type TestTelemetry } from '../harness/otel.js';
import { BOSS_SETUPS, eventually, startBoss, type BossSetup } from '../harness/pg-boss.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('retries');
});
afterAll(async () => {
  await db.drop();
});

/** The supervisor's sweep, which fails an attempt that stayed active too long, every second. */
const SWEEP_EVERY_SECOND: Record<BossSetup, Record<string, number>> = {
  '10.x': { maintenanceIntervalSeconds: 1 },
  '12.38 built-in on': { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 },
  '12.38 built-in off': { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 },
};

/** The queue's metrics once no attempt of it is in flight. */
async function settled(otel: TestTelemetry, queue: string): Promise<MetricsSnapshot> {
  return eventually(async () => {
    const collected = await otel.collect();
    expect(collected.total('queuetel.job.in_flight', { 'messaging.destination.name': queue })).toBe(0);
    return collected;
  });
}

/** One job, two attempts: the first retried as a timeout, the second completed; nothing twice. */
function expectOneRetryThenCompleted(metrics: MetricsSnapshot, durations: number): void {
  const outcome = (name: string, more: Record<string, string> = {}) =>
    metrics.total('queuetel.job.outcomes', { 'queuetel.job.outcome': name, ...more });
  expect(outcome('retried', { 'error.type': 'timeout' })).toBe(1);
  expect(outcome('completed')).toBe(1);
  expect(metrics.total('queuetel.job.outcomes')).toBe(2);
  expect(metrics.total('queuetel.job.duration')).toBe(durations);
}

describe.each(BOSS_SETUPS)('pg-boss %s: retries and outcomes', (setup) => {
  it('counts a job that fails twice and then succeeds as 3 attempts, 2 retries and 1 completion', async () => {
    const otel = createTestTelemetry();
    const { boss, stop } = await startBoss(setup, db.url, otel, {
      labels: { project: { from: 'data.project' } },
    });
    const queue = `flaky_${setup.replace(/\W+/g, '_')}`;
    try {
      await boss.createQueue(queue, { retryLimit: 3, retryDelay: 0 });
      let runs = 0;
      await boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {
        runs++;
        if (runs <= 2) throw new Error(`attempt ${runs} failed`);
      });
      const id = await boss.send(queue, { project: 'acme' });
      await eventually(async () => {
        const job = await boss.getJobById(queue, id!);
        expect(job?.state).toBe('completed');
      });

      const spans = otel.spans().filter((span) => span.name === `process ${queue}`);
      expect(spans).toHaveLength(3);
      expect(spans.map((span) => span.status.code)).toEqual([
        SpanStatusCode.ERROR,
        SpanStatusCode.ERROR,
        SpanStatusCode.UNSET,
      ]);
      expect(spans.map((span) => span.attributes['queuetel.job.attempt'])).toEqual([1, 2, 3]);
      expect(spans.map((span) => span.attributes['queuetel.job.outcome'])).toEqual([
        'retried',
        'retried',
        'completed',
      ]);
      expect(spans.every((span) => span.attributes.project === 'acme')).toBe(true);

      const metrics = await otel.collect();
      const where = { 'messaging.destination.name': queue, project: 'acme' };
      // Attempts, outcomes and jobs in flight are per queue; wait times and durations carry the
      // labels, and the duration's count counts the attempts by label.
      const perQueue = { 'messaging.destination.name': queue };
      const outcome = (name: string) =>
        metrics.total('queuetel.job.outcomes', { ...perQueue, 'queuetel.job.outcome': name });
      const byLabel = (name: string) =>
        metrics.total('queuetel.job.duration', { ...where, 'queuetel.job.outcome': name });
      expect(metrics.total('queuetel.job.attempts', perQueue)).toBe(3);
      expect(outcome('retried')).toBe(2);
      expect(outcome('completed')).toBe(1);
      expect(outcome('failed')).toBe(0);
      expect(byLabel('retried')).toBe(2);
      expect(byLabel('completed')).toBe(1);
      expect(metrics.total('queuetel.job.in_flight', perQueue)).toBe(0);
      // 10.x fetches every job's metadata, so each retry has its wait from database timestamps; 12.38
      // fetches none, and the producer's stamp dates only the first attempt.
      expect(metrics.total('queuetel.job.wait_time', where)).toBe(setup === '10.x' ? 3 : 1);
    } finally {
      await stop();
    }
  });

  it('counts a job that exhausts its retries into a dead-letter queue once, as dead-lettered', async () => {
    const otel = createTestTelemetry();
    const { boss, schema, stop } = await startBoss(setup, db.url, otel);
    const suffix = setup.replace(/\W+/g, '_');
    const queue = `doomed_${suffix}`;
    const deadLetter = `graveyard_${suffix}`;
    try {
      await boss.createQueue(deadLetter);
      await boss.createQueue(queue, { retryLimit: 1, retryDelay: 0, deadLetter });
      await boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {
        throw new TypeError('never works');
      });
      const id = await boss.send(queue, { order: 7 });
      await eventually(async () => {
        expect((await boss.getJobById(queue, id!))?.state).toBe('failed');
      });
      const copies = await db.query(`SELECT data FROM ${schema}.job WHERE name = $1`, [deadLetter]);
      expect(copies).toHaveLength(1);
      // The copy keeps the trace context, so a worker on the dead-letter queue links back to the send.
      expect(copies[0]!.data).toMatchObject({ order: 7 });

      const metrics = await otel.collect();
      const where = { 'messaging.destination.name': queue };
      const outcome = (name: string) =>
        metrics.total('queuetel.job.outcomes', { ...where, 'queuetel.job.outcome': name });
      expect(metrics.total('queuetel.job.attempts', where)).toBe(2);
      expect(outcome('retried')).toBe(1);
      expect(outcome('dead_lettered')).toBe(1);
      expect(outcome('failed')).toBe(0);
      expect(metrics.total('queuetel.job.outcomes', { ...where, 'error.type': 'TypeError' })).toBe(2);
      // The trace tells the retry from the dead letter too.
      const spans = otel.spans().filter((span) => span.name === `process ${queue}`);
      expect(spans.map((span) => span.attributes['queuetel.job.outcome'])).toEqual([
        'retried',
        'dead_lettered',
      ]);
    } finally {
      await stop();
    }
  });

  it('counts an attempt that outlived expireInSeconds once, as retried, though its retry follows', async () => {
    const otel = createTestTelemetry();
    // pg-boss's default supervise interval: the worker's own timer fails the attempt, as it does in
    // production. A sweep every second could beat it (see docs/reliability.md).
    const { boss, stop } = await startBoss(setup, db.url, otel);
    const queue = `overrun_${setup.replace(/\W+/g, '_')}`;
    try {
      await boss.createQueue(queue, { retryLimit: 1, retryDelay: 0, expireInSeconds: 1 });
      let runs = 0;
      await boss.work<{ id: string }>(queue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
        // The first attempt outlives its limit: it returns only once pg-boss has failed it for that.
        if (++runs === 1) {
          await eventually(async () => expect((await boss.getJobById(queue, job!.id))?.state).toBe('retry'));
        }
      });
      const id = await boss.send(queue, {});
      await eventually(async () => expect((await boss.getJobById(queue, id!))?.state).toBe('completed'));
      expectOneRetryThenCompleted(await settled(otel, queue), 2);
    } finally {
      await stop();
    }
  });

  it("counts an attempt whose worker never came back once, on the retry, from pg-boss's own expiry", async () => {
    const otel = createTestTelemetry();
    const { boss, stop } = await startBoss(setup, db.url, otel, {}, SWEEP_EVERY_SECOND[setup]);
    const queue = `abandoned_${setup.replace(/\W+/g, '_')}`;
    try {
      await boss.createQueue(queue, { retryLimit: 1, retryDelay: 0, expireInSeconds: 1 });
      const id = await boss.send(queue, {});
      // A worker that took the job and died: fetched, never settled, until the supervisor expires it.
      const fetched = await (boss as unknown as { fetch(name: string): Promise<unknown[]> }).fetch(queue);
      expect(fetched).toHaveLength(1);
      await boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {});
      await eventually(async () => expect((await boss.getJobById(queue, id!))?.state).toBe('completed'));
      // No worker saw the first attempt end, so only one duration.
      expectOneRetryThenCompleted(await settled(otel, queue), 1);
    } finally {
      await stop();
    }
  });

  it('counts a handler that returned after expireInSeconds as expired, a timeout, on the metric and the span', async () => {
    const otel = createTestTelemetry();
    const { boss, stop } = await startBoss(setup, db.url, otel);
    const queue = `late_${setup.replace(/\W+/g, '_')}`;
    try {
      await boss.createQueue(queue, { retryLimit: 0, expireInSeconds: 1 });
      // The handler's own work outlives the job's one-second limit; then it returns normally.
      await boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1300));
        return 'finished late';
      });
      await boss.send(queue, { report: 1 });
      const where = { 'messaging.destination.name': queue };
      const metrics = await eventually(async () => {
        const collected = await otel.collect();
        expect(collected.total('queuetel.job.attempts', where)).toBe(1);
        expect(collected.total('queuetel.job.in_flight', where)).toBe(0);
        return collected;
      });
      expect(
        metrics.total('queuetel.job.outcomes', {
          ...where,
          'queuetel.job.outcome': 'expired',
          'error.type': 'timeout',
        }),
      ).toBe(1);
      expect(metrics.total('queuetel.job.outcomes', where)).toBe(1);

      // pg-boss 12's built-in span ends when the job times out, before the handler returns, so only
      // queuetel's own span can carry the verdict.
      if (setup !== '12.38 built-in on') {
        const [span] = otel.spans().filter((span) => span.name === `process ${queue}`);
        expect(span!.attributes['queuetel.job.outcome']).toBe('expired');
        expect(span!.attributes['error.type']).toBe('timeout');
        expect(span!.status.code).toBe(SpanStatusCode.ERROR);
      }
    } finally {
      await stop();
    }
  });
});
