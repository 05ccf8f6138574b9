import { describe, expect, it } from 'vitest';
import { pgBossCacheReading } from '../src/sources/pg-boss-cache.js';
import { pgmqReading } from '../src/sources/pgmq.js';

describe('pgmq metrics rows', () => {
  const scraped = new Date('2026-01-02T03:04:05Z');

  it('splits visible messages (ready) from invisible ones (active), with bigints as pg returns them', () => {
    const reading = pgmqReading({
      queue_name: 'email',
      queue_length: '12',
      newest_msg_age_sec: 3,
      oldest_msg_age_sec: 250,
      total_messages: '9007',
      scrape_time: scraped,
      queue_visible_length: '9',
    });
    expect(reading).toEqual({
      system: 'pgmq',
      schema: 'pgmq',
      name: 'email',
      jobs: { ready: 9, active: 3 },
      oldestAgeSeconds: 250,
      newestAgeSeconds: 3,
      deadLetterQueue: undefined,
      countedAt: scraped,
      enqueuedTotal: 9007,
    });
  });

  it('reads an empty queue, whose ages pgmq gives as null, as nothing waiting', () => {
    const reading = pgmqReading({
      queue_name: 'empty',
      queue_length: '0',
      newest_msg_age_sec: null,
      oldest_msg_age_sec: null,
      total_messages: '0',
      scrape_time: scraped,
      queue_visible_length: '0',
    });
    expect(reading.jobs).toEqual({ ready: 0, active: 0 });
    expect(reading.oldestAgeSeconds).toBe(0);
    expect(reading.newestAgeSeconds).toBeUndefined();
    expect(reading.enqueuedTotal).toBe(0);
  });

  it('ages nothing when no message is visible: delayed or in-flight messages are not waiting', () => {
    const reading = pgmqReading({
      queue_name: 'later',
      queue_length: '2',
      newest_msg_age_sec: 600,
      oldest_msg_age_sec: 3000,
      total_messages: '2',
      scrape_time: scraped,
      queue_visible_length: '0',
    });
    expect(reading.jobs).toEqual({ ready: 0, active: 2 });
    expect(reading.oldestAgeSeconds).toBe(0);
    expect(reading.newestAgeSeconds).toBe(600);
  });

  it('reads the row shape of pgmq before 1.5, which has no visible length, as all ready', () => {
    const reading = pgmqReading({
      queue_name: 'old',
      queue_length: 4,
      newest_msg_age_sec: 1,
      oldest_msg_age_sec: 2,
      total_messages: 40,
      scrape_time: scraped.toISOString(),
    });
    expect(reading.jobs).toEqual({ ready: 4 });
    expect(reading.countedAt).toEqual(scraped);
  });

  it('never reports a negative age or active count from a row caught mid-change', () => {
    const reading = pgmqReading({
      queue_name: 'racy',
      queue_length: '2',
      newest_msg_age_sec: -1,
      oldest_msg_age_sec: -1,
      total_messages: '5',
      scrape_time: scraped,
      queue_visible_length: '3',
    });
    expect(reading.jobs).toEqual({ ready: 3, active: 0 });
    expect(reading.oldestAgeSeconds).toBe(0);
    expect(reading.newestAgeSeconds).toBe(0);
  });
});

describe('pg-boss cache rows', () => {
  const monitored = new Date('2026-01-02T03:04:05Z');
  const base = {
    name: 'email',
    dead_letter: 'email_dlq',
    counted_on: monitored,
    oldest_age: 12.5,
    newest_age: 0.25,
  };

  it('reads pg-boss 12 counts as disjoint states', () => {
    const reading = pgBossCacheReading(
      'pgboss',
      {
        ...base,
        ready_count: 5,
        deferred_count: 3,
        blocked_count: 1,
        queued_count: 9,
        active_count: 2,
        failed_count: 4,
      },
      true,
    );
    expect(reading.jobs).toEqual({ ready: 5, deferred: 3, blocked: 1, active: 2, failed: 4 });
    expect(reading).toMatchObject({
      oldestAgeSeconds: 12.5,
      newestAgeSeconds: 0.25,
      deadLetterQueue: 'email_dlq',
    });
    expect(reading.countedAt).toBe(monitored);
    expect(reading.deltas).toBeUndefined();
  });

  it("derives pg-boss 11's ready count from the queued total it caches", () => {
    const reading = pgBossCacheReading(
      'pgboss',
      { ...base, deferred_count: 3, queued_count: 10, active_count: 1 },
      true,
    );
    expect(reading.jobs).toEqual({ ready: 7, deferred: 3, active: 1 });
  });

  it('leaves the counts of a queue no monitor pass has counted unknown, not zero', () => {
    const reading = pgBossCacheReading(
      'pgboss',
      { ...base, counted_on: null, ready_count: 0, deferred_count: 0, queued_count: 0, active_count: 0 },
      true,
    );
    expect(reading.jobs).toEqual({});
    expect(reading.countedAt).toBeUndefined();
  });

  it("keeps the monitor's window of created and completed jobs only once a pass has counted one", () => {
    const windowEnd = new Date('2026-01-02T03:03:55Z');
    const counted = pgBossCacheReading(
      'pgboss',
      { ...base, ready_count: 0, created_delta: 7, completed_delta: 6, delta_on: windowEnd },
      true,
    );
    expect(counted.deltas).toEqual({ created: 7, completed: 6, windowEnd });
    const never = pgBossCacheReading(
      'pgboss',
      { ...base, ready_count: 0, created_delta: 0, completed_delta: 0, delta_on: null },
      true,
    );
    expect(never.deltas).toBeUndefined();
  });
});
