import type { JobTelemetry } from '@queuetel/core';
import type { Carrier } from '@queuetel/core/internal';
import { withCarrier } from './data-carrier.js';
import type { PgBossJob } from './types.js';

type Call = (...args: unknown[]) => Promise<unknown>;

/** The queue a 10.x `insert()` of jobs for several queues is recorded under. */
const MIXED_QUEUES = '_multiple';

/**
 * `send`, `sendAfter`, `sendThrottled`, `sendDebounced`, `publish` and `upsert`: a queue (or event)
 * name, then the job data, then anything else. `send` and `upsert` also take one request object.
 */
export function instrumentSendCall(
  telemetry: JobTelemetry<PgBossJob>,
  operation: string,
  messageCount: number,
  original: Call,
  afterArgument = false,
): Call {
  return (...args) => {
    const call = parseNamedCall(args, afterArgument);
    if (!call) return original(...args);
    const eligibleAt = eligibleAtFor(call.startAfter);
    return telemetry.send(
      call.name,
      operation,
      messageCount,
      (carrier) => original(...call.withData(withCarrier(call.data, carrier, eligibleAt))),
      (id) => (typeof id === 'string' ? id : undefined),
    );
  };
}

/**
 * The same calls beside pg-boss's built-in telemetry, which makes the send spans and carries the
 * trace context itself: queuetel only stamps when each job becomes eligible, for its wait time.
 */
export function stampSendCall(original: Call, afterArgument = false): Call {
  return (...args) => {
    const call = parseNamedCall(args, afterArgument);
    if (!call) return original(...args);
    return original(...call.withData(withCarrier(call.data, undefined, eligibleAtFor(call.startAfter))));
  };
}

/** `insert()` beside the built-in telemetry: each job stamped with when it becomes eligible. */
export function stampInsert(original: Call): Call {
  return (...args) => {
    const jobsAt = typeof args[0] === 'string' ? 1 : 0;
    const jobs = args[jobsAt];
    if (!Array.isArray(jobs)) return original(...args);
    const stamped = args.slice();
    stamped[jobsAt] = stampJobs(jobs, undefined);
    return original(...stamped);
  };
}

function stampJobs(jobs: unknown[], carrier: Carrier | undefined): unknown[] {
  const now = Date.now();
  return jobs.map((job) =>
    isRecord(job)
      ? { ...job, data: withCarrier(job.data, carrier, eligibleAtFor(job.startAfter, now)) }
      : job,
  );
}

/**
 * When a job sent now with this `startAfter` becomes eligible: pg-boss takes seconds from now, a
 * Date, or a date string. Never before now.
 */
export function eligibleAtFor(startAfter: unknown, now = Date.now()): number {
  let at = now;
  if (typeof startAfter === 'number' && Number.isFinite(startAfter)) at = now + startAfter * 1000;
  else if (startAfter instanceof Date) at = startAfter.getTime();
  else if (typeof startAfter === 'string') at = Date.parse(startAfter);
  return Number.isFinite(at) && at > now ? at : now;
}

/** `insert(name, jobs, options)` on pg-boss 11 and later, `insert(jobs, options)` on 10. */
export function instrumentInsert(telemetry: JobTelemetry<PgBossJob>, original: Call): Call {
  return (...args) => {
    let name: string;
    let jobs: unknown[];
    let rebuild: (jobs: unknown[]) => unknown[];
    if (typeof args[0] === 'string' && Array.isArray(args[1])) {
      name = args[0];
      jobs = args[1];
      rebuild = (withContext) => [name, withContext, ...args.slice(2)];
    } else if (Array.isArray(args[0])) {
      jobs = args[0];
      const names = new Set(jobs.map((job) => (isRecord(job) ? job.name : undefined)));
      const only = names.size === 1 ? [...names][0] : undefined;
      name = typeof only === 'string' ? only : MIXED_QUEUES;
      rebuild = (withContext) => [withContext, ...args.slice(1)];
    } else {
      return original(...args);
    }
    return telemetry.send(name, 'insert', jobs.length, (carrier) =>
      original(...rebuild(stampJobs(jobs, carrier))),
    );
  };
}

interface NamedCall {
  readonly name: string;
  readonly data: unknown;
  /** The call's `startAfter`: from its options, or `sendAfter`'s fourth argument (`afterArgument`). */
  readonly startAfter: unknown;
  withData(data: unknown): unknown[];
}

function parseNamedCall(args: unknown[], afterArgument: boolean): NamedCall | undefined {
  const [first, second, ...rest] = args;
  if (typeof first === 'string') {
    const options = rest[0];
    const startAfter = afterArgument ? rest[1] : isRecord(options) ? options.startAfter : undefined;
    return { name: first, data: second, startAfter, withData: (data) => [first, data, ...rest] };
  }
  if (isRecord(first) && typeof first.name === 'string' && args.length === 1) {
    const options = first.options;
    return {
      name: first.name,
      data: first.data,
      startAfter: isRecord(options) ? options.startAfter : undefined,
      withData: (data) => [{ ...first, data }],
    };
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
