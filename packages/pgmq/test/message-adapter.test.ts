import { describe, expect, it } from 'vitest';
import { messageFacts, messageVerdict, waitSecondsOf } from '../src/message-adapter.js';
import type { PgmqMessage } from '@queuetel/pgmq';

const message = (fields: Partial<PgmqMessage> = {}): PgmqMessage => ({
  msgId: '42',
  readCount: 1,
  enqueuedAt: new Date('2026-01-01T00:00:00Z'),
  lastReadAt: undefined,
  vt: new Date('2026-01-01T00:00:32.5Z'),
  message: {},
  headers: null,
  ...fields,
});
const failure = { error: new Error('boom') };

describe('what queuetel reads from a pgmq message', () => {
  it("takes the attempt from pgmq's read count and the wait from the note made at read time", () => {
    expect(messageFacts(message({ readCount: 3 }), { waitSeconds: 2.5, producer: undefined })).toEqual({
      id: '42',
      attempt: 3,
      waitSeconds: 2.5,
    });
  });

  it('gives a popped message (read count 0) no attempt, and no wait without a note', () => {
    expect(messageFacts(message({ readCount: 0 }), undefined)).toEqual({
      id: '42',
      attempt: undefined,
      waitSeconds: undefined,
    });
  });

  it('measures the wait to last_read_at when pgmq records it (1.10 and later)', () => {
    const read = message({ lastReadAt: new Date('2026-01-01T00:00:04Z') });
    expect(waitSecondsOf(read, 30)).toBe(4);
  });

  it('measures the wait to the read time behind vt on older pgmq, where a read sets vt = now + vt', () => {
    expect(waitSecondsOf(message(), 30)).toBe(2.5);
  });

  it('never reports a negative wait, and no wait from unreadable timestamps', () => {
    expect(waitSecondsOf(message({ vt: new Date('2026-01-01T00:00:10Z') }), 30)).toBe(0);
    expect(waitSecondsOf(message({ enqueuedAt: new Date(Number.NaN) }), 30)).toBeUndefined();
  });
});

describe('how a pgmq attempt ended', () => {
  it('completes when the handler returned, whatever a failure would have meant', () => {
    expect(messageVerdict(undefined, 'dead_lettered')).toEqual({ outcome: 'completed' });
  });

  it("takes a failure's outcome from the consumer's decision made before the attempt", () => {
    expect(messageVerdict(failure, 'retried').outcome).toBe('retried');
    expect(messageVerdict(failure, 'dead_lettered').outcome).toBe('dead_lettered');
    expect(messageVerdict(failure, 'failed').outcome).toBe('failed');
  });
});
