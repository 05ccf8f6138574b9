import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTestTelemetry } from '../harness/otel.js';
import { BOSS_SETUPS, eventually, startBoss, type BossSetup } from '../harness/pg-boss.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('labels');
});
afterAll(async () => {
  await db.drop();
});

const slug = (setup: BossSetup) => setup.replace(/\W+/g, '_');

describe.each(BOSS_SETUPS)('pg-boss %s: bounded labels', (setup) => {
  it('keeps a label that sees 10,000 distinct values at its cap plus the markers, and counts the folds', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel, {
      labels: {
        customer: { from: 'data.customer' },
        status: { from: 'data.status', values: ['ok', 'late'] },
      },
    });
    const queue = `crowd_${slug(setup)}`;
    const total = 10_000;
    try {
      await started.boss.createQueue(queue);
      const jobs = Array.from({ length: total }, (_, i) => ({
        name: queue,
        // Every job a new customer; every 1,000th a missing one; status mostly allowed.
        data: {
          customer: i % 1000 === 999 ? undefined : `customer-${i}`,
          status: i % 10 === 0 ? 'odd' : 'ok',
        },
      }));
      if (setup === '10.x') await started.boss.insert(jobs);
      else await started.boss.insert(queue, jobs);
      await started.boss.work(
        queue,
        { batchSize: 500, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
        async () => {},
      );
      await eventually(async () => {
        const rows = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${started.schema}.job WHERE name = $1 AND state = 'completed'`,
          [queue],
        );
        expect(Number(rows[0]!.n)).toBe(total);
      }, 60_000);

      const metrics = await otel.collect();
      const customers = metrics.valuesOf('queuetel.job.duration', 'customer');
      const markers = customers.filter((value) => String(value).startsWith('_'));
      expect(customers).toHaveLength(50 + markers.length);
      expect(markers.sort()).toEqual(['_missing', '_overflow']);
      expect(metrics.valuesOf('queuetel.job.duration', 'status').sort()).toEqual(['_other', 'ok']);
      expect(metrics.total('queuetel.job.attempts', { 'messaging.destination.name': queue })).toBe(total);
      // 10 of the 10,000 are missing, 50 fill the cap; every other value was folded.
      expect(
        metrics.total('queuetel.label.folded', {
          'queuetel.label.key': 'customer',
          'queuetel.label.reason': 'overflow',
        }),
      ).toBe(total - 10 - 50);
      expect(
        metrics.total('queuetel.label.folded', {
          'queuetel.label.key': 'status',
          'queuetel.label.reason': 'other',
        }),
      ).toBe(total / 10);
    } finally {
      await started.stop();
    }
  });

  it('completes a job whose label extractor throws, recording the error marker', async () => {
    const otel = createTestTelemetry();
    const started = await startBoss(setup, db.url, otel, {
      labels: {
        tenant: {
          from: (job) => (job.data as { tenant: { id: string } }).tenant.id,
        },
      },
    });
    const queue = `brittle_${slug(setup)}`;
    try {
      await started.boss.createQueue(queue, { retryLimit: 0 });
      let handled = 0;
      await started.boss.work(queue, { pollingIntervalSeconds: 0.5 }, async () => {
        handled++;
      });
      const id = await started.boss.send(queue, { no: 'tenant here' });
      await eventually(async () =>
        expect((await started.boss.getJobById(queue, id!))?.state).toBe('completed'),
      );
      expect(handled).toBe(1);
      const metrics = await otel.collect();
      expect(
        metrics.total('queuetel.job.duration', { tenant: '_error', 'queuetel.job.outcome': 'completed' }),
      ).toBe(1);
    } finally {
      await started.stop();
    }
  });
});
