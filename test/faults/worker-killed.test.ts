import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';
import { openTestQueue, type TestQueue } from './test-queue.js';
import {
  killWorker,
  receivedTotal,
  startWorker,
  type QueueKind,
  type WorkerProcess,
} from './worker-process.js';

/** Jobs that finish before the kill, and jobs whose handlers are running when it comes. */
const FINISHED = 20;
const MID_JOB = 5;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

const KINDS: readonly QueueKind[] = ['pg-boss-10', 'pg-boss-12', 'pgmq'];

describe.each(KINDS)('a %s worker SIGKILLed mid-job, then started again', (kind) => {
  it('counts every job exactly once, and the attempts that died as the docs say', async () => {
    const queue = `killed_${kind.replace(/\W+/g, '_')}`;
    const jobs: TestQueue = await openTestQueue(kind, queue);
    const receiver: OtlpReceiver = await startOtlpReceiver();
    const workers: WorkerProcess[] = [];
    cleanup.push(
      () => jobs.close(),
      () => receiver.close(),
      async () => {
        for (const worker of workers) await killWorker(worker);
      },
    );
    const total = (name: string, where: Record<string, string> = {}, instance?: string) =>
      receivedTotal(receiver, name, { 'messaging.destination.name': queue, ...where }, instance);
    const outcome = (name: string, instance?: string) =>
      total('queuetel.job.outcomes', { 'queuetel.job.outcome': name }, instance);

    // The first life: some jobs finish and their telemetry is exported; then some hang mid-handler.
    const first = await startWorker({
      kind,
      queue,
      databaseUrl: jobs.db.url,
      receiver,
      instance: 'first',
      hang: true,
    });
    workers.push(first);
    await jobs.send(FINISHED);
    await eventually(async () => {
      expect(await jobs.completed()).toBe(FINISHED);
      expect(outcome('completed', 'first')).toBe(FINISHED);
    });
    await jobs.send(MID_JOB, { hang: true });
    await eventually(() => {
      expect(first.started()).toHaveLength(FINISHED + MID_JOB);
      expect(total('queuetel.job.in_flight', {}, 'first')).toBe(MID_JOB);
      expect(total('queuetel.job.attempts', {}, 'first')).toBe(FINISHED + MID_JOB);
    });
    await killWorker(first, 'SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    // The second life takes the jobs back once their attempts expire, and finishes them.
    const second = await startWorker({ kind, queue, databaseUrl: jobs.db.url, receiver, instance: 'second' });
    workers.push(second);
    await eventually(async () => {
      expect(await jobs.completed()).toBe(FINISHED + MID_JOB);
      expect(await jobs.pending()).toBe(0);
      expect(outcome('completed', 'second')).toBe(MID_JOB);
      expect(total('queuetel.job.in_flight', {}, 'second')).toBe(0);
      if (kind !== 'pgmq') expect(outcome('retried', 'second')).toBe(MID_JOB);
    }, 60_000);
    // Each job that hung ran once more, and only those.
    expect(second.started()).toHaveLength(MID_JOB);

    // Every job completed once, and counted once.
    expect(outcome('completed')).toBe(FINISHED + MID_JOB);
    expect(total('queuetel.job.attempts')).toBe(FINISHED + 2 * MID_JOB);
    if (kind === 'pgmq') {
      // pgmq keeps no record of how a read ended: a read whose worker died has no outcome, and the
      // message's next read counts as a new attempt (docs/reliability.md).
      expect(total('queuetel.job.outcomes')).toBe(FINISHED + MID_JOB);
    } else {
      // pg-boss expired each attempt that died; its retry counted it, once, as a timeout.
      expect(
        total('queuetel.job.outcomes', { 'queuetel.job.outcome': 'retried', 'error.type': 'timeout' }),
      ).toBe(MID_JOB);
      expect(total('queuetel.job.outcomes')).toBe(FINISHED + 2 * MID_JOB);
    }
    // The dead process's last export still says its attempts were in flight: a backend sees that
    // series go stale, never come back to zero (docs/reliability.md).
    expect(total('queuetel.job.in_flight', {}, 'first')).toBe(MID_JOB);
  }, 120_000);
});
