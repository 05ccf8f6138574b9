import { QueuetelConfigError } from '@queuetel/core';
import {
  beatHeartbeat,
  expectBoolean,
  expectKnownKeys,
  OnceReporter,
  runUntraced,
  typeName,
} from '@queuetel/core/internal';
import pg from 'pg';
import type { PoolLike } from './database.js';
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
  /**
   * Let database instrumentations (such as `@opentelemetry/instrumentation-pg`) trace its queries.
   * They run with tracing suppressed otherwise, so that beating on a timer makes no spans. Default false.
   */
  tracePolling?: boolean;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** The row this process beats, for logs. */
  readonly id: string;
  /** Marks this consumer stopped, so it stops counting at once rather than after three missed beats. */
  stop(): Promise<void>;
}

const KEYS = ['connectionString', 'pool', 'queues', 'system', 'schema', 'intervalSeconds', 'tracePolling'];

/**
 * Announces a live consumer of some queues: a row in `queuetel.heartbeat`, refreshed every interval,
 * which the collector counts as `queuetel.workers.live{queuetel.worker.kind=queuetel-consumer}`.
 * Run it in any worker process, alongside whatever consumes the queues. (A pgmq consumer started
 * with `consume()` beats its own; this is for everything else.)
 *
 * The table is created if missing (the monitoring-role script creates it too, for databases where
 * workers may not create tables). A beat that fails is reported once through `diag` and tried again
 * at the next interval; the heartbeat never throws into the worker after it starts.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const config = resolveHeartbeat(options);
  const ownPool =
    'pool' in config.database
      ? undefined
      : new pg.Pool({
          connectionString: config.database.connectionString,
          application_name: 'queuetel-heartbeat',
          max: 1,
          idleTimeoutMillis: config.intervalSeconds * 2000,
        });
  ownPool?.on('error', () => {});
  const pool: PoolLike = 'pool' in config.database ? config.database.pool : ownPool!;
  const untraced = <R>(fn: () => R): R => runUntraced(config.tracePolling, fn);
  // Its timer inherits the untraced context, so every later beat is untraced too.
  const beat = untraced(() => beatHeartbeat(pool, config, new OnceReporter(), 'heartbeat'));
  let stopping: Promise<void> | undefined;
  return {
    id: beat.id,
    stop() {
      stopping ??= untraced(() => beat.stop().then(() => ownPool?.end()));
      return stopping;
    },
  };
}

interface ResolvedHeartbeat {
  readonly database: ReturnType<typeof resolveDatabase>;
  readonly queues: readonly string[];
  readonly system: QueueSystem;
  readonly schema: string;
  readonly intervalSeconds: number;
  readonly tracePolling: boolean;
}

function resolveHeartbeat(options: HeartbeatOptions): ResolvedHeartbeat {
  expectKnownKeys(undefined, options, KEYS);
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
  expectBoolean('tracePolling', options.tracePolling);
  return {
    database: resolveDatabase(options),
    queues: [...(queues as readonly string[])],
    system,
    schema,
    intervalSeconds,
    tracePolling: options.tracePolling ?? false,
  };
}
