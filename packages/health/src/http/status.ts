import { QueuetelConfigError } from '@queuetel/core';
import { expectKnownKeys, typeName } from '@queuetel/core/internal';
import { liveWorkers, waitingJobs, type QueueSnapshot } from '../snapshot.js';

/** How a queue, the collector or the whole is doing. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** A figure's limits: at or above `degraded` it is degraded, at or above `unhealthy` unhealthy. */
export interface Limit {
  degraded?: number;
  unhealthy?: number;
}

/** The limits a queue is judged by. Each is optional; a missing one takes its default. */
export interface QueueThresholds {
  /** Seconds the oldest ready job has waited. Default: degraded at 60, unhealthy at 300. */
  oldestAgeSeconds?: Limit;
  /** Jobs waiting to run. Default: no limit, since what is long depends on the queue. */
  queueLength?: Limit;
  /** Jobs in the queue's dead-letter queue. Default: degraded at 1. */
  deadLetterJobs?: Limit;
  /**
   * Seconds since the queue system counted the queue (pg-boss's monitor pass, for its cache).
   * Default: degraded at 300, which pg-boss's monitor at its default 60 s interval never reaches.
   */
  countsAgeSeconds?: Limit;
  /** What a queue with jobs waiting and no live worker is, where workers are counted. Default `degraded`. */
  noWorkers?: HealthStatus;
}

/** The limits `/health` judges by: defaults for every queue, per-queue overrides, and the collector's. */
export interface HealthThresholds extends QueueThresholds {
  /** Seconds since the last good collection. Default: degraded at 3 intervals, unhealthy at 10. */
  collectorLagSeconds?: Limit;
  /** Overrides for single queues, by name; fields left out keep the defaults above. */
  queues?: Readonly<Record<string, QueueThresholds>>;
}

const DEFAULTS: Required<QueueThresholds> = {
  oldestAgeSeconds: { degraded: 60, unhealthy: 300 },
  queueLength: {},
  deadLetterJobs: { degraded: 1 },
  countsAgeSeconds: { degraded: 300 },
  noWorkers: 'degraded',
};

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worse of two statuses. */
export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[b] > RANK[a] ? b : a;
}

/** A figure against its limit: the status and, unless healthy, why. */
export function judge(
  value: number,
  limit: Limit,
  describe: (bound: number) => string,
): { status: HealthStatus; reason?: string } {
  if (limit.unhealthy !== undefined && value >= limit.unhealthy) {
    return { status: 'unhealthy', reason: describe(limit.unhealthy) };
  }
  if (limit.degraded !== undefined && value >= limit.degraded) {
    return { status: 'degraded', reason: describe(limit.degraded) };
  }
  return { status: 'healthy' };
}

/** One queue judged by its thresholds. */
export interface QueueVerdict {
  readonly status: HealthStatus;
  /** Why it is not healthy, one plain sentence per limit crossed. */
  readonly reasons: readonly string[];
}

/**
 * Judges one queue. A queue that is another's dead-letter queue holds jobs on purpose, so its age,
 * length and workers are not judged (its depth is, on the queue it serves) unless it has thresholds
 * of its own in `thresholds.queues`.
 */
export function judgeQueue(
  queue: QueueSnapshot,
  takenAt: Date,
  thresholds: HealthThresholds,
  isDeadLetterQueue = false,
): QueueVerdict {
  const own = thresholds.queues?.[queue.name];
  const limits = { ...DEFAULTS, ...pick(thresholds), ...pick(own ?? {}) };
  const judgeBacklog = !isDeadLetterQueue || own !== undefined;
  const checks: { status: HealthStatus; reason?: string }[] = [];
  const counted = Object.keys(queue.jobs).length > 0;
  const waiting = waitingJobs(queue.jobs);
  if (!counted) {
    checks.push({ status: 'degraded', reason: 'the queue system has not counted this queue yet' });
  } else if (judgeBacklog) {
    checks.push(
      judge(queue.oldestAgeSeconds, limits.oldestAgeSeconds, (bound) => {
        return `the oldest ready job has waited ${Math.round(queue.oldestAgeSeconds)} s (limit ${bound} s)`;
      }),
      judge(waiting, limits.queueLength, (bound) => `${waiting} jobs are waiting (limit ${bound})`),
    );
  }
  if (queue.deadLetter) {
    const { jobs, name } = queue.deadLetter;
    checks.push(
      judge(
        jobs,
        limits.deadLetterJobs,
        (bound) => `${jobs} jobs are in dead-letter queue ${name} (limit ${bound})`,
      ),
    );
  }
  const countsAge = Math.max(0, (takenAt.getTime() - queue.countedAt.getTime()) / 1000);
  checks.push(
    judge(countsAge, limits.countsAgeSeconds, (bound) => {
      return `the counts are ${Math.round(countsAge)} s old (limit ${bound} s)`;
    }),
  );
  const workers = liveWorkers(queue.workers);
  if (judgeBacklog && workers === 0 && waiting > 0 && limits.noWorkers !== 'healthy') {
    checks.push({ status: limits.noWorkers, reason: `${waiting} jobs are waiting and no worker is live` });
  }
  return {
    status: checks.reduce<HealthStatus>((status, check) => worst(status, check.status), 'healthy'),
    reasons: checks.flatMap((check) => (check.reason === undefined ? [] : [check.reason])),
  };
}

