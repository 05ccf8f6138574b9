import { describe, expect, it } from 'vitest';
import { MaxReadsExceededError } from '@queuetel/pgmq';
import { withQueue } from '../src/errors.js';

describe('errors reach the caller unchanged, naming the queue', () => {
  it('adds the queue to the very same error object', () => {
    const error = Object.assign(new Error('relation "pgmq.q_x" does not exist'), { code: '42P01' });
    const stack = error.stack;
    expect(withQueue(error, 'x')).toBe(error);
    expect(error).toMatchObject({ queue: 'x', code: '42P01', message: 'relation "pgmq.q_x" does not exist' });
    expect(error.stack).toBe(stack);
  });

  it('leaves alone an error that already names a queue, cannot take one, or is not an object', () => {
    const named = Object.assign(new Error('a'), { queue: 'first' });
    expect(withQueue(named, 'second')).toMatchObject({ queue: 'first' });
    const frozen = Object.freeze(new Error('b'));
    expect(withQueue(frozen, 'q')).toBe(frozen);
    expect(Object.hasOwn(frozen, 'queue')).toBe(false);
    expect(withQueue('text', 'q')).toBe('text');
    expect(withQueue(new Error('c'), undefined)).not.toHaveProperty('queue');
  });

  it('names the read count and limit when a message was read too often', () => {
    const error = new MaxReadsExceededError('jobs', '12', 6, 5);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MaxReadsExceededError');
    expect(error.message).toBe("message 12 of queue 'jobs' was read 6 times, more than maxReads (5)");
  });
});
