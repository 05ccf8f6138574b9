import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type TestTelemetry } from '../harness/otel.js';
import { BOSS_SETUPS, eventually, startBoss, type BossSetup, type StartedBoss } from '../harness/pg-boss.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('spans');
});
afterAll(async () => {
  await db.drop();
});

const named = (otel: TestTelemetry, name: string): ReadableSpan[] =>
  otel.spans().filter((span) => span.name === name);
const slug = (setup: BossSetup) => setup.replace(/\W+/g, '_');

describe.each(BOSS_SETUPS)('pg-boss %s: spans', (setup) => {
  it('makes exactly one send span per send and one process span per batch, never two', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel);
    const queue = `batches_${slug(setup)}`;
    try {
      await started.boss.createQueue(queue);
      // Fill the queue before the worker starts, so it fetches whole batches of 20.
      await sendJobs(started, queue, 40);
      await started.boss.work(queue, { batchSize: 20, pollingIntervalSeconds: 0.5 }, async () => {});
      await waitCompleted(started, queue, 40);
      expect(named(otel, `send ${queue}`)).toHaveLength(40);
      const process = named(otel, `process ${queue}`);
      expect(process).toHaveLength(2);
      for (const span of process) {
        expect(span.kind).toBe(SpanKind.CONSUMER);
        expect(span.attributes['messaging.batch.message_count']).toBe(20);
        expect(span.links).toHaveLength(20);
      }
    } finally {
      await started.stop();
    }
  });

  it('gives each job of a batch a process span of its own with eachJob (pg-boss decides when built in)', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel, { labels: { project: { from: 'data.project' } } });
    const queue = `each_${slug(setup)}`;
    try {
      await started.boss.createQueue(queue);
      await sendJobs(started, queue, 20, (i) => ({ i, project: i % 2 === 0 ? 'acme' : 'globex' }));
      const seen: unknown[] = [];
      await started.boss.work(
        queue,
        { batchSize: 20, pollingIntervalSeconds: 0.5 },
        started.instrumentation.eachJob(async (job) => {
          seen.push(job.data);
        }),
      );
      await waitCompleted(started, queue, 20);
      expect(seen).toHaveLength(20);
      const process = named(otel, `process ${queue}`);
      if (setup === '12.38 built-in on') {
        // pg-boss's own span covers the batch; queuetel adds to it and never makes a second one.
        expect(process).toHaveLength(1);
        expect(process[0]!.attributes['messaging.batch.message_count']).toBe(20);
        // The labels vary within the batch: the span carries their distinct values.
        expect([...(process[0]!.attributes.project as string[])].sort()).toEqual(['acme', 'globex']);
      } else {
        expect(process).toHaveLength(20);
        expect(process.filter((span) => span.attributes.project === 'acme')).toHaveLength(10);
        expect(new Set(process.map((span) => span.attributes['messaging.message.id'])).size).toBe(20);
      }
    } finally {
      await started.stop();
    }
  });

  it('fails only the job that threw when eachJob runs a batch', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel);
    const queue = `partial_${slug(setup)}`;
    try {
      await started.boss.createQueue(queue, { retryLimit: 0 });
      await sendJobs(started, queue, 5, (i) => ({ i }));
      await started.boss.work(
        queue,
        { batchSize: 5, pollingIntervalSeconds: 0.5 },
        started.instrumentation.eachJob(async (job: { data: { i: number } }) => {
          if (job.data.i === 3) throw new Error('only three fails');
        }),
      );
      await eventually(async () => {
        const rows = await db.query<{ state: string; n: string }>(
          `SELECT state, count(*) AS n FROM ${started.schema}.job WHERE name = $1 GROUP BY state ORDER BY state`,
          [queue],
        );
        expect(rows.map((row) => [row.state, Number(row.n)])).toEqual([
          ['completed', 4],
          ['failed', 1],
        ]);
      });
      const metrics = await otel.collect();
      expect(
        metrics.total('queuetel.job.outcomes', {
          'messaging.destination.name': queue,
          'queuetel.job.outcome': 'completed',
        }),
      ).toBe(4);
      expect(
        metrics.total('queuetel.job.outcomes', {
          'messaging.destination.name': queue,
          'queuetel.job.outcome': 'failed',
        }),
      ).toBe(1);
      const process = named(otel, `process ${queue}`);
      if (setup === '12.38 built-in on') {
        expect(process[0]!.events.filter((event) => event.name === 'queuetel.job.failed')).toHaveLength(1);
      } else {
        expect(process.filter((span) => span.status.code === SpanStatusCode.ERROR)).toHaveLength(1);
      }
    } finally {
      await started.stop();
    }
  });

  it('continues the producer trace into a single job and hands the handler its data untouched', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel, { producerRelationship: 'child' });
    const queue = `traced_${slug(setup)}`;
    try {
      await started.boss.createQueue(queue);
      const received: unknown[] = [];
      await started.boss.work(queue, { pollingIntervalSeconds: 0.5 }, async (jobs: { data: unknown }[]) => {
        received.push(jobs[0]!.data);
      });
      await started.boss.send(queue, { to: 'ada@example.com' });
      await started.boss.send(queue, null);
      await waitCompleted(started, queue, 2);
      expect(received).toEqual([{ to: 'ada@example.com' }, null]);
      const sends = named(otel, `send ${queue}`);
      const process = named(otel, `process ${queue}`);
      expect(sends).toHaveLength(2);
      expect(process).toHaveLength(2);
      for (const span of process) {
        const parent = sends.find((send) => send.spanContext().spanId === span.parentSpanContext?.spanId);
        expect(parent, 'each process span is the child of its send').toBeDefined();
        expect(span.spanContext().traceId).toBe(parent!.spanContext().traceId);
      }
    } finally {
      await started.stop();
    }
  });

  it('records a handler that throws a string as a failure with error.type _OTHER', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel);
    const queue = `strings_${slug(setup)}`;
    try {
      await started.boss.createQueue(queue, { retryLimit: 0 });
      await started.boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
        throw 'not an Error';
      });
      const id = await started.boss.send(queue, {});
      await eventually(async () => expect((await started.boss.getJobById(queue, id!))?.state).toBe('failed'));
      const [span] = named(otel, `process ${queue}`);
      expect(span!.status.code).toBe(SpanStatusCode.ERROR);
      expect(span!.attributes['error.type']).toBe('_OTHER');
      const metrics = await otel.collect();
      expect(
        metrics.total('queuetel.job.outcomes', {
          'messaging.destination.name': queue,
          'queuetel.job.outcome': 'failed',
          'error.type': '_OTHER',
        }),
      ).toBe(1);
    } finally {
      await started.stop();
    }
  });
});

