import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { ConsumeOptions, MessageHandler, PgmqClient } from '@queuetel/pgmq';
import { createTestDatabase, type TestDatabase } from './database.js';
import { eventually } from './pg-boss.js';

/**
 * The pgmq versions the fixture plays (see test/fixtures/pgmq.sql): 1.5, with rows
 * `(msg_id, read_ct, enqueued_at, vt, message, headers)` and none of the later functions; 1.11, with
 * `last_read_at` after `enqueued_at` and every function returning whole rows; 1.12, whose reads
 * name their columns.
 */
export type PgmqFixtureVersion = '1.5' | '1.11' | '1.12';

/** The row shapes the client must read: 1.5's, and 1.10's and later (played as 1.12). */
export const PGMQ_ROW_SHAPES: readonly PgmqFixtureVersion[] = ['1.5', '1.12'];

/** Every version the fixture plays. */
export const PGMQ_FIXTURE_VERSIONS: readonly PgmqFixtureVersion[] = ['1.5', '1.11', '1.12'];

const FIXTURE = readFileSync(new URL('../fixtures/pgmq.sql', import.meta.url), 'utf8');

/** Installs the pgmq-compatible fixture schema (test/fixtures/pgmq.sql), playing a pgmq version. */
export async function loadPgmqFixture(url: string, shape: PgmqFixtureVersion = '1.12'): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // The fixture reads the version from this session setting while it loads.
    await client.query(`SELECT set_config('pgmq_fixture.version', $1, false)`, [shape]);
    await client.query(FIXTURE);
  } finally {
    await client.end();
  }
}

/** A fresh database of a test file's own, with the pgmq fixture loaded playing the given version. */
export async function createPgmqDatabase(
  prefix: string,
  shape: PgmqFixtureVersion = '1.12',
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
 * `pool` as the client sees it, telling `seen` of each statement it runs once it has succeeded or
 * failed: so a test can wait for what the client did rather than for time to pass.
 */
export function watchQueries(pool: pg.Pool, seen: (text: string, ok: boolean) => void): pg.Pool {
  const query = async (text: string, values?: unknown[]) => {
    try {
      const result = await pool.query(text, values);
      seen(text, true);
      return result;
    } catch (error) {
      seen(text, false);
      throw error;
    }
  };
  return new Proxy(pool, {
    get: (target, key) => {
      if (key === 'query') return query;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
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
