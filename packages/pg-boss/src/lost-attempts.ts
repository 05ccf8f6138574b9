import { ERROR_TYPE_TIMEOUT, JOB_OUTCOMES, type QueueConsumer, type Verdict } from '@queuetel/core';
import { PG_BOSS_EXPIRY_MESSAGES } from '@queuetel/core/internal';
import type { PgBossJob } from './types.js';

/** Reads a job's row, as pg-boss's `getJobById(name, id)` does; rejects when the database cannot. */
export type ReadJob = (queue: string, id: string) => Promise<unknown>;

/**
 * The supervisor's marks: `{ value: { message } }` with one of these messages. A handler's own
 * failure is stored differently: an Error as `{ message, stack, ... }`, anything else as the value
 * itself or `{ value: <not this object> }`.
 */
const EXPIRY_MESSAGES: ReadonlySet<string> = new Set(PG_BOSS_EXPIRY_MESSAGES);

/** How an expired attempt that was followed by another ended: retried, as a timeout. */
export const EXPIRED_AND_RETRIED: Verdict = Object.freeze({
  outcome: JOB_OUTCOMES.retried,
  errorType: ERROR_TYPE_TIMEOUT,
});

/** How many attempts a worker remembers having seen fail, to skip reading their jobs again. */
const REMEMBERED_FAILURES = 4096;

/**
 * Counts, when a job is handed out again, the attempt before it that pg-boss's supervisor ended by
 * expiry. A live worker fails its own attempt when the handler outlives `expireInSeconds` (pg-boss
 * races the handler against a timer) and queuetel counts it there; the supervisor's sweep fails only
 * attempts whose worker is gone (SIGKILL, out of memory, a lost host) or, in 12.x, stopped sending
 * heartbeats. Nobody counted those. pg-boss leaves its mark in the job's `output` until the new
 * attempt settles; the job's metadata carries it when it was fetched with `includeMetadata`,
 * otherwise one read of the job's row fetches it: for retries only, and not for the retry of an
 * attempt this worker saw fail.
 */
export class LostAttempts {
  readonly #readJob: ReadJob | undefined;
  /** `id:retryCount` of attempts this worker saw fail with retries left, oldest first. */
  readonly #seenFailing = new Set<string>();

  constructor(readJob: ReadJob | undefined) {
    this.#readJob = readJob;
  }

  /** Whether any of the jobs is a retry, the only case with an earlier attempt to look at. */
  static anyRetry(jobs: readonly PgBossJob[]): boolean {
    for (const job of jobs) if (typeof job.retryCount === 'number' && job.retryCount > 0) return true;
    return false;
  }

  /** Notes that this worker saw an attempt fail and counted it: its retry needs no read. */
  sawFail(job: PgBossJob): void {
    if (typeof job.retryCount !== 'number') return;
    const seen = this.#seenFailing;
    seen.add(`${job.id}:${job.retryCount}`);
    if (seen.size > REMEMBERED_FAILURES) seen.delete(seen.values().next().value!);
  }

  /** Counts the expired attempt before each retried job, once. Never rejects. */
  async count(jobs: readonly PgBossJob[], consumer: QueueConsumer<PgBossJob>): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        try {
          if (await this.#followsExpiry(job)) consumer.lost(job, EXPIRED_AND_RETRIED);
        } catch {
          // A job pg-boss handed over in a shape it never had; the job itself must still run.
        }
      }),
    );
  }

  async #followsExpiry(job: PgBossJob): Promise<boolean> {
    const retryCount = job.retryCount;
    if (typeof retryCount !== 'number' || retryCount < 1) return false;
    if (this.#seenFailing.delete(`${job.id}:${retryCount - 1}`)) return false;
    if ('output' in job) return isExpiryOutput(job.output);
    if (!this.#readJob) return false;
    // Unreadable now (the database is down) rejects: the attempt goes uncounted, as
    // docs/reliability.md says.
    const row = await this.#readJob(job.name, job.id);
    return row !== null && typeof row === 'object' && isExpiryOutput((row as { output?: unknown }).output);
  }
}

/** Whether a job's stored output is the mark pg-boss's supervisor leaves on an attempt it expired. */
export function isExpiryOutput(output: unknown): boolean {
  if (output === null || typeof output !== 'object') return false;
  const keys = Object.keys(output);
  if (keys.length !== 1 || keys[0] !== 'value') return false;
  const value: unknown = (output as { value: unknown }).value;
  if (value === null || typeof value !== 'object') return false;
  const message: unknown = (value as { message?: unknown }).message;
  return typeof message === 'string' && EXPIRY_MESSAGES.has(message) && Object.keys(value).length === 1;
}
