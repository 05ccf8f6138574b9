import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { eventually } from '../../harness/pg-boss.js';
import type { RunningPrometheus } from './prometheus.js';
import type { RunningWorker } from './worker.js';

/** A caller's trace context: the HTTP request that enqueues a job comes with it. */
export interface CallerTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceparent: string;
}

export function callerTrace(): CallerTrace {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** What the known workload leaves, per outcome and in total, for each queue it runs on. */
export const WORKLOAD = {
  completed: 5,
  retried: 1,
  deadLettered: 1,
  /** Handler runs: 5 that complete, and the failing job's two attempts. */
  attempts: 7,
  /** Attempts after the first: the failing job's second one. */
  retries: 1,
  /** Label values folded: the one project the workers' label declaration does not list. */
  foldedOther: 1,
} as const;

/** A project the workers' label declaration does not list (test/stack/fixtures/worker.ts). */
const UNDECLARED_PROJECT = 'initech';

export interface WorkloadRun {
  /** The trace of the request that enqueued the first job, and that job's id. */
  readonly completedJob: { readonly id: string; readonly caller: CallerTrace };
  readonly failedJob: { readonly id: string; readonly caller: CallerTrace };
}

/**
 * Four jobs that complete (project acme), one that completes for a project the workers do not
 * declare (counted under `_other`, and as one folded label value), and one that fails twice and is
 * dead-lettered (project globex), each enqueued by an HTTP request with a trace of its own. Resolves
 * once the worker has handled all seven attempts.
 */
export async function runWorkload(worker: RunningWorker): Promise<WorkloadRun> {
  const before = worker.handled().length;
  const callers = Array.from({ length: 6 }, callerTrace);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await worker.enqueue({ project: 'acme' }, callers[i]!.traceparent));
  await worker.enqueue({ project: UNDECLARED_PROJECT }, callers[4]!.traceparent);
  const failedId = await worker.enqueue({ project: 'globex', fail: true }, callers[5]!.traceparent);
  await eventually(() => expect(worker.handled().length - before).toBe(WORKLOAD.attempts), 30_000);
  return {
    completedJob: { id: ids[0]!, caller: callers[0]! },
    failedJob: { id: failedId, caller: callers[5]! },
  };
}

/**
 * From a job's completion to the moment Prometheus counts it: enqueues one job, takes the time its
 * handler ran, and polls `completedQuery` until the count reaches the new total. Milliseconds.
 */
export async function measureFreshness(
  worker: RunningWorker,
  prometheus: RunningPrometheus,
  completedQuery: string,
): Promise<number> {
  const before = await prometheus.query(completedQuery);
  const expected = (before[0]?.value ?? 0) + 1;
  const id = await worker.enqueue({ project: 'acme' });
  const handledAt = await eventually(() => {
    const job = worker.handled().find((j) => j.done === id);
    expect(job).toBeDefined();
    return job!.at;
  }, 30_000);
  const visibleAt = await eventually(async () => {
    const [sample] = await prometheus.query(completedQuery);
    expect(sample?.value).toBeGreaterThanOrEqual(expected);
    return Date.now();
  }, 30_000);
  return visibleAt - handledAt;
}
