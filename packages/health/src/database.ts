import pg from 'pg';

/** The part of a pg client or pool that reading needs. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>>;
}

/** A pool as queuetel uses it: `pg.Pool`, or anything with the same two methods. */
export interface PoolLike extends Queryable {
  connect(): Promise<pg.PoolClient>;
}

/** Where connections come from: a connection string, or the application's own pool. */
export type DatabaseSource = { readonly connectionString: string } | { readonly pool: PoolLike };

/** One session held for as long as it works: the collector's lock lives and dies with it. */
export interface Session {
  readonly client: Queryable;
  /** True once the connection has failed; a lost session is closed and replaced. */
  readonly lost: boolean;
  close(): Promise<void>;
}

export interface SessionSettings {
  /** Every statement is cancelled by the server after this long. */
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
}

/**
 * Opens a dedicated session. With a connection string it is a client of its own; with a pool it is a
 * client checked out of it and destroyed on close rather than returned, so that the session settings
 * and any advisory lock held on it never leak into the application's pool.
 */
export async function openSession(source: DatabaseSource, settings: SessionSettings): Promise<Session> {
  let lost = false;
  const markLost = (): void => {
    lost = true;
  };
  // The server cancels a slow statement; the client-side timeout is for a connection that stopped
  // answering altogether, which the server cannot cancel.
  const readTimeout = settings.statementTimeoutMs + 2_000;
  if ('connectionString' in source) {
    const client = new pg.Client({
      connectionString: source.connectionString,
      application_name: settings.applicationName,
      statement_timeout: settings.statementTimeoutMs,
      query_timeout: readTimeout,
      connectionTimeoutMillis: readTimeout,
      keepAlive: true,
    });
    // An idle client whose server goes away emits 'error'; unheard, that would crash the process.
    client.on('error', markLost);
    client.on('end', markLost);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return {
      client,
      get lost() {
        return lost;
      },
      close: () => client.end().catch(() => {}),
    };
  }
  const client = await source.pool.connect();
  client.on('error', markLost);
  client.on('end', markLost);
  try {
    await client.query(
      `SELECT set_config('statement_timeout', $1, false), set_config('application_name', $2, false)`,
      [String(settings.statementTimeoutMs), settings.applicationName],
    );
  } catch (error) {
    client.release(true);
    throw error;
  }
  let released = false;
  return {
    client: {
      query: (text: string, values?: unknown[]) =>
        client.query({ text, values, query_timeout: readTimeout } as pg.QueryConfig),
    },
    get lost() {
      return lost;
    },
    close: async () => {
      if (released) return;
      released = true;
      client.removeListener('error', markLost);
      client.release(true);
    },
  };
}

/** Quotes an identifier (a schema name) for SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A connection string with its password replaced, safe for logs and error messages. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return connectionString.replace(/password=\S+/gi, 'password=***');
  }
}
