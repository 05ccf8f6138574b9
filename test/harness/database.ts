import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres.js';

/** A database of a test file's own, so pg-boss schemas and pgmq queues never meet across files. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Runs SQL in the test database. */
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'qt'): Promise<TestDatabase> {
  const adminUrl = inject('databaseUrl');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // A test that restarts the shared server (health-restart) ends every idle connection of every
  // other test file's pool; the pool replaces them, and the error must not end the test process.
  pool.on('error', () => {});
  return {
    url,
    name,
    async query<Row extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      return (await pool.query<Row>(sql, values)).rows;
    },
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A PostgreSQL server of the calling test file's own, with one database `name` on it: for tests that
 * restart the server, which would break the other files sharing the suite's server.
 */
export async function startOwnServer(name: string): Promise<{ server: RunningPostgres; url: string }> {
  const server = await startEmbeddedPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return { server, url: withDatabase(server.url, name) };
}
