import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { ConsumeOptions, MessageHandler, PgmqClient } from '@queuetel/pgmq';
import { createTestDatabase, type TestDatabase } from './database.js';
import { eventually } from './pg-boss.js';

/**
 * The two message row shapes the pgmq client must read: pgmq 1.5 to 1.9
 * `(msg_id, read_ct, enqueued_at, vt, message, headers)`, and 1.10 and later, which add
 * `last_read_at` (and `pop(queue, qty)`, which 1.5 lacks).
 */
export type PgmqRowShape = '1.5' | 'current';

export const PGMQ_ROW_SHAPES: readonly PgmqRowShape[] = ['1.5', 'current'];

const FIXTURE = readFileSync(new URL('../fixtures/pgmq.sql', import.meta.url), 'utf8');

/** Installs the pgmq-compatible fixture schema (test/fixtures/pgmq.sql) into a database. */
export async function loadPgmqFixture(url: string, shape: PgmqRowShape = 'current'): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The fixture reads the shape from this session setting while it loads.
    await client.query(`SELECT set_config('pgmq_fixture.row_shape', $1, false)`, [shape]);
    await client.query(FIXTURE);
  } finally {
    await client.end();
  }
}

/** A fresh database of a test file's own, with the pgmq fixture loaded in the given row shape. */
export async function createPgmqDatabase(
  prefix: string,
  shape: PgmqRowShape = 'current',
): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  try {
    await loadPgmqFixture(db.url, shape);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return db;
}

/** A pool on a test database, as an application would pass one to the pgmq client. */
export function openPool(db: TestDatabase, max = 8): pg.Pool {
  const pool = new pg.Pool({ connectionString: db.url, max });
  pool.on('error', () => {});
  return pool;
}

/**
 * Runs a consumer until `done` passes (it throws until then), stops it through its signal and
 * waits for it to finish: the way an application runs and stops one.
 */
export async function consumeUntil<T>(
  client: PgmqClient,
  queue: string,
  handler: MessageHandler<T>,
  options: Omit<ConsumeOptions, 'signal'>,
  done: () => unknown,
  timeoutMs = 20_000,
): Promise<void> {
  const controller = new AbortController();
  const consuming = client.consume(queue, handler, {
    pollIntervalMs: 20,
    ...options,
    signal: controller.signal,
  });
  try {
    await eventually(done, timeoutMs);
  } finally {
    controller.abort();
    await consuming;
  }
}
