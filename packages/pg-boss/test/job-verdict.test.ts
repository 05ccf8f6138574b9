import { describe, expect, it } from 'vitest';
import { jobFacts, jobVerdict } from '../src/job-adapter.js';
import type { PgBossJob } from '@queuetel/pg-boss';

const job = (fields: Partial<PgBossJob> = {}): PgBossJob => ({
  id: 'j',
  name: 'q',
  data: {},
  retryCount: 0,
  retryLimit: 2,
  expireInSeconds: 60,
  ...fields,
});
const failure = { error: new Error('x') };

describe('how a pg-boss attempt ended', () => {
  it('completes when the handler returns in time', () => {
    expect(jobVerdict(job(), undefined, 1)).toEqual({ outcome: 'completed' });
  });

  it('is retried while retries remain, then failed, or dead-lettered when a queue is set', () => {
    expect(jobVerdict(job({ retryCount: 1 }), failure, 1).outcome).toBe('retried');
    expect(jobVerdict(job({ retryCount: 2 }), failure, 1).outcome).toBe('failed');
    expect(jobVerdict(job({ retryCount: 2, deadLetter: 'dlq' }), failure, 1).outcome).toBe('dead_lettered');
  });

  it('counts a handler that outlived its expiry as a timeout, whatever it returned', () => {
    expect(jobVerdict(job({ retryCount: 2 }), undefined, 61)).toEqual({
      outcome: 'expired',
      errorType: 'timeout',
    });
    expect(jobVerdict(job({ retryCount: 0 }), undefined, 61)).toEqual({
      outcome: 'retried',
      errorType: 'timeout',
    });
  });

  it("reads pg-boss 10's expiry, which arrives as a numeric string", () => {
    expect(
      jobVerdict(job({ retryCount: 0, retryLimit: 0, expireInSeconds: '1.000000' }), undefined, 1.2),
    ).toEqual({
      outcome: 'expired',
      errorType: 'timeout',
    });
    expect(jobVerdict(job({ expireInSeconds: 'soon' }), undefined, 1.2)).toEqual({ outcome: 'completed' });
  });

  it('treats a failure after the job was taken away as cancelled, not as an error', () => {
    const controller = new AbortController();
    controller.abort(new Error('job is no longer active under this worker'));
    expect(jobVerdict(job({ signal: controller.signal }), failure, 1).outcome).toBe('cancelled');
  });
});

describe('what queuetel reads from a pg-boss job', () => {
  it('takes the attempt from the retry count and the wait from database timestamps', () => {
    const facts = jobFacts(
      job({
        retryCount: 2,
        createdOn: new Date('2026-01-01T00:00:00Z'),
        startAfter: new Date('2026-01-01T00:01:00Z'),
        startedOn: new Date('2026-01-01T00:01:02.5Z'),
      }),
    );
    expect(facts).toEqual({ id: 'j', attempt: 3, waitSeconds: 2.5 });
  });

  it('falls back to the creation time and never reports a negative wait', () => {
    expect(
      jobFacts(
        job({ createdOn: new Date('2026-01-01T00:00:10Z'), startedOn: new Date('2026-01-01T00:00:00Z') }),
      ).waitSeconds,
    ).toBe(0);
  });

  it('leaves out what a job without metadata cannot say', () => {
    expect(jobFacts({ id: 'j', name: 'q', data: null })).toEqual({
      id: 'j',
      attempt: undefined,
      waitSeconds: undefined,
    });
  });
});
