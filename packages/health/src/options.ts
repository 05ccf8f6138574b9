import type { MeterProvider } from '@opentelemetry/api';
import { QueuetelConfigError, type QueuetelMetricProducer } from '@queuetel/core';
import { expectBoolean, expectKnownKeys, typeName } from '@queuetel/core/internal';
import type { DatabaseSource, PoolLike } from './database.js';
import type { DiscoveryRequest } from './sources/discover.js';

/** Where to read from and what: shared by the collector and one-shot reads. */
export interface ReadOptions {
  /** A PostgreSQL connection string. Give this or {@link pool}. */
  connectionString?: string;
  /** The application's own `pg.Pool`; the collector holds one of its clients. Give this or {@link connectionString}. */
  pool?: PoolLike;
  /**
   * pg-boss schemas to read. Default: every pg-boss schema in the database, found each minute.
   * `false` reads no pg-boss schema. A schema named here that does not exist is an error.
   */
  pgBossSchemas?: readonly string[] | false;
  /** Read pgmq: `true` requires it, `false` skips it, `'auto'` (default) reads it when installed. */
  pgmq?: boolean | 'auto';
  /** Report only these queues. Default: every queue found. */
  queues?: readonly string[];
  /** Every statement is cancelled after this many milliseconds. Default: half the interval, at most 2000. */
  statementTimeoutMs?: number;
  /** The `application_name` of queuetel's connections. Default `queuetel-collector`. */
  applicationName?: string;
}

/** Options of {@link startQueueHealth}. Every field is optional but the database. */
export interface QueueHealthOptions extends ReadOptions {
  /** Seconds between collections. Default 5. */
  intervalSeconds?: number;
  /**
   * Elect one collector per database with a Postgres advisory lock, so that however many processes
   * run this, one reads the database per interval. Default true. `false`: this one always collects.
   */
  election?: boolean;
  /** Names the lock, so that two differently configured collector groups can share a database. */
  lockName?: string;
  /**
   * Where the metrics go, through queuetel's producer: the gauges then report exactly the current
   * points, and nothing at all while the database is down. Default: the producer installed globally
   * (`@queuetel/node` installs one), unless a {@link meterProvider} is given.
   */
  metricProducer?: QueuetelMetricProducer;
  /**
   * Where the metrics go through the plain Meter API, when no producer is given or installed.
   * Default: the global meter provider, as it is when the collector starts.
   */
  meterProvider?: MeterProvider;
  /**
   * Let database instrumentations (such as `@opentelemetry/instrumentation-pg`) trace its queries.
   * They run with tracing suppressed otherwise, so that reading on a timer makes no spans. Default false.
   */
  tracePolling?: boolean;
  /**
   * Counts the jobs pg-boss's job table ends, as `queuetel.queue.ended`, for the shadow comparison of
   * the job metrics of every worker with the database; see "Shadow comparison". Default: false.
   */
  shadowComparison?: boolean;
}

export interface ResolvedReadOptions {
  readonly database: DatabaseSource;
  readonly discovery: DiscoveryRequest;
  readonly queues: readonly string[] | undefined;
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
}

export interface ResolvedHealthOptions extends ResolvedReadOptions {
  readonly intervalSeconds: number;
  readonly election: boolean;
  readonly lockName: string;
  readonly metricProducer: QueuetelMetricProducer | undefined;
  readonly meterProvider: MeterProvider | undefined;
  readonly shadowComparison: boolean;
  readonly tracePolling: boolean;
}

const READ_KEYS = [
  'connectionString',
  'pool',
  'pgBossSchemas',
  'pgmq',
  'queues',
  'statementTimeoutMs',
  'applicationName',
] as const satisfies readonly (keyof ReadOptions)[];

const HEALTH_KEYS = [
  ...READ_KEYS,
  'intervalSeconds',
  'election',
  'lockName',
  'metricProducer',
  'meterProvider',
  'shadowComparison',
  'tracePolling',
] as const satisfies readonly (keyof QueueHealthOptions)[];

export const DEFAULT_INTERVAL_SECONDS = 5;
const MAX_STATEMENT_TIMEOUT_MS = 2_000;
/** A one-shot read (`queuetel status`) has no interval to keep to; a minute bounds it. */
const ONE_SHOT_MAX_STATEMENT_MS = 60_000;

