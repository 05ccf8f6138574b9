import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { PgmqClient } from '@queuetel/pgmq';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { BOSS_SETUPS, eventually, startBoss, type StartedBoss } from '../harness/pg-boss.js';
import { consumeUntil, createPgmqDatabase, openPool } from '../harness/pgmq.js';
import { HOSTILE_THROWS } from '../harness/thrown-values.js';

const queueOf = (index: number) => `thrown_${index}`;

/**
 * Values pg-boss 10 itself cannot fail a job with, queuetel or not: its `fail` serializes the error
 * (`Array.isArray`, serialize-error) unguarded, and the rejection escapes its worker loop, which ends
 * the process. queuetel rethrows them unchanged, as it must; docs/reliability.md says so.
 */
const PG_BOSS_10_CANNOT_FAIL = new Set([
  'a revoked proxy',
  'a revoked proxy of an Error',
  'a proxy whose every trap throws',
  'an Error whose getters throw',
]);

describe.each(BOSS_SETUPS)('pg-boss %s: whatever a handler throws', (setup) => {
  let db: TestDatabase;
  let started: StartedBoss;
  const otel = createTestTelemetry();
  beforeAll(async () => {
    db = await createTestDatabase('faults_thrown');
    started = await startBoss(setup, db.url, otel);
  });
  afterAll(async () => {
    await started.stop();
    await db.drop();
  });

  it('fails the job and records one outcome, with its span ended and nothing left in flight', async () => {
    const { boss } = started;
    const thrownBy = new Map<string, unknown>();
    const cases = [...HOSTILE_THROWS.entries()].filter(
      ([, { name }]) => setup !== '10.x' || !PG_BOSS_10_CANNOT_FAIL.has(name),
    );
    for (const [index, { make }] of cases) {
      const queue = queueOf(index);
      await boss.createQueue(queue, { retryLimit: 0 });
      await boss.send(queue, { index });
      await boss.work(queue, { pollingIntervalSeconds: 0.5 }, () => {
        const thrown = make();
        thrownBy.set(queue, thrown);
        throw thrown;
      });
    }
    const where = (queue: string) => ({ 'messaging.destination.name': queue });
    const metrics = await eventually(async () => {
      const collected = await otel.collect();
      for (const [index] of cases) {
        expect(collected.total('queuetel.job.outcomes', where(queueOf(index)))).toBe(1);
      }
      return collected;
    });
    for (const [index, { name }] of cases) {
      const queue = queueOf(index);
      expect(thrownBy.has(queue), name).toBe(true);
      expect(
        metrics.total('queuetel.job.outcomes', { ...where(queue), 'queuetel.job.outcome': 'failed' }),
        name,
      ).toBe(1);
      expect(metrics.total('queuetel.job.in_flight', where(queue)), name).toBe(0);
      expect(metrics.total('queuetel.job.duration', where(queue)), name).toBe(1);
      // With pg-boss 12's built-in telemetry on, the span is pg-boss's own, which queuetel only adds
      // to; pg-boss's recordError calls String() on the value unguarded and then never ends a span
      // for a null-prototype object. The outcome above is queuetel's, and it is there.
      if (setup === '12.38 built-in on') continue;
      const spans = otel.spans().filter((span) => span.name === `process ${queue}`);
      expect(spans, name).toHaveLength(1);
      expect(spans[0]!.ended, name).toBe(true);
      expect(spans[0]!.status.code, name).toBe(SpanStatusCode.ERROR);
    }
  });
});

describe('the pgmq consumer: whatever a handler throws', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createPgmqDatabase('faults_thrown_pgmq');
    pool = openPool(db, 8);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it.each(HOSTILE_THROWS.map((value, index) => ({ ...value, index })))(
    '$name: onError gets the value itself, the message is archived, one outcome, nothing in flight',
    async ({ make, index }) => {
      const otel = createTestTelemetry();
      const pgmq = new PgmqClient(pool, otel.providers);
      const queue = queueOf(index);
      await pgmq.create(queue);
      // Two messages under a concurrency of four: the consumer runs below full concurrency, where a
      // rejected handling promise would go unobserved.
      await pgmq.send(queue, { n: 1 });
      await pgmq.send(queue, { n: 2 });
      const thrown: unknown[] = [];
      const received: unknown[] = [];
      await consumeUntil(
        pgmq,
        queue,
        () => {
          const value = make();
          thrown.push(value);
          throw value;
        },
        { maxReads: 1, concurrency: 4, onError: (error) => received.push(error) },
        async () => {
          const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pgmq.a_${queue}`);
          expect(Number(rows[0]!.n)).toBe(2);
        },
      );
      expect(thrown).toHaveLength(2);
      expect(received).toHaveLength(2);
      for (const value of thrown) expect(received.some((r) => Object.is(r, value))).toBe(true);

      const metrics = await otel.collect();
      const where = { 'messaging.destination.name': queue };
      expect(metrics.total('queuetel.job.outcomes', { ...where, 'queuetel.job.outcome': 'failed' })).toBe(2);
      expect(metrics.total('queuetel.job.outcomes', where)).toBe(2);
      expect(metrics.total('queuetel.job.in_flight', where)).toBe(0);
      const spans = otel.spans().filter((span) => span.name === `process ${queue}`);
      expect(spans).toHaveLength(2);
      expect(spans.every((span) => span.ended)).toBe(true);
    },
  );
});