describe('linking, the default relationship', () => {
  it('starts a new trace for a single job, linked to its send', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss('10.x', db.url, otel);
    const queue = 'linked';
    try {
      await started.boss.createQueue(queue);
      await started.boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {});
      await started.boss.send(queue, {});
      await waitCompleted(started, queue, 1);
      const [send] = named(otel, `send ${queue}`);
      const [process] = named(otel, `process ${queue}`);
      expect(process!.parentSpanContext).toBeUndefined();
      expect(process!.spanContext().traceId).not.toBe(send!.spanContext().traceId);
      expect(process!.links.map((link) => link.context.spanId)).toEqual([send!.spanContext().spanId]);
    } finally {
      await started.stop();
    }
  });
});

/** Sends `count` jobs one by one, before any worker runs, so that it fetches full batches. */
async function sendJobs(
  started: StartedBoss,
  queue: string,
  count: number,
  data: (i: number) => object = (i) => ({ i }),
) {
  for (let i = 0; i < count; i++) await started.boss.send(queue, data(i));
}

async function waitCompleted(started: StartedBoss, queue: string, count: number) {
  await eventually(async () => {
    const rows = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${started.schema}.job WHERE name = $1 AND state = 'completed'`,
      [queue],
    );
    expect(Number(rows[0]!.n)).toBe(count);
  });
}

describe('beside pg-boss 12.38 built-in telemetry', () => {
  it.each(BOSS_SETUPS)(
    '%s: records the messaging metrics exactly once, from whoever makes the spans',
    async (setup) => {
      const otel = createTestTelemetry();
      const started = await startBoss(setup, db.url, otel);
      const queue = `metrics_${slug(setup)}`;
      try {
        await started.boss.createQueue(queue);
        await started.boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {});
        await started.boss.send(queue, {});
        await waitCompleted(started, queue, 1);
        const metrics = await otel.collect();
        const byScope = new Map(
          metrics.resourceMetrics.scopeMetrics.map((scope) => [
            scope.scope.name,
            scope.metrics.map((m) => m.descriptor.name),
          ]),
        );
        const ours = byScope.get('@queuetel/pg-boss') ?? [];
        const theirs = byScope.get('pg-boss') ?? [];
        expect(ours).toEqual(
          expect.arrayContaining([
            'queuetel.job.attempts',
            'queuetel.job.duration',
            'queuetel.job.wait_time',
          ]),
        );
        const messaging = [
          'messaging.process.duration',
          'messaging.client.sent.messages',
          'messaging.client.consumed.messages',
        ];
        if (setup === '12.38 built-in on') {
          expect(theirs).toEqual(expect.arrayContaining(messaging));
          expect(ours.filter((name) => name.startsWith('messaging.'))).toEqual([]);
        } else {
          expect(theirs).toEqual([]);
          expect(ours).toEqual(expect.arrayContaining(messaging));
        }
        expect(
          metrics.total('messaging.client.consumed.messages', { 'messaging.destination.name': queue }),
        ).toBe(1);
        expect(metrics.total('messaging.process.duration', { 'messaging.destination.name': queue })).toBe(1);
      } finally {
        await started.stop();
      }
    },
  );
});
