import { PgBoss } from 'pg-boss';
import PgBoss10 from 'pg-boss-10';
import pg from 'pg';
import { PgmqClient } from '@queuetel/pgmq';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import type { TestBoss } from '../harness/pg-boss.js';
import { createPgmqDatabase } from '../harness/pgmq.js';
import type { QueueKind } from './worker-process.js';

/** Seconds an attempt may stay active (pg-boss) or invisible (pgmq, the worker's vt) before it comes back. */
export const EXPIRE_SECONDS = 3;

/**
 * The test's side of a queue a worker process works: a database of its own, the queue, jobs sent
 * to it, and what the database says became of them. The test's own client is not instrumented.
 */
export interface TestQueue {
  readonly db: TestDatabase;
  readonly name: string;
  /** Sends `count` jobs in one statement, so that a worker takes them in one fetch. */
  send(count: number, data?: Record<string, unknown>): Promise<void>;
  /** Jobs that completed: pg-boss's `completed` rows, or pgmq messages deleted from the queue. */
  completed(): Promise<number>;
  /** Jobs neither completed nor failed for good. */
  pending(): Promise<number>;
  close(): Promise<void>;
}

export async function openTestQueue(kind: QueueKind, name: string): Promise<TestQueue> {
  return kind === 'pgmq' ? openPgmq(name) : openPgBoss(kind, name);
}

/**
 * The test's own pg-boss, started: no supervisor and no worker, since expiring and running jobs is
 * the worker processes' part; it only makes queues and sends.
 */
export async function startTestBoss(kind: 'pg-boss-10' | 'pg-boss-12', url: string): Promise<TestBoss> {
  const common = { connectionString: url, max: 2, schedule: false, supervise: false };
  const boss = (kind === 'pg-boss-10'
    ? new PgBoss10(common)
    : new PgBoss({ ...common, openTelemetry: { enabled: false } })) as unknown as TestBoss;
  (boss as unknown as NodeJS.EventEmitter).on('error', () => {});
  await boss.start();
  return boss;
}

async function openPgBoss(kind: 'pg-boss-10' | 'pg-boss-12', name: string): Promise<TestQueue> {
  const db = await createTestDatabase('faults_worker');
  const boss = await startTestBoss(kind, db.url);
  await boss.createQueue(name, { retryLimit: 2, retryDelay: 0, expireInSeconds: EXPIRE_SECONDS });
  const states = async (): Promise<Map<string, number>> => {
    const rows = await db.query<{ state: string; count: number }>(
      'SELECT state::text AS state, count(*)::int AS count FROM pgboss.job WHERE name = $1 GROUP BY state',
      [name],
    );
    return new Map(rows.map((row) => [row.state, row.count]));
  };
  return {
    db,
    name,
    async send(count, data = {}) {
      const jobs = Array.from({ length: count }, () => ({ data }));
      // 10.x takes the queue in each job, 12.x as the first argument.
      if (kind === 'pg-boss-10') await boss.insert(jobs.map((job) => ({ name, ...job })));
      else await boss.insert(name, jobs);
    },
    completed: async () => (await states()).get('completed') ?? 0,
    async pending() {
      const counts = await states();
      return ['created', 'retry', 'active'].reduce((sum, state) => sum + (counts.get(state) ?? 0), 0);
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, timeout: 2000 });
      await db.drop();
    },
  };
}

async function openPgmq(name: string): Promise<TestQueue> {
  const db = await createPgmqDatabase('faults_worker');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  const client = new PgmqClient(pool, { tracing: false, metrics: false });
  await client.create(name);
  let sent = 0;
  const remaining = async () =>
    (await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM pgmq.q_${name}`))[0]!.count;
  return {
    db,
    name,
    async send(count, data = {}) {
      await client.sendBatch(
        name,
        Array.from({ length: count }, () => data),
      );
      sent += count;
    },
    completed: async () => sent - (await remaining()),
    pending: remaining,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}
