import type { CollectorState } from '../collector/collector.js';
import { liveWorkers, queueKey, waitingJobs, type HealthSnapshot, type QueueSnapshot } from '../snapshot.js';
import { ALL_QUEUES, type AccessScope } from './scopes.js';
import { judgeLag, judgeQueue, worst, type HealthStatus, type HealthThresholds } from './status.js';

/** The body of `GET /health`. Counts and ages only: never a job's payload. */
export interface HealthReport {
  status: HealthStatus;
  checked_at: string;
  database: { reachable: boolean; round_trip_ms: number | null; error: string | null };
  collector: {
    leader: boolean;
    status: HealthStatus;
    interval_seconds: number;
    last_collection_at: string | null;
    lag_seconds: number | null;
    reasons: string[];
  };
  workers: Record<string, number>;
  queues: QueueSummary[];
}

/** One queue in `GET /health`. */
export interface QueueSummary {
  system: string;
  schema: string;
  name: string;
  status: HealthStatus;
  reasons: string[];
  queue_length: number | null;
  active_count: number | null;
  oldest_age_seconds: number | null;
  dead_letter_jobs: number | null;
  live_workers: number | null;
  last_updated: string;
}

/** The body of `GET /queues/{name}`. */
export interface QueueStats {
  system: string;
  schema: string;
  name: string;
  status: HealthStatus;
  reasons: string[];
  /** Jobs waiting to run: every state but active and failed. */
  queue_length: number | null;
  active_count: number | null;
  /** When the oldest ready job became eligible to run; null when none waits. */
  oldest_enqueued_at: string | null;
  /** Jobs enqueued in all, where known: pgmq's lifetime total, or pg-boss 12's since `totals_since`. */
  total_enqueued: number | null;
  total_completed: number | null;
  totals_since: string | null;
  /** When the counts were taken. */
  last_updated: string;
  jobs: Record<string, number>;
  oldest_age_seconds: number | null;
  newest_age_seconds: number | null;
  dead_letter: { name: string; jobs: number } | null;
  workers: Record<string, number>;
}

/**
 * The report when the database could not be read at all. A scoped token is not shown the error,
 * which may name a schema or a queue that is not its own.
 */
export function unreachableReport(
  state: CollectorState,
  error: unknown,
  now: Date,
  scope: AccessScope = ALL_QUEUES,
): HealthReport {
  const message = !scope.all
    ? 'the database could not be read'
    : error instanceof Error
      ? error.message
      : String(error);
  return {
    status: 'unhealthy',
    checked_at: now.toISOString(),
    database: { reachable: false, round_trip_ms: null, error: message },
    collector: collectorPart(state, undefined, now, {}),
    workers: {},
    queues: [],
  };
}

export function healthReport(
  snapshot: HealthSnapshot,
  state: CollectorState,
  thresholds: HealthThresholds,
  now: Date,
  scope: AccessScope = ALL_QUEUES,
): HealthReport {
  // Queues are judged among all of them (a dead-letter queue is known by the queue it serves), then
  // only the ones the request may see are listed and count towards the status.
  const queues = summarizeQueues(snapshot, thresholds).filter((queue) => scope.seesQueue(queue.name));
  const collector = collectorPart(state, snapshot, now, thresholds);
  const status = queues.reduce<HealthStatus>((s, queue) => worst(s, queue.status), collector.status);
  return {
    status,
    checked_at: now.toISOString(),
    database: { reachable: true, round_trip_ms: round(snapshot.roundTripSeconds * 1000), error: null },
    collector,
    // Workers are counted across every queue: a scoped token sees them per queue only.
    workers: scope.all ? { ...snapshot.workers } : {},
    queues,
  };
}

/** Every queue of a collection, judged by the thresholds: the `queues` of `GET /health`. */
export function summarizeQueues(snapshot: HealthSnapshot, thresholds: HealthThresholds = {}): QueueSummary[] {
  const deadLetterQueues = deadLetterKeys(snapshot);
  return snapshot.queues.map((queue) => {
    const verdict = judgeQueue(
      queue,
      snapshot.takenAt,
      thresholds,
      deadLetterQueues.has(queueKey(queue.system, queue.schema, queue.name)),
    );
    const counted = Object.keys(queue.jobs).length > 0;
    return {
      system: queue.system,
      schema: queue.schema,
      name: queue.name,
      status: verdict.status,
      reasons: [...verdict.reasons],
      queue_length: counted ? waitingJobs(queue.jobs) : null,
      active_count: queue.jobs.active ?? null,
      oldest_age_seconds: counted ? round(queue.oldestAgeSeconds) : null,
      dead_letter_jobs: queue.deadLetter?.jobs ?? null,
      live_workers: liveWorkers(queue.workers) ?? null,
      last_updated: queue.countedAt.toISOString(),
    };
  });
}

export function queueStats(
  queue: QueueSnapshot,
  snapshot: HealthSnapshot,
  thresholds: HealthThresholds,
): QueueStats {
  const verdict = judgeQueue(
    queue,
    snapshot.takenAt,
    thresholds,
    deadLetterKeys(snapshot).has(queueKey(queue.system, queue.schema, queue.name)),
  );
  const counted = Object.keys(queue.jobs).length > 0;
  const waiting = waitingJobs(queue.jobs);
  const oldestEnqueuedAt =
    counted && waiting > 0 && queue.oldestAgeSeconds > 0
      ? new Date(snapshot.takenAt.getTime() - queue.oldestAgeSeconds * 1000).toISOString()
      : null;
  return {
    system: queue.system,
    schema: queue.schema,
    name: queue.name,
    status: verdict.status,
    reasons: [...verdict.reasons],
    queue_length: counted ? waiting : null,
    active_count: queue.jobs.active ?? null,
    oldest_enqueued_at: oldestEnqueuedAt,
    total_enqueued: queue.enqueued ?? null,
    total_completed: queue.completed ?? null,
    totals_since: queue.totalsSince?.toISOString() ?? null,
    last_updated: queue.countedAt.toISOString(),
    jobs: { ...queue.jobs },
    oldest_age_seconds: counted ? round(queue.oldestAgeSeconds) : null,
    newest_age_seconds: queue.newestAgeSeconds === undefined ? null : round(queue.newestAgeSeconds),
    dead_letter: queue.deadLetter ? { ...queue.deadLetter } : null,
    workers: { ...queue.workers },
  };
}

function collectorPart(
  state: CollectorState,
  snapshot: HealthSnapshot | undefined,
  now: Date,
  thresholds: HealthThresholds,
): HealthReport['collector'] {
  const lastCollection = state.lastGoodAt ?? snapshot?.receivedAt;
  const lag = lastCollection === undefined ? null : Math.max(0, (now.getTime() - lastCollection) / 1000);
  // A standby never collects on a schedule; the leader's lag is the one that matters.
  const verdict =
    lag === null || !state.leader
      ? { status: 'healthy' as const }
      : judgeLag(lag, state.intervalSeconds, thresholds);
  return {
    leader: state.leader,
    status: snapshot ? verdict.status : 'unhealthy',
    interval_seconds: state.intervalSeconds,
    last_collection_at: lastCollection === undefined ? null : new Date(lastCollection).toISOString(),
    lag_seconds: lag === null ? null : round(lag),
    reasons: verdict.reason === undefined ? [] : [verdict.reason],
  };
}

function deadLetterKeys(snapshot: HealthSnapshot): Set<string> {
  const keys = new Set<string>();
  for (const queue of snapshot.queues) {
    if (queue.deadLetter) keys.add(queueKey(queue.system, queue.schema, queue.deadLetter.name));
  }
  return keys;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
