import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { OnceReporter, QueuetelConfigError, typeName } from '@queuetel/core';
import pg from 'pg';
import type { PoolLike } from './database.js';
import { CREATE_HEARTBEAT_TABLE, HEARTBEAT_TABLE } from './heartbeat-table.js';
import { resolveDatabase } from './options.js';
import type { QueueSystem } from './snapshot.js';

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /** A PostgreSQL connection string. Give this or {@link pool}. */
  connectionString?: string;
  /** The application's own `pg.Pool`; one query per beat. Give this or {@link connectionString}. */
  pool?: PoolLike;
  /** The queues this process consumes. */
  queues: readonly string[];
  /** The queue system, `pg-boss` (default) or `pgmq`. */
  system?: QueueSystem;
  /** Where the queues live: the pg-boss schema (default `pgboss`), or `pgmq`. */
  schema?: string;
  /** Seconds between beats. A consumer counts as live until it misses three. Default 10. */
  intervalSeconds?: number;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** The row this process beats, for logs. */
  readonly id: string;
  /** Marks this consumer stopped, so it stops counting at once rather than after three missed beats. */
  stop(): Promise<void>;
}

const KEYS = ['connectionString', 'pool', 'queues', 'system', 'schema', 'intervalSeconds'];

/**
 * Announces a live consumer of some queues: a row in `queuetel.heartbeat`, refreshed every interval,
 * which the collector counts as `queuetel.workers.live{queuetel.worker.kind=queuetel-consumer}`.
 * Run it in any worker process, alongside whatever consumes the queues.
 *
 * The table is created if missing (the monitoring-role script creates it too, for databases where
 * workers may not create tables). A beat that fails is reported once through `diag` and tried again
 * at the next interval; the heartbeat never throws into the worker after it starts.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const config = resolveHeartbeat(options);
  const id = randomUUID();
  const reporter = new OnceReporter();
  const ownPool = 'connectionString' in config.database;
  const pool: PoolLike =
    'pool' in config.database
      ? config.database.pool
      : new pg.Pool({
          connectionString: config.database.connectionString,
          application_name: 'queuetel-heartbeat',
          max: 1,
          idleTimeoutMillis: config.intervalSeconds * 2000,
        });
  if (ownPool) (pool as pg.Pool).on('error', () => {});
  const values = [
    id,
    config.system,
    config.schema,
    config.queues,
    hostname(),
    process.pid,
    Math.ceil(config.intervalSeconds),
  ];
  let tableReady = false;
  let beating: Promise<void> | undefined;
  let stopped = false;

  const beat = async (): Promise<void> => {
    try {
      if (!tableReady) {
        await ensureTable(pool);
        await pruneDeadRows(pool);
        tableReady = true;
      }
      await pool.query(
        `INSERT INTO ${HEARTBEAT_TABLE} (id, system, schema, queues, host, pid, heartbeat_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET heartbeat_on = now(), stopped_on = NULL`,
        values,
      );
    } catch (error) {
      reporter.report('beat', 'heartbeat failed; trying again at the next interval', error);
    }
  };
  const tick = (): void => {
    if (stopped || beating) return;
    beating = beat().finally(() => {
      beating = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, config.intervalSeconds * 1000);
  timer.unref();

  return {
    id,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await beating;
      try {
        await pool.query(`UPDATE ${HEARTBEAT_TABLE} SET stopped_on = now() WHERE id = $1`, [id]);
      } catch (error) {
        // The row goes quiet after three missed beats anyway, the same ending a crash gets.
        reporter.report('stop', 'could not mark the heartbeat stopped', error);
      }
      if (ownPool) await (pool as pg.Pool).end();
    },
  };
}

/**
 * Creates the table when it is missing, under a transaction-scoped advisory lock since concurrent
 * `CREATE TABLE IF NOT EXISTS` can still collide. A table the monitoring-role script created is
 * used as it is, so a worker role needs no right to create anything.
 */
async function ensureTable(pool: PoolLike): Promise<void> {
  const { rows } = await pool.query<{ exists: boolean }>(
    `SELECT to_regclass('${HEARTBEAT_TABLE}') IS NOT NULL AS exists`,
  );
  if (rows[0]?.exists) return;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${HEARTBEAT_TABLE}'))`);
    await client.query(CREATE_HEARTBEAT_TABLE);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Rows a day past their last beat are of no use to anyone; keeps the table small. Best effort. */
async function pruneDeadRows(pool: PoolLike): Promise<void> {
  await pool
    .query(`DELETE FROM ${HEARTBEAT_TABLE} WHERE heartbeat_on < now() - interval '1 day'`)
    .catch(() => {});
}

interface ResolvedHeartbeat {
  readonly database: ReturnType<typeof resolveDatabase>;
  readonly queues: readonly string[];
  readonly system: QueueSystem;
  readonly schema: string;
  readonly intervalSeconds: number;
}

function resolveHeartbeat(options: HeartbeatOptions): ResolvedHeartbeat {
  if (options === null || typeof options !== 'object') {
    throw new QueuetelConfigError('options', `must be an object, got ${typeName(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.includes(key)) throw new QueuetelConfigError(key, 'is not a known option');
  }
  const { queues, system = 'pg-boss', intervalSeconds = 10 } = options;
  if (!Array.isArray(queues) || queues.length === 0) {
    throw new QueuetelConfigError(
      'queues',
      `must be a non-empty array of queue names, got ${typeName(queues)}`,
    );
  }
  queues.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) {
      throw new QueuetelConfigError(`queues[${i}]`, `must be a non-empty string, got ${typeName(name)}`);
    }
  });
  if (system !== 'pg-boss' && system !== 'pgmq') {
    throw new QueuetelConfigError('system', `must be 'pg-boss' or 'pgmq', got ${typeName(system)}`);
  }
  const schema = options.schema ?? (system === 'pgmq' ? 'pgmq' : 'pgboss');
  if (typeof schema !== 'string' || schema.length === 0) {
    throw new QueuetelConfigError('schema', `must be a non-empty string, got ${typeName(schema)}`);
  }
  if (typeof intervalSeconds !== 'number' || !(intervalSeconds >= 1 && intervalSeconds <= 3600)) {
    throw new QueuetelConfigError(
      'intervalSeconds',
      `must be a number of seconds from 1 to 3600, got ${typeName(intervalSeconds)}`,
    );
  }
  return {
    database: resolveDatabase(options),
    queues: [...(queues as readonly string[])],
    system,
    schema,
    intervalSeconds,
  };
}
