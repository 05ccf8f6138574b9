import type { PgmqClient, Queryable } from '@queuetel/pgmq';
import { eventually, type TestBoss } from './pg-boss.js';

/** A string in every job's data, so a test can prove that no response or gauge ever carries it. */
export const PAYLOAD_MARKER = 'payload-marker-7f3a';

/** The parts of pg-boss 10 and 12 a workload drives by hand, beyond what TestBoss names. */
interface HandDriven {
  fetch(name: string, options?: object): Promise<{ id: string }[] | null>;
  complete(name: string, id: string): Promise<unknown>;
  fail(name: string, id: string): Promise<unknown>;
  getDb(): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };
}

/**
 * Returns once the database's clock has moved over a second past now, so that what was written
 * before the call is over a second old by the clock the gauges' ages are computed with.
 */
async function aSecondPasses(query: Queryable['query']): Promise<void> {
  const [{ start }] = (await query('SELECT now()::text AS start')).rows as [{ start: string }];
  await eventually(async () => {
    const { rows } = await query(`SELECT now() - $1::timestamptz > interval '1 second' AS past`, [start]);
    if (!(rows as [{ past: boolean }])[0].past) throw new Error('the database clock is not a second on yet');
  });
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
  const db = boss.getDb();
  await aSecondPasses((text, values) => db.executeSql(text, values));
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

/** The parts of the pgmq client a workload drives. */
type PgmqDriver = Pick<PgmqClient, 'create' | 'send' | 'sendBatch' | 'read' | 'delete' | 'archive'>;

/**
 * Puts pgmq queues in a known state, with no consumer involved:
 * - `orders`: 10 messages sent (6, then 3 a second later, then 1 delayed an hour); 2 of the first six
 *   read (hidden for an hour), one of them deleted, and a third archived. Left: 8 messages, 6 visible,
 *   2 invisible (one being processed, one delayed); 10 ever sent; the oldest is over a second old.
 * - `later`: one message delayed an hour, sent over a second ago: nothing is ready to run.
 * - `work`: one message, a queue of the same name as pg-boss's `work` in the same database.
 * - `empty`: no message ever.
 * Every payload and header holds {@link PAYLOAD_MARKER}, so tests can prove none ever leaks. `db` is
 * the same database, whose clock says when a second has passed.
 */
export async function runKnownPgmqWorkload(pgmq: PgmqDriver, db: Queryable): Promise<void> {
  for (const queue of ['orders', 'later', 'work', 'empty']) await pgmq.create(queue);
  const secret = { secret: PAYLOAD_MARKER };
  const headers = { 'x-secret': PAYLOAD_MARKER };
  const first = await pgmq.sendBatch(
    'orders',
    [1, 2, 3, 4, 5, 6].map((i) => ({ ...secret, i })),
    {
      headers: Array.from({ length: 6 }, () => headers),
    },
  );
  await pgmq.send('later', secret, { headers, delay: 3600 });
  await aSecondPasses((text, values) => db.query(text, values));
  await pgmq.sendBatch(
    'orders',
    [7, 8, 9].map((i) => ({ ...secret, i })),
  );
  await pgmq.send('orders', secret, { headers, delay: 3600 });
  const taken = await pgmq.read('orders', 3600, 2);
  if (taken.map((m) => m.msgId).join() !== first.slice(0, 2).join()) {
    throw new Error(`expected to read the first two messages, got ${taken.map((m) => m.msgId).join()}`);
  }
  await pgmq.delete('orders', first[0]!);
  await pgmq.archive('orders', first[2]!);
  await pgmq.send('work', secret, { headers });
}

/**
 * What the gauges must show after {@link runKnownPgmqWorkload}. pgmq tells visible messages
 * (`ready`) from invisible ones (`active`: being processed or delayed), and keeps a lifetime total.
 */
export const PGMQ_WORKLOAD_EXPECTATIONS = {
  jobs: {
    orders: { ready: 6, active: 2 },
    later: { ready: 0, active: 1 },
    work: { ready: 1, active: 0 },
    empty: { ready: 0, active: 0 },
  },
  enqueued: { orders: 10, later: 1, work: 1, empty: 0 },
} as const;
