import {
  ERROR_TYPE_TIMEOUT,
  JOB_OUTCOMES,
  type Failure,
  type JobFacts,
  type QueueAdapter,
  type Verdict,
} from '@queuetel/core';
import manifest from '../package.json' with { type: 'json' };
import { eligibleAtOf, keptCarrier } from './data-carrier.js';
import type { LostAttempts } from './lost-attempts.js';
import type { PgBossJob } from './types.js';

export const PG_BOSS_SYSTEM = 'pg-boss';
export const SCOPE = Object.freeze({ name: manifest.name, version: manifest.version });

/** What a queue's policy says about retries, read once per worked queue. */
export interface QueuePolicy {
  readonly retryLimit?: number;
  readonly deadLetter?: string;
}

/**
 * What queuetel reads from a pg-boss job. The trace context and the producer's eligibility stamp
 * were taken out of the job's data on arrival, since the handler must not see them, and kept with
 * the job (see `keepCarrier`). `policyOf` gives the retry policy of the job's queue.
 */
export function pgBossAdapter(
  policyOf: (queue: string) => QueuePolicy | undefined,
  lostAttempts: LostAttempts,
): QueueAdapter<PgBossJob> {
  return Object.freeze({
    system: PG_BOSS_SYSTEM,
    scope: SCOPE,
    facts: (job: PgBossJob) => jobFacts(job),
    carrier: keptCarrier,
    verdict: (job: PgBossJob, failure: Failure | undefined, seconds: number) => {
      const verdict = jobVerdict(job, failure, seconds, policyOf(job.name));
      if (verdict.outcome === JOB_OUTCOMES.retried) lostAttempts.sawFail(job);
      return verdict;
    },
  });
}

export function jobFacts(job: PgBossJob, now?: number): JobFacts {
  return {
    id: typeof job.id === 'string' ? job.id : String(job.id),
    attempt: typeof job.retryCount === 'number' ? job.retryCount + 1 : undefined,
    waitSeconds: waitSeconds(job, now),
  };
}

/**
 * From when the job became eligible to when it started. With the job's metadata: its startAfter
 * (which pg-boss moves forward on each retry) or its creation, to its start, all database
 * timestamps. Without: the producer's eligibility stamp to now, on the first attempt only (a retry's
 * eligibility is known only to the database), and as good as the two machines' clocks agree.
 */
function waitSeconds(job: PgBossJob, now: number | undefined): number | undefined {
  const started = time(job.startedOn);
  if (started !== undefined) {
    const eligible = Math.max(time(job.startAfter) ?? -Infinity, time(job.createdOn) ?? -Infinity);
    return eligible === -Infinity ? undefined : Math.max(0, (started - eligible) / 1000);
  }
  if (job.retryCount !== 0 && job.retryCount !== undefined) return undefined;
  const eligibleAt = eligibleAtOf(keptCarrier(job));
  // The clock is read only here: a job fetched with its metadata never needs it.
  return eligibleAt === undefined ? undefined : Math.max(0, ((now ?? Date.now()) - eligibleAt) / 1000);
}

function time(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/**
 * How pg-boss settles an attempt, worked out from the job's own metadata:
 * - a handler that outlived `expireInSeconds` was failed by pg-boss whatever it later returned;
 * - a failure while the job's signal is aborted means the job was taken away (cancelled, deleted
 *   or failed elsewhere): flow control, not an error of the handler;
 * - otherwise a failure is retried while retries remain, then dead-lettered or failed for good.
 */
// The verdict of nearly every attempt, made once rather than per job.
const COMPLETED: Verdict = Object.freeze({ outcome: JOB_OUTCOMES.completed });

export function jobVerdict(
  job: PgBossJob,
  failure: Failure | undefined,
  seconds: number,
  policy?: QueuePolicy,
): Verdict {
  // pg-boss 10 hands expireInSeconds over as a numeric string ("1.000000").
  const expire = Number(job.expireInSeconds);
  if (expire > 0 && seconds >= expire) {
    return { outcome: finalOutcome(job, JOB_OUTCOMES.expired, policy), errorType: ERROR_TYPE_TIMEOUT };
  }
  if (!failure) return COMPLETED;
  if (job.signal?.aborted === true) return { outcome: JOB_OUTCOMES.cancelled };
  return { outcome: finalOutcome(job, JOB_OUTCOMES.failed, policy) };
}

/** The job's own retry limit and dead-letter queue when it was fetched with them, else its queue's. */
function finalOutcome(
  job: PgBossJob,
  terminal: typeof JOB_OUTCOMES.failed | typeof JOB_OUTCOMES.expired,
  policy: QueuePolicy | undefined,
) {
  const retryCount = job.retryCount;
  const retryLimit = job.retryLimit ?? policy?.retryLimit;
  if (typeof retryCount === 'number' && typeof retryLimit === 'number' && retryCount < retryLimit) {
    return JOB_OUTCOMES.retried;
  }
  const deadLetter = job.deadLetter === undefined ? policy?.deadLetter : job.deadLetter;
  return deadLetter ? JOB_OUTCOMES.dead_lettered : terminal;
}