/** The collector's lag judged by its limit; the default scales with the interval. */
export function judgeLag(lagSeconds: number, intervalSeconds: number, thresholds: HealthThresholds) {
  const limit = thresholds.collectorLagSeconds ?? {
    degraded: 3 * intervalSeconds,
    unhealthy: 10 * intervalSeconds,
  };
  return judge(
    lagSeconds,
    limit,
    (bound) => `the last collection is ${Math.round(lagSeconds)} s old (limit ${bound} s)`,
  );
}

function pick(thresholds: QueueThresholds): Partial<QueueThresholds> {
  const picked: Partial<Record<keyof QueueThresholds, unknown>> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof QueueThresholds)[]) {
    if (thresholds[key] !== undefined) picked[key] = thresholds[key];
  }
  return picked as Partial<QueueThresholds>;
}

const LIMIT_KEYS = ['oldestAgeSeconds', 'queueLength', 'deadLetterJobs', 'countsAgeSeconds'] as const;
const STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];

/** Checks thresholds once, when the handler is created; the error names the field. */
export function checkThresholds(thresholds: unknown, field = 'thresholds'): HealthThresholds {
  if (thresholds === undefined) return {};
  if (thresholds === null || typeof thresholds !== 'object' || Array.isArray(thresholds)) {
    throw new QueuetelConfigError(field, `must be an object, got ${typeName(thresholds)}`);
  }
  const t = thresholds as Record<string, unknown>;
  const top = field === 'thresholds';
  const known = [...LIMIT_KEYS, 'noWorkers', ...(top ? ['collectorLagSeconds', 'queues'] : [])];
  expectKnownKeys(field, t, known, 'threshold');
  for (const key of [...LIMIT_KEYS, ...(top ? (['collectorLagSeconds'] as const) : [])]) {
    checkLimit(`${field}.${key}`, t[key]);
  }
  if (t.noWorkers !== undefined && !STATUSES.includes(t.noWorkers as HealthStatus)) {
    throw new QueuetelConfigError(
      `${field}.noWorkers`,
      `must be 'healthy', 'degraded' or 'unhealthy', got ${typeName(t.noWorkers)}`,
    );
  }
  if (top && t.queues !== undefined) {
    if (t.queues === null || typeof t.queues !== 'object' || Array.isArray(t.queues)) {
      throw new QueuetelConfigError(
        `${field}.queues`,
        `must be an object keyed by queue name, got ${typeName(t.queues)}`,
      );
    }
    for (const [name, value] of Object.entries(t.queues)) checkThresholds(value, `${field}.queues.${name}`);
  }
  return t;
}

function checkLimit(field: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new QueuetelConfigError(
      field,
      `must be an object such as { degraded: 60, unhealthy: 300 }, got ${typeName(value)}`,
    );
  }
  const limit = value as Record<string, unknown>;
  expectKnownKeys(field, limit, ['degraded', 'unhealthy'], "limit: use 'degraded' or 'unhealthy'");
  for (const [key, bound] of Object.entries(limit)) {
    if (bound !== undefined && (typeof bound !== 'number' || !Number.isFinite(bound) || bound < 0)) {
      throw new QueuetelConfigError(
        `${field}.${key}`,
        `must be a number of 0 or more, got ${typeName(bound)}`,
      );
    }
  }
  const { degraded, unhealthy } = limit as Limit;
  if (degraded !== undefined && unhealthy !== undefined && degraded > unhealthy) {
    throw new QueuetelConfigError(field, `has degraded (${degraded}) above unhealthy (${unhealthy})`);
  }
}
