import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATTERNS } from '../../benchmarks/throughput/patterns.js';
import { PG_BOSS_SYSTEM } from '../../benchmarks/throughput/pg-boss-system.js';
import { PGMQ_SYSTEM } from '../../benchmarks/throughput/pgmq-system.js';
import type { Configuration } from '../../benchmarks/throughput/system.js';
import { Lane } from '../../benchmarks/throughput/trial.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

// The throughput benchmark's harness, checked on real pg-boss and PostgreSQL with a few jobs: every
// configuration runs, every job is counted once, and the regression switch lands only on queuetel's
// side. No timing is asserted beyond what the switch itself guarantees.
describe('the throughput benchmark harness', () => {
  let database: TestDatabase;
  let configurations: Configuration[];

  beforeAll(async () => {
    database = await createTestDatabase('bench');
    configurations = await PG_BOSS_SYSTEM.start([...PG_BOSS_SYSTEM.configurations, 'bare+metadata'], {
      url: database.url,
      poolSize: 4,
    });
  });

  afterAll(async () => {
    for (const configuration of configurations ?? []) await configuration.close();
    await database?.drop();
  });

  const settings = { batchSize: 10, concurrency: 1, pollingSeconds: 0.5, burst: true, notify: false };

  it('drains a backlog and a steady stream through every configuration, counting each job once', async () => {
    for (const configuration of configurations) {
      const lane = await Lane.open(configuration, { settings, handler: 'noop', regressionMicros: 0 });
      try {
        const burst = await lane.run(PATTERNS.burst.schedule(100, 1));
        expect(burst.jobs, configuration.id).toBe(100);
        expect(burst.throughput, configuration.id).toBeGreaterThan(0);
        expect(burst.latencyMs.p50).toBeGreaterThanOrEqual(0);
        expect(burst.latencyMs.p99).toBeGreaterThanOrEqual(burst.latencyMs.p50);
        const steady = await lane.run(PATTERNS.steady.schedule(200, 0.5));
        expect(steady.jobs, configuration.id).toBe(PATTERNS.steady.schedule(200, 0.5).total);
      } finally {
        await lane.close();
      }
    }
  });

  it("adds the regression switch's delay to instrumented configurations only", async () => {
    const byId = (id: string) => configurations.find((c) => c.id === id)!;
    const busyPerJob = async (configuration: Configuration) => {
      const lane = await Lane.open(configuration, { settings, handler: 'noop', regressionMicros: 3000 });
      try {
        return (await lane.run(PATTERNS.burst.schedule(20, 1))).loopMicrosPerJob;
      } finally {
        await lane.close();
      }
    };
    // The switch busies the event loop for 3 ms on each job it applies to.
    expect(await busyPerJob(byId('queuetel'))).toBeGreaterThanOrEqual(3000);
    expect(await busyPerJob(byId('bare'))).toBeLessThan(3000);
  });
});

// pgmq's side of the harness: the hand-written loop and consume(), on the pgmq-compatible schema.
describe('the throughput benchmark harness on pgmq', () => {
  let database: TestDatabase;
  let configurations: Configuration[];

  beforeAll(async () => {
    database = await createTestDatabase('bench_pgmq');
    configurations = await PGMQ_SYSTEM.start(PGMQ_SYSTEM.configurations, { url: database.url, poolSize: 4 });
  });

  afterAll(async () => {
    for (const configuration of configurations ?? []) await configuration.close();
    await database?.drop();
  });

  it('drains a backlog and a steady stream through both configurations, and drops each queue after', async () => {
    const settings = { batchSize: 10, concurrency: 1, pollingSeconds: 0.1, burst: true, notify: false };
    expect(configurations.map((c) => c.id)).toEqual(['bare', 'queuetel']);
    for (const configuration of configurations) {
      const lane = await Lane.open(configuration, { settings, handler: 'io-1ms', regressionMicros: 0 });
      try {
        const burst = await lane.run(PATTERNS.burst.schedule(100, 1));
        expect(burst.jobs, configuration.id).toBe(100);
        expect(burst.throughput, configuration.id).toBeGreaterThan(0);
        const steady = await lane.run(PATTERNS.steady.schedule(200, 0.5));
        expect(steady.jobs, configuration.id).toBe(PATTERNS.steady.schedule(200, 0.5).total);
      } finally {
        await lane.close();
      }
      const left = await database.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgmq.list_queues() WHERE queue_name = $1`,
        [lane.queue],
      );
      expect(left[0]!.n, configuration.id).toBe(0);
    }
  });
});
