import { describe, expect, it } from 'vitest';
import { json, toMessage, toQueueInfo, toQueueStats } from '../src/sql.js';

// Rows as node-postgres returns them from pgmq's functions, by column name.
const enqueued = new Date('2026-01-01T00:00:00Z');
const vt = new Date('2026-01-01T00:00:30Z');
const row15 = {
  msg_id: '9007199254740993',
  read_ct: 2,
  enqueued_at: enqueued,
  vt,
  message: { a: 1 },
  headers: null,
};
const rowCurrent = {
  msg_id: '7',
  read_ct: 1,
  enqueued_at: enqueued,
  last_read_at: new Date('2026-01-01T00:00:01Z'),
  vt,
  message: [1, 2],
  headers: { 'x-pgmq-group': 'g' },
};

describe('reading pgmq rows by column name', () => {
  it('reads the pgmq 1.5 shape, with no last_read_at, keeping a bigint id exact', () => {
    expect(toMessage(row15)).toEqual({
      msgId: '9007199254740993',
      readCount: 2,
      enqueuedAt: enqueued,
      lastReadAt: undefined,
      vt,
      message: { a: 1 },
      headers: null,
    });
  });

  it('reads the current shape with last_read_at, whatever the column order', () => {
    const reordered = Object.fromEntries(Object.entries(rowCurrent).reverse());
    expect(toMessage(reordered)).toEqual({
      msgId: '7',
      readCount: 1,
      enqueuedAt: enqueued,
      lastReadAt: new Date('2026-01-01T00:00:01Z'),
      vt,
      message: [1, 2],
      headers: { 'x-pgmq-group': 'g' },
    });
  });

  it('accepts ids and timestamps an application parses itself (numbers and strings)', () => {
    const message = toMessage({ ...row15, msg_id: 12, enqueued_at: '2026-01-01T00:00:00.000Z' });
    expect(message.msgId).toBe('12');
    expect(message.enqueuedAt.getTime()).toBe(enqueued.getTime());
  });

  it('reads metrics rows, with queue_visible_length only where pgmq reports it', () => {
    const row = {
      queue_name: 'q',
      queue_length: '3',
      newest_msg_age_sec: null,
      oldest_msg_age_sec: 4,
      total_messages: '10',
      scrape_time: vt,
    };
    expect(toQueueStats({ ...row, queue_visible_length: '1' })).toEqual({
      queueName: 'q',
      queueLength: 3,
      newestMsgAgeSec: null,
      oldestMsgAgeSec: 4,
      totalMessages: 10,
      scrapeTime: vt,
      queueVisibleLength: 1,
    });
    expect(toQueueStats(row).queueVisibleLength).toBeUndefined();
  });

  it('reads list_queues rows', () => {
    expect(
      toQueueInfo({ queue_name: 'q', is_partitioned: false, is_unlogged: true, created_at: enqueued }),
    ).toEqual({ queueName: 'q', isPartitioned: false, isUnlogged: true, createdAt: enqueued });
  });
});

describe('JSON parameters', () => {
  it('encodes arrays as JSON, not as Postgres arrays, and absent values as SQL NULL', () => {
    expect(json([1, 2])).toBe('[1,2]');
    expect(json({ a: 'b' })).toBe('{"a":"b"}');
    expect(json('text')).toBe('"text"');
    expect(json(null)).toBeNull();
    expect(json(undefined)).toBeNull();
  });
});
