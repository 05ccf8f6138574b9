import type { TestBoss } from './pg-boss.js';

/** A string in every job's data, so a test can prove that no response or gauge ever carries it. */
export const PAYLOAD_MARKER = 'payload-marker-7f3a';

/** The parts of pg-boss 10 and 12 a workload drives by hand, beyond what TestBoss names. */
interface HandDriven {
  fetch(name: string, options?: object): Promise<{ id: string }[] | null>;
  complete(name: string, id: string): Promise<unknown>;
  fail(name: string, id: string): Promise<unknown>;
}

/**
 * Puts the queues of one pg-boss schema in a known state, with no worker involved:
 * - `work` (dead letters go to `work_dlq`, no retries): 5 ready, 3 deferred an hour, 2 active,
 *   2 failed for good (so 2 wait in `work_dlq`), 1 completed;
 * - `flaky` (one retry, an hour later): 1 job failed once and waiting to be retried;
 * - `other`: empty.
 * The five ready jobs are a second older than the rest, so the oldest-age gauge has something to show.
 */
export async function runKnownWorkload(testBoss: TestBoss): Promise<void> {
  const boss = testBoss as TestBoss & HandDriven;
  await boss.createQueue('work_dlq');
  await boss.createQueue('work', { deadLetter: 'work_dlq', retryLimit: 0 });
  await boss.createQueue('flaky', { retryLimit: 1, retryDelay: 3600 });
  await boss.createQueue('other');
  for (let i = 0; i < 10; i++) await boss.send('work', { secret: PAYLOAD_MARKER, i });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  for (let i = 0; i < 3; i++) await boss.send('work', { secret: PAYLOAD_MARKER }, { startAfter: 3600 });
  const taken = (await boss.fetch('work', { batchSize: 5 })) ?? [];
  if (taken.length !== 5) throw new Error(`expected to fetch 5 jobs, got ${taken.length}`);
  await boss.fail('work', taken[0]!.id);
  await boss.fail('work', taken[1]!.id);
  await boss.complete('work', taken[2]!.id);
  await boss.send('flaky', { secret: PAYLOAD_MARKER });
  const [flaky] = (await boss.fetch('flaky')) ?? [];
  if (!flaky) throw new Error('expected to fetch the flaky job');
  await boss.fail('flaky', flaky.id);
}

/**
 * What the gauges must show after {@link runKnownWorkload}. pg-boss 10 is counted from its job
 * table, state by state; pg-boss 12's cache has no `retry` state (a job waiting to be retried is
 * ready or deferred by when it may run) but has `blocked`, and it keeps an instance registry.
 */
export const WORKLOAD_EXPECTATIONS = {
  '10.x': {
    jobs: {
      work: { ready: 5, deferred: 3, retry: 0, active: 2, failed: 2 },
      work_dlq: { ready: 2, deferred: 0, retry: 0, active: 0, failed: 0 },
      flaky: { ready: 0, deferred: 0, retry: 1, active: 0, failed: 0 },
      other: { ready: 0, deferred: 0, retry: 0, active: 0, failed: 0 },
    },
    workers: {
      work: { 'queuetel-consumer': 1 },
      other: { 'queuetel-consumer': 0 },
    },
  },
  '12.x': {
    jobs: {
      work: { ready: 5, deferred: 3, blocked: 0, active: 2, failed: 2 },
      work_dlq: { ready: 2, deferred: 0, blocked: 0, active: 0, failed: 0 },
      flaky: { ready: 0, deferred: 1, blocked: 0, active: 0, failed: 0 },
      other: { ready: 0, deferred: 0, blocked: 0, active: 0, failed: 0 },
    },
    workers: {
      work: { 'pg-boss-instance': 0, 'queuetel-consumer': 1 },
      other: { 'pg-boss-instance': 1, 'queuetel-consumer': 0 },
    },
  },
} as const;
