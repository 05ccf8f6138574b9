import {
  ERROR_TYPE_TIMEOUT,
  JOB_OUTCOMES,
  type Failure,
  type JobFacts,
  type QueueAdapter,
  type Verdict,
} from '@queuetel/core';
import manifest from '../package.json' with { type: 'json' };
import { keptCarrier } from './data-carrier.js';
import type { PgBossJob } from './types.js';

export const PG_BOSS_SYSTEM = 'pg-boss';
export const SCOPE = Object.freeze({ name: manifest.name, version: manifest.version });

/**
 * What queuetel reads from a pg-boss job. The trace context was taken out of the job's data on
 * arrival, since the handler must not see it, and kept with the job (see `keepCarrier`).
 */
export const PG_BOSS_ADAPTER: QueueAdapter<PgBossJob> = Object.freeze({
  system: PG_BOSS_SYSTEM,
  scope: SCOPE,
  facts: jobFacts,
  carrier: keptCarrier,
  verdict: jobVerdict,
});

export function jobFacts(job: PgBossJob): JobFacts {
  return {
    id: typeof job.id === 'string' ? job.id : String(job.id),
    attempt: typeof job.retryCount === 'number' ? job.retryCount + 1 : undefined,
    waitSeconds: waitSeconds(job),
  };
}

/**
 * From when the job became eligible (its startAfter, which pg-boss moves forward on each retry, or
 * its creation) to when pg-boss started it. Both ends are database timestamps, so a worker whose
 * clock is off does not skew the figure.
 */
function waitSeconds(job: PgBossJob): number | undefined {
  const started = time(job.startedOn);
  const eligible = Math.max(time(job.startAfter) ?? -Infinity, time(job.createdOn) ?? -Infinity);
  if (started === undefined || eligible === -Infinity) return undefined;
  return Math.max(0, (started - eligible) / 1000);
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

export function jobVerdict(job: PgBossJob, failure: Failure | undefined, seconds: number): Verdict {
  const expire = Number(job.expireInSeconds);
  if (expire > 0 && seconds >= expire) {
    return { outcome: finalOutcome(job, JOB_OUTCOMES.expired), errorType: ERROR_TYPE_TIMEOUT };
  }
  if (!failure) return COMPLETED;
  if (job.signal?.aborted === true) return { outcome: JOB_OUTCOMES.cancelled };
  return { outcome: finalOutcome(job, JOB_OUTCOMES.failed) };
}

function finalOutcome(job: PgBossJob, terminal: typeof JOB_OUTCOMES.failed | typeof JOB_OUTCOMES.expired) {
  const { retryCount, retryLimit } = job;
  if (typeof retryCount === 'number' && typeof retryLimit === 'number' && retryCount < retryLimit) {
    return JOB_OUTCOMES.retried;
  }
  return job.deadLetter ? JOB_OUTCOMES.dead_lettered : terminal;
}
