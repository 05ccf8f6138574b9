import type { JobFailure, JobTelemetry, SpanPlan } from '@queuetel/core';
import { runTraced } from '@queuetel/core/internal';
import { activeBuiltInSpan } from './built-in.js';
import { keepCarrier, takeCarrier } from './data-carrier.js';
import { LostAttempts } from './lost-attempts.js';
import type { BatchHandler, JobHandler, PgBossJob } from './types.js';

const OWN_SPAN: SpanPlan = Object.freeze({ kind: 'own' });
const EACH_JOB = Symbol('queuetel.eachJob');

type MarkedHandler = BatchHandler<PgBossJob> & { [EACH_JOB]?: JobHandler<PgBossJob> };

/** Fails jobs one by one, each with its own error; pg-boss's `fail` bound to the instance. */
export type FailJob = (queue: string, id: string, error: unknown) => Promise<unknown>;

export interface ConsumerContext {
  readonly telemetry: JobTelemetry<PgBossJob>;
  /** Whether pg-boss is expected to wrap each handler call in a process span of its own. */
  readonly builtInExpected: boolean;
  readonly fail: FailJob;
  readonly lostAttempts: LostAttempts;
}

/**
 * A batch handler that runs `handler` on each job in turn. A batch of one rethrows the job's error
 * as it is, for pg-boss to fail; in a larger batch a failed job is failed alone, with its own error,
 * and the rest complete when the batch returns.
 */
export function eachJob<Job>(handler: JobHandler<Job>, fail: FailJob): BatchHandler<Job> {
  const perJob = handler as unknown as JobHandler<PgBossJob>;
  const batch = (jobs: PgBossJob[]) => runEach(jobs, perJob, fail);
  return Object.assign(batch, { [EACH_JOB]: perJob }) as unknown as BatchHandler<Job>;
}

function runEach(jobs: PgBossJob[], run: (job: PgBossJob) => unknown, fail: FailJob): Promise<unknown> {
  // A batch of one, the most common, is handed straight through, without an async function's frame;
  // the executor turns a synchronous throw into the rejection, with the thrown value unchanged.
  if (jobs.length === 1) return new Promise((resolve) => resolve(run(jobs[0]!)));
  return runInTurn(jobs, run, fail);
}

async function runInTurn(
  jobs: PgBossJob[],
  run: (job: PgBossJob) => unknown,
  fail: FailJob,
): Promise<unknown> {
  const failed: JobFailure<PgBossJob>[] = [];
  for (const job of jobs) {
    try {
      await run(job);
    } catch (error) {
      failed.push({ job, error });
    }
  }
  return failEach(failed, fail);
}

/** Fails each job whose handler failed, with its own error; the rest complete with the batch. */
async function failEach(failed: readonly JobFailure<PgBossJob>[], fail: FailJob): Promise<undefined> {
  for (const { job, error } of failed) await fail(job.name, job.id, error);
  return undefined;
}

/** The handler `work()` is given in place of the user's. */
export function instrumentHandler(
  context: ConsumerContext,
  queue: string,
  handler: BatchHandler<PgBossJob>,
): BatchHandler<PgBossJob> {
  const { telemetry } = context;
  const perJob = (handler as MarkedHandler)[EACH_JOB];
  // Resolved once: the queue of a work() call never changes.
  const consumer = telemetry.consumer(queue);

  return (jobs: PgBossJob[], ...rest: unknown[]) => {
    for (const job of jobs) keepCarrier(job, takeCarrier(job));
    // The worker loop runs untraced (no spans for its polling); what the handler does is the user's.
    if (!LostAttempts.anyRetry(jobs)) return runTraced(() => handle(jobs, rest));
    // A retry may follow an attempt nobody counted; the read that tells is queuetel's, untraced too.
    return context.lostAttempts.count(jobs, consumer).then(() => runTraced(() => handle(jobs, rest)));
  };

  function handle(jobs: PgBossJob[], rest: unknown[]): Promise<unknown> {
    const builtIn = activeBuiltInSpan();
    if (!builtIn) {
      if (context.builtInExpected) {
        telemetry.reporter.report(
          'built-in-missing',
          `pg-boss did not start a process span for queue '${queue}'. If its built-in telemetry is off ` +
            '(openTelemetry: { enabled: false }), pass builtInTelemetry: false to instrumentPgBoss() so ' +
            'queuetel makes the send spans and carries the trace context itself',
        );
      }
      // pg-boss counts the messages it delivers when its own telemetry is on; otherwise queuetel does.
      consumer.consumed(jobs.length);
    }

    if (perJob) {
      const plan: SpanPlan = !builtIn
        ? OWN_SPAN
        : jobs.length === 1
          ? { kind: 'enrich', span: builtIn }
          : { kind: 'event', span: builtIn };
      // A batch of one goes straight to process(), whose promise settles as the handler does.
      if (jobs.length === 1) return consumer.process(jobs, plan, () => perJob(jobs[0]!));
      return consumer.processEach(jobs, plan, perJob).then((failed) => failEach(failed, context.fail));
    }
    const plan: SpanPlan = builtIn ? { kind: 'enrich', span: builtIn } : OWN_SPAN;
    return consumer.process(jobs, plan, () => (handler as (...args: unknown[]) => unknown)(jobs, ...rest));
  }
}
