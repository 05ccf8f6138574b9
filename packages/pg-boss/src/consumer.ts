import type { JobTelemetry, SpanPlan } from '@queuetel/core';
import { activeBuiltInSpan } from './built-in.js';
import { takeCarrier } from './data-carrier.js';
import type { BatchHandler, JobHandler, PgBossJob } from './types.js';

const OWN_SPAN: SpanPlan = Object.freeze({ kind: 'own' });
const EACH_JOB = Symbol('queuetel.eachJob');

type MarkedHandler = BatchHandler<PgBossJob> & { [EACH_JOB]?: JobHandler<PgBossJob> };

/** Fails jobs one by one, each with its own error; pg-boss's `fail` bound to the instance. */
export type FailJob = (queue: string, id: string, error: unknown) => Promise<unknown>;

export interface ConsumerContext {
  readonly telemetry: JobTelemetry<PgBossJob>;
  readonly carriers: WeakMap<object, unknown>;
  /** Whether pg-boss is expected to wrap each handler call in a process span of its own. */
  readonly builtInExpected: boolean;
  readonly fail: FailJob;
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

async function runEach(jobs: PgBossJob[], run: (job: PgBossJob) => unknown, fail: FailJob): Promise<unknown> {
  if (jobs.length === 1) return run(jobs[0]!);
  const failed: { job: PgBossJob; error: unknown }[] = [];
  for (const job of jobs) {
    try {
      await run(job);
    } catch (error) {
      failed.push({ job, error });
    }
  }
  for (const { job, error } of failed) await fail(job.name, job.id, error);
  return undefined;
}

/** The handler `work()` is given in place of the user's. */
export function instrumentHandler(
  context: ConsumerContext,
  queue: string,
  handler: BatchHandler<PgBossJob>,
): BatchHandler<PgBossJob> {
  const { telemetry, carriers } = context;
  const perJob = (handler as MarkedHandler)[EACH_JOB];

  return (jobs: PgBossJob[], ...rest: unknown[]) => {
    for (const job of jobs) {
      const carrier = takeCarrier(job);
      if (carrier !== undefined) carriers.set(job, carrier);
    }
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
      telemetry.queue(queue).consumed().add(jobs.length);
    }

    if (perJob) {
      const plan: SpanPlan = !builtIn
        ? OWN_SPAN
        : jobs.length === 1
          ? { kind: 'enrich', span: builtIn }
          : { kind: 'event', span: builtIn };
      return runEach(jobs, (job) => telemetry.process(queue, [job], plan, () => perJob(job)), context.fail);
    }
    const plan: SpanPlan = builtIn ? { kind: 'enrich', span: builtIn } : OWN_SPAN;
    return telemetry.process(queue, jobs, plan, () =>
      (handler as (...args: unknown[]) => unknown)(jobs, ...rest),
    );
  };
}
