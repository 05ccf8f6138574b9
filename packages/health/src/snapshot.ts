import type { QUEUE_STATES, WORKER_KINDS } from '@queuetel/core';

/** A `queuetel.queue.state` value. */
export type QueueState = (typeof QUEUE_STATES)[keyof typeof QUEUE_STATES];
/** A `queuetel.worker.kind` value. */
export type WorkerKind = (typeof WORKER_KINDS)[keyof typeof WORKER_KINDS];
/** The queue systems queuetel reads; the `messaging.system` value of each. */
export type QueueSystem = 'pg-boss' | 'pgmq';

/** How a source counts its jobs, which decides what a collection costs. */
export type CountMethod =
  /** pg-boss 11+: the counts pg-boss's own monitor keeps in its `queue` table. */
  | 'pg-boss cache'
  /** pg-boss 10: one scan of the job table. */
  | 'pg-boss scan'
  /** pgmq: `metrics_all()`, a count per queue table. */
  | 'pgmq metrics';

/** One place queues live: a pg-boss schema, or pgmq. */
export interface SourceInfo {
  readonly system: QueueSystem;
  /** The pg-boss schema, or `pgmq`. */
  readonly schema: string;
  /** pg-boss's schema version, where it could be read. */
  readonly version: number | undefined;
  readonly method: CountMethod;
}

/** Jobs by state. Only the states a source can tell apart are present; each job is in one. */
export type JobCounts = Readonly<Partial<Record<QueueState, number>>>;

/** Live workers by kind. A kind is present only where the source can count it. */
export type WorkerCounts = Readonly<Partial<Record<WorkerKind, number>>>;

/** One queue's state as the database reported it. Never holds a job's payload. */
export interface QueueSnapshot {
  readonly system: QueueSystem;
  readonly schema: string;
  readonly name: string;
  readonly jobs: JobCounts;
  /** Seconds the oldest job ready to run has waited since it became eligible; 0 when none waits. */
  readonly oldestAgeSeconds: number;
  /** Seconds since the newest job was enqueued; undefined when the queue holds none. */
  readonly newestAgeSeconds: number | undefined;
  /** The queue's dead-letter queue and the jobs waiting in it. */
  readonly deadLetter: { readonly name: string; readonly jobs: number } | undefined;
  /** Jobs ever enqueued, where the system keeps the total (pgmq), or counted since {@link totalsSince}. */
  readonly enqueued: number | undefined;
  /** Jobs ever completed, counted since {@link totalsSince} (pg-boss 12 with `persistQueueStats`). */
  readonly completed: number | undefined;
  /** Where the totals are running sums this collector keeps: the start of its count. */
  readonly totalsSince: Date | undefined;
  readonly workers: WorkerCounts;
  /** When the counts were taken: pg-boss's last monitor pass for its cache, else this collection. */
  readonly countedAt: Date;
}

/** One collection: every queue of every source, read in one go. */
export interface HealthSnapshot {
  /** The database's clock when the collection started. */
  readonly takenAt: Date;
  /** Local time (ms since the epoch) when the collection finished, for freshness checks. */
  readonly receivedAt: number;
  /** How long the whole collection took, in seconds. */
  readonly durationSeconds: number;
  /** One round trip to the database, in seconds. */
  readonly roundTripSeconds: number;
  readonly sources: readonly SourceInfo[];
  readonly queues: readonly QueueSnapshot[];
  /** Live workers across every queue, by kind, each worker counted once. */
  readonly workers: WorkerCounts;
}

const WAITING_STATES: readonly QueueState[] = ['ready', 'deferred', 'retry', 'blocked'];

/** Jobs not yet running: ready, deferred, waiting to retry, or blocked. */
export function waitingJobs(jobs: JobCounts): number {
  return WAITING_STATES.reduce((sum, state) => sum + (jobs[state] ?? 0), 0);
}

/** Live workers of a queue, whatever their kind; undefined when no kind could be counted. */
export function liveWorkers(workers: WorkerCounts): number | undefined {
  const counts = Object.values(workers);
  return counts.length === 0 ? undefined : counts.reduce((sum, n) => sum + n, 0);
}

/** How a queue is keyed where several are joined: the same name may live in two schemas. */
export function queueKey(system: string, schema: string, name: string): string {
  return `${system}\u0000${schema}\u0000${name}`;
}
