import type { InstrumentationOptions } from '@queuetel/core';

/**
 * A job as a pg-boss handler receives it, in the fields queuetel reads. `retryCount` and
 * `expireInSeconds` come with every job; the other metadata fields only with `includeMetadata: true`.
 */
export interface PgBossJob<Data = unknown> {
  id: string;
  name: string;
  data: Data;
  retryCount?: number;
  retryLimit?: number;
  /** pg-boss 10 reads it with SQL `EXTRACT`, so the driver hands it over as a numeric string. */
  expireInSeconds?: number | string;
  createdOn?: Date;
  startAfter?: Date;
  startedOn?: Date;
  deadLetter?: string | null;
  /** What the last attempt left: its result, its error, or pg-boss's mark on an attempt it expired. */
  output?: unknown;
  signal?: AbortSignal;
}

/** What a pg-boss `work()` handler is: it always receives an array of jobs. */
export type BatchHandler<Job = PgBossJob> = (jobs: Job[]) => Promise<unknown>;

/** A handler for one job at a time, for {@link InstrumentedPgBoss.eachJob}. */
export type JobHandler<Job = PgBossJob> = (job: Job) => unknown;

/** The pg-boss methods queuetel wraps. Their arguments differ between pg-boss 10, 11 and 12, so they are
 * checked where they are used rather than here. */
export interface PgBossLike {
  send(...args: unknown[]): Promise<unknown>;
  work(...args: unknown[]): Promise<unknown>;
  fail(...args: unknown[]): Promise<unknown>;
  start?(...args: unknown[]): Promise<unknown>;
  sendAfter?(...args: unknown[]): Promise<unknown>;
  sendThrottled?(...args: unknown[]): Promise<unknown>;
  sendDebounced?(...args: unknown[]): Promise<unknown>;
  insert?(...args: unknown[]): Promise<unknown>;
  publish?(...args: unknown[]): Promise<unknown>;
  upsert?(...args: unknown[]): Promise<unknown>;
  getInstances?(...args: unknown[]): Promise<unknown>;
  getQueue?(...args: unknown[]): Promise<unknown>;
  getJobById?(...args: unknown[]): Promise<unknown>;
}

export interface PgBossInstrumentationOptions extends InstrumentationOptions<PgBossJob> {
  /**
   * Whether pg-boss's own OpenTelemetry support (12.38 and later) is on for this instance. When it
   * is, pg-boss makes the send, process and settle spans and stores the trace context in its
   * `trace_context` column, and queuetel adds to its spans rather than making its own. Default:
   * true on pg-boss 12.38 and later, where it is on unless `openTelemetry: { enabled: false }`.
   */
  builtInTelemetry?: boolean;
}

/** What {@link instrumentPgBoss} returns. */
export interface InstrumentedPgBoss {
  /**
   * Wraps a handler that takes one job, for `work()`: each job of a batch runs in turn under a
   * process span of its own, and a job that fails is failed alone while the others complete.
   */
  eachJob<Job = PgBossJob>(handler: JobHandler<Job>): BatchHandler<Job>;
  /** Whether queuetel is adding to pg-boss's built-in spans rather than making its own. */
  readonly builtInTelemetry: boolean;
  /** Puts back the instance's original methods. Workers already started stay instrumented. */
  uninstrument(): void;
}
