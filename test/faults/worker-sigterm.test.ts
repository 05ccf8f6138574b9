import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';
import { openTestQueue } from './test-queue.js';
import { killWorker, receivedTotal, startWorker, type QueueKind } from './worker-process.js';

const JOBS = 60;
/** Long enough that the signal arrives while jobs are still running. */
const WORK_MS = 1500;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

const KINDS: readonly QueueKind[] = ['pg-boss-10', 'pg-boss-12', 'pgmq'];

describe.each(KINDS)('a %s worker sent SIGTERM under load', (kind) => {
  it('finishes the jobs in flight, flushes every outcome, and exits with code 0', async () => {
    const queue = `sigterm_${kind.replace(/\W+/g, '_')}`;
    const jobs = await openTestQueue(kind, queue);
    const receiver = await startOtlpReceiver();
    cleanup.push(
      () => jobs.close(),
      () => receiver.close(),
    );
    const worker = await startWorker({
      kind,
      queue,
      databaseUrl: jobs.db.url,
      receiver,
      instance: 'sigterm',
      workMs: WORK_MS,
      // No periodic export within the test: what arrives, the flush at shutdown sent.
      metricExportMs: 600_000,
    });
    cleanup.push(() => killWorker(worker));
    await jobs.send(JOBS);
    // Jobs running, none finished yet: the signal lands mid-job.
    await eventually(async () => {
      expect(worker.started().length).toBeGreaterThan(0);
      expect(await jobs.completed()).toBe(0);
    });
    expect(receivedTotal(receiver, 'queuetel.job.outcomes')).toBe(0);
    worker.child.kill('SIGTERM');
    const { code, signal } = await worker.exited;
    expect({ code, signal }, worker.output()).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/^stopped$/m);

    // Every job it started finished; what it never started waits for the next worker.
    const started = worker.started().length;
    expect(started).toBeGreaterThan(0);
    expect(await jobs.completed()).toBe(started);
    expect(await jobs.pending()).toBe(JOBS - started);
    // And the receiver got each of their outcomes before the process ended: nothing was left unsent.
    const total = (name: string, where: Record<string, string> = {}) =>
      receivedTotal(receiver, name, { 'messaging.destination.name': queue, ...where });
    expect(total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'completed' })).toBe(started);
    expect(total('queuetel.job.outcomes')).toBe(started);
    expect(total('queuetel.job.attempts')).toBe(started);
    expect(total('queuetel.job.in_flight')).toBe(0);
    expect(total('queuetel.job.duration')).toBe(started);
  }, 60_000);
});
