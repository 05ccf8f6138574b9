import { hostname } from 'node:os';
import type { OnceReporter } from './safe.js';

// Live consumers announce themselves in a table of queuetel's own, which the queue-health collector
// counts as `queuetel.workers.live{queuetel.worker.kind="queuetel-consumer"}`. Writers (a pgmq
// consumer, `startHeartbeat()`) and the reader share these few statements, and nothing else: no
// pg import, so a package that only takes the application's pool stays free of the driver.

/** The table of live consumers: one row per running consumer. It holds no job data. */
export const HEARTBEAT_TABLE = 'queuetel.heartbeat';

/** A consumer counts as live until it misses this many of its own heartbeats, as pg-boss decides. */
export const HEARTBEAT_QUIET_BEATS = 3;

/** Creates the table if it is missing. Safe to run from many processes at once. */
export const CREATE_HEARTBEAT_TABLE = `
  CREATE SCHEMA IF NOT EXISTS queuetel;
  CREATE TABLE IF NOT EXISTS ${HEARTBEAT_TABLE} (
    id uuid PRIMARY KEY,
    system text NOT NULL,
    schema text NOT NULL,
    queues text[] NOT NULL,
    host text NOT NULL,
    pid int NOT NULL,
    heartbeat_seconds int NOT NULL,
    started_on timestamptz NOT NULL DEFAULT now(),
    heartbeat_on timestamptz NOT NULL DEFAULT now(),
    stopped_on timestamptz
  )`;

/** The condition a live row meets. */
export const LIVE_HEARTBEAT = `stopped_on IS NULL
  AND heartbeat_on >= now() - make_interval(secs => heartbeat_seconds * ${HEARTBEAT_QUIET_BEATS})`;

/** What a heartbeat needs of the database: node-postgres's `query(text, values)`, as a pool has it. */
export interface HeartbeatDatabase {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** Who is announced: the queues one consumer works, and how often it says so. */
export interface HeartbeatAnnouncement {
  /** The `messaging.system` of the queues: `pg-boss` or `pgmq`. */
  readonly system: string;
  /** Where the queues live: the pg-boss schema, or `pgmq`. */
  readonly schema: string;
  readonly queues: readonly string[];
  /** Seconds between beats; checked by the caller. */
  readonly intervalSeconds: number;
}

/** A heartbeat being beaten. */
export interface HeartbeatBeat {
  /** The row this consumer beats, for logs. */
  readonly id: string;
  /** Marks the consumer stopped, so it stops counting at once rather than after missed beats. */
  stop(): Promise<void>;
}

/**
 * Beats a heartbeat row now and every interval until stopped. Never throws or rejects: a beat that
 * fails (no table and no right to create it, no connection) is reported once through `reporter`
 * under `key` and tried again at the next interval, and it never touches the consumer's work.
 */
export function beatHeartbeat(
  db: HeartbeatDatabase,
  announcement: HeartbeatAnnouncement,
  reporter: OnceReporter,
  key: string,
): HeartbeatBeat {
  const id = globalThis.crypto.randomUUID();
  const values = [
    id,
    announcement.system,
    announcement.schema,
    [...announcement.queues],
    hostname(),
    process.pid,
    Math.ceil(announcement.intervalSeconds),
  ];
  let tableReady = false;
  let announced = false;
  let beating: Promise<void> | undefined;
  let stopped = false;

  const beat = async (): Promise<void> => {
    try {
      if (!tableReady) {
        await ensureTable(db);
        await pruneDeadRows(db);
        tableReady = true;
      }
      await db.query(
        `INSERT INTO ${HEARTBEAT_TABLE} (id, system, schema, queues, host, pid, heartbeat_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET heartbeat_on = now(), stopped_on = NULL`,
        values,
      );
      announced = true;
    } catch (error) {
      // A table dropped under a running consumer is created again at the next beat.
      if ((error as { code?: unknown } | null)?.code === '42P01') tableReady = false;
      reporter.report(`${key}:beat`, 'a heartbeat failed; trying again at the next interval', error);
    }
  };
  const tick = (): void => {
    if (stopped || beating) return;
    beating = beat().finally(() => {
      beating = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, announcement.intervalSeconds * 1000);
  // A heartbeat says the process lives; it must not be what keeps it alive.
  timer.unref();

  return {
    id,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await beating;
      if (!announced) return;
      try {
        await db.query(`UPDATE ${HEARTBEAT_TABLE} SET stopped_on = now() WHERE id = $1`, [id]);
      } catch (error) {
        // The row goes quiet after missed beats anyway, the same ending a crash gets.
        reporter.report(`${key}:stop`, 'could not mark a heartbeat stopped', error);
      }
    },
  };
}

/**
 * Creates the table when it is missing. A table that exists (the monitoring-role script creates
 * it) is used as it is, so a worker role needs no right to create anything. The statements go as
 * one simple query, which PostgreSQL runs as one transaction: the transaction-scoped lock keeps two
 * processes' `CREATE ... IF NOT EXISTS` from colliding, with no client checked out of the pool.
 */
async function ensureTable(db: HeartbeatDatabase): Promise<void> {
  const result = (await db.query(`SELECT to_regclass('${HEARTBEAT_TABLE}') IS NOT NULL AS exists`)) as {
    rows: { exists: boolean }[];
  };
  if (result.rows[0]?.exists) return;
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('${HEARTBEAT_TABLE}'));${CREATE_HEARTBEAT_TABLE}`);
}

/** Rows a day past their last beat are of no use to anyone; keeps the table small. Best effort. */
async function pruneDeadRows(db: HeartbeatDatabase): Promise<void> {
  await db
    .query(`DELETE FROM ${HEARTBEAT_TABLE} WHERE heartbeat_on < now() - interval '1 day'`)
    .catch(() => {});
}