/** Checks the collector's options once, when it starts; the error names the field. */
export function resolveHealthOptions(options: QueueHealthOptions): ResolvedHealthOptions {
  expectKnownKeys(undefined, options, HEALTH_KEYS);
  const intervalSeconds = options.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  if (typeof intervalSeconds !== 'number' || !(intervalSeconds >= 0.1 && intervalSeconds <= 3600)) {
    throw new QueuetelConfigError(
      'intervalSeconds',
      `must be a number of seconds from 0.1 to 3600, got ${typeName(intervalSeconds)}`,
    );
  }
  expectBoolean('election', options.election);
  expectBoolean('tracePolling', options.tracePolling);
  expectBoolean('shadowComparison', options.shadowComparison);
  expectText('lockName', options.lockName);
  if (options.meterProvider !== undefined && typeof options.meterProvider?.getMeter !== 'function') {
    throw new QueuetelConfigError('meterProvider', 'must have a getMeter() method');
  }
  if (options.metricProducer !== undefined && typeof options.metricProducer?.addSource !== 'function') {
    throw new QueuetelConfigError('metricProducer', 'must be a QueuetelMetricProducer');
  }
  return {
    // A statement may not outlast the interval, or collections would queue up behind it.
    ...resolveRead(options, intervalSeconds * 1000, 'the interval'),
    intervalSeconds,
    election: options.election ?? true,
    lockName: options.lockName ?? 'queuetel.collector',
    metricProducer: options.metricProducer,
    meterProvider: options.meterProvider,
    shadowComparison: options.shadowComparison ?? false,
    tracePolling: options.tracePolling ?? false,
  };
}

/** Checks the options of a one-shot read. */
export function resolveReadOptions(options: ReadOptions): ResolvedReadOptions {
  expectKnownKeys(undefined, options, READ_KEYS);
  return resolveRead(options, ONE_SHOT_MAX_STATEMENT_MS, 'a minute');
}

function resolveRead(options: ReadOptions, maxMs: number, maxName: string): ResolvedReadOptions {
  const statementTimeoutMs =
    options.statementTimeoutMs ?? Math.min(MAX_STATEMENT_TIMEOUT_MS, Math.round(maxMs / 2));
  if (
    typeof statementTimeoutMs !== 'number' ||
    !Number.isInteger(statementTimeoutMs) ||
    statementTimeoutMs < 10 ||
    statementTimeoutMs > maxMs
  ) {
    throw new QueuetelConfigError(
      'statementTimeoutMs',
      `must be a whole number of milliseconds from 10 to ${maxName} (${maxMs}), got ${typeName(statementTimeoutMs)}`,
    );
  }
  expectText('applicationName', options.applicationName);
  return {
    database: resolveDatabase(options),
    discovery: {
      pgBossSchemas: resolveSchemas(options.pgBossSchemas),
      pgmq: resolvePgmq(options.pgmq),
    },
    queues: resolveNames('queues', options.queues),
    statementTimeoutMs,
    applicationName: options.applicationName ?? 'queuetel-collector',
  };
}

/** A connection string or a pool, exactly one; a malformed URL is caught here, not at connect. */
export function resolveDatabase(options: { connectionString?: unknown; pool?: unknown }): DatabaseSource {
  const { connectionString, pool } = options;
  if (connectionString !== undefined && pool !== undefined) {
    throw new QueuetelConfigError('pool', 'cannot be given together with connectionString: give one');
  }
  if (pool !== undefined) {
    if (!isPool(pool)) {
      throw new QueuetelConfigError('pool', 'must be a pg.Pool (with connect() and query() methods)');
    }
    return { pool };
  }
  if (connectionString === undefined) {
    throw new QueuetelConfigError('connectionString', 'is required (or give a pool)');
  }
  checkConnectionString(connectionString);
  return { connectionString: connectionString as string };
}

function isPool(value: unknown): value is PoolLike {
  const candidate = value as Partial<Record<'connect' | 'query', unknown>> | null;
  return (
    candidate !== null && typeof candidate.connect === 'function' && typeof candidate.query === 'function'
  );
}

/** Accepts `postgres://` and `postgresql://` URLs and libpq key=value strings. */
export function checkConnectionString(value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new QueuetelConfigError('connectionString', `must be a non-empty string, got ${typeName(value)}`);
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    if (!/^\s*\w+\s*=/.test(value)) {
      throw new QueuetelConfigError(
        'connectionString',
        'must be a URL such as postgres://user:password@host:5432/database, or key=value pairs',
      );
    }
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new QueuetelConfigError('connectionString', 'is not a valid URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new QueuetelConfigError(
      'connectionString',
      `must use the postgres:// or postgresql:// scheme, got '${url.protocol}//'`,
    );
  }
}

function resolveSchemas(value: unknown): DiscoveryRequest['pgBossSchemas'] {
  if (value === undefined) return 'auto';
  if (value === false) return false;
  const names = resolveNames('pgBossSchemas', value);
  if (!names || names.length === 0) {
    throw new QueuetelConfigError('pgBossSchemas', 'must be a non-empty array of schema names, or false');
  }
  return names;
}

function resolvePgmq(value: unknown): DiscoveryRequest['pgmq'] {
  if (value === undefined) return 'auto';
  if (value === true || value === false || value === 'auto') return value;
  throw new QueuetelConfigError('pgmq', `must be true, false or 'auto', got ${typeName(value)}`);
}

function resolveNames(field: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new QueuetelConfigError(field, `must be an array of names, got ${typeName(value)}`);
  }
  value.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) {
      throw new QueuetelConfigError(`${field}[${i}]`, `must be a non-empty string, got ${typeName(name)}`);
    }
  });
  return Object.freeze([...(value as string[])]);
}

function expectText(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new QueuetelConfigError(field, `must be a non-empty string, got ${typeName(value)}`);
  }
}
