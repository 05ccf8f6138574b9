import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { QueuetelConfigError } from '@queuetel/core';
import { PgmqClient, type ConsumeOptions } from '@queuetel/pgmq';
import { resolveConsumeOptions } from '../src/consumer-options.js';

const handler = async () => {};

function fieldOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(QueuetelConfigError);
    return (error as QueuetelConfigError).field;
  }
  throw new Error('expected a QueuetelConfigError');
}

describe('the pgmq client checks its arguments once, at construction', () => {
  it('refuses something that is not a pg pool or client', () => {
    expect(fieldOf(() => new PgmqClient({} as pg.Pool))).toBe('db');
    expect(fieldOf(() => new PgmqClient(null as unknown as pg.Pool))).toBe('db');
  });

  it('refuses bad instrumentation options by name', () => {
    // A pool that is never asked to connect: construction does no I/O.
    const pool = new pg.Pool();
    expect(fieldOf(() => new PgmqClient(pool, { producerRelationship: 'parent' as 'link' }))).toBe(
      'producerRelationship',
    );
    expect(fieldOf(() => new PgmqClient(pool, { labels: { project: { from: '' } } }))).toBe(
      'labels.project.from',
    );
    expect(fieldOf(() => new PgmqClient(pool, { tracer: {} } as never))).toBe('tracer');
  });

  it('refuses bad consume options before reading anything, synchronously', () => {
    const client = new PgmqClient(new pg.Pool());
    expect(fieldOf(() => client.consume('jobs', handler, { concurrency: 0 }))).toBe('concurrency');
  });
});

describe('consume options', () => {
  it('fills in the defaults', () => {
    expect(resolveConsumeOptions('jobs', handler, undefined)).toEqual({
      signal: undefined,
      vt: 30,
      concurrency: 1,
      batchSize: 1,
      pollIntervalMs: 1000,
      onSuccess: 'delete',
      maxReads: 5,
      deadLetterQueue: undefined,
      backoff: undefined,
      onError: undefined,
      fifo: 'off',
      listen: true,
      heartbeatIntervalSeconds: 10,
    });
    expect(resolveConsumeOptions('jobs', handler, { concurrency: 8 }).batchSize).toBe(8);
  });

  it('beats a heartbeat unless told not to', () => {
    const settings = (options: ConsumeOptions) =>
      resolveConsumeOptions('jobs', handler, options).heartbeatIntervalSeconds;
    expect(settings({ heartbeatIntervalSeconds: 2 })).toBe(2);
    expect(settings({ heartbeat: true })).toBe(10);
    expect(settings({ heartbeat: false })).toBeUndefined();
    expect(settings({ heartbeat: false, heartbeatIntervalSeconds: 2 })).toBeUndefined();
  });

  it.each<[string, ConsumeOptions, string]>([
    ['a visibility timeout below a second', { vt: 0 }, 'vt'],
    ['a fractional visibility timeout', { vt: 1.5 }, 'vt'],
    ['no concurrency', { concurrency: 0 }, 'concurrency'],
    ['batches bigger than the free slots', { concurrency: 2, batchSize: 3 }, 'batchSize'],
    ['a poll interval of 0', { pollIntervalMs: 0 }, 'pollIntervalMs'],
    ['an unknown settle action', { onSuccess: 'ack' as 'delete' }, 'onSuccess'],
    ['no reads at all', { maxReads: 0 }, 'maxReads'],
    ['a dead-letter queue with no name', { deadLetterQueue: '' }, 'deadLetterQueue'],
    ['the consumed queue as its own dead-letter queue', { deadLetterQueue: 'jobs' }, 'deadLetterQueue'],
    ['a negative backoff', { backoff: -1 }, 'backoff'],
    ['a backoff that is neither seconds nor a function', { backoff: '5s' as unknown as number }, 'backoff'],
    ['an onError that is not a function', { onError: 'log' as never }, 'onError'],
    ['a signal that is not an AbortSignal', { signal: {} as AbortSignal }, 'signal'],
    ['a heartbeat that is not true or false', { heartbeat: 'on' as never }, 'heartbeat'],
    ['heartbeats under a second apart', { heartbeatIntervalSeconds: 0.5 }, 'heartbeatIntervalSeconds'],
    ['heartbeats over an hour apart', { heartbeatIntervalSeconds: 3601 }, 'heartbeatIntervalSeconds'],
    ['an unknown option', { visibilityTimeout: 30 } as ConsumeOptions, 'visibilityTimeout'],
  ])('names the field for %s', (_, options, field) => {
    expect(fieldOf(() => resolveConsumeOptions('jobs', handler, options))).toBe(field);
  });

  it('names the queue and the handler', () => {
    expect(fieldOf(() => resolveConsumeOptions('', handler, {}))).toBe('queue');
    expect(fieldOf(() => resolveConsumeOptions('x'.repeat(48), handler, {}))).toBe('queue');
    expect(fieldOf(() => resolveConsumeOptions('jobs', 'run' as never, {}))).toBe('handler');
  });

  it('accepts a backoff function and whole seconds', () => {
    const backoff = (attempt: number) => 2 ** attempt;
    expect(resolveConsumeOptions('jobs', handler, { backoff }).backoff).toBe(backoff);
    expect(resolveConsumeOptions('jobs', handler, { backoff: 0 }).backoff).toBe(0);
  });
});
