import type { JobTelemetry } from '@queuetel/core';
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
): Call {
  return (...args) => {
    const call = parseNamedCall(args);
    if (!call) return original(...args);
    return telemetry.send(
      call.name,
      operation,
      messageCount,
      (carrier) => original(...call.withData(withCarrier(call.data, carrier))),
      (id) => (typeof id === 'string' ? id : undefined),
    );
  };
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
      original(
        ...rebuild(
          jobs.map((job) => (isRecord(job) ? { ...job, data: withCarrier(job.data, carrier) } : job)),
        ),
      ),
    );
  };
}

interface NamedCall {
  readonly name: string;
  readonly data: unknown;
  withData(data: unknown): unknown[];
}

function parseNamedCall(args: unknown[]): NamedCall | undefined {
  const [first, second, ...rest] = args;
  if (typeof first === 'string') {
    return { name: first, data: second, withData: (data) => [first, data, ...rest] };
  }
  if (isRecord(first) && typeof first.name === 'string' && args.length === 1) {
    return { name: first.name, data: first.data, withData: (data) => [{ ...first, data }] };
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
