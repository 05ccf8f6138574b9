import { describe, expect, it } from 'vitest';
import { joinReadings } from '../src/read.js';
import type { QueueReading } from '../src/sources/reading.js';
import { queueKey } from '../src/snapshot.js';
import { DeltaTotals } from '../src/totals.js';

const takenAt = new Date('2026-01-02T03:04:05Z');

function reading(name: string, extra: Partial<QueueReading> = {}): QueueReading {
  return {
    system: 'pg-boss',
    schema: 'pgboss',
    name,
    jobs: { ready: 1, deferred: 2, active: 3, failed: 4 },
    oldestAgeSeconds: 5,
    newestAgeSeconds: 1,
    deadLetterQueue: undefined,
    ...extra,
  };
}

describe('joining the readings of one collection', () => {
  it("gives each queue its dead-letter queue's waiting jobs, in the same schema only", () => {
    const [email] = joinReadings(
      [
        reading('email', { deadLetterQueue: 'email_dlq' }),
        reading('email_dlq', { jobs: { ready: 6, deferred: 1, active: 9, failed: 9 } }),
        { ...reading('email_dlq', { jobs: { ready: 100 } }), schema: 'other' },
      ],
      { takenAt, instances: new Map(), consumers: undefined, totals: undefined },
    );
    expect(email!.deadLetter).toEqual({ name: 'email_dlq', jobs: 7 });
  });

  it('leaves out a dead-letter queue whose counts are not known yet', () => {
    const [email] = joinReadings(
      [reading('email', { deadLetterQueue: 'email_dlq' }), reading('email_dlq', { jobs: {} })],
      { takenAt, instances: new Map(), consumers: undefined, totals: undefined },
    );
    expect(email!.deadLetter).toBeUndefined();
  });

  it('counts workers only of the kinds that can be counted, zero where none is live', () => {
    const queues = joinReadings([reading('email'), reading('sms')], {
      takenAt,
      instances: new Map([['pgboss', { byQueue: new Map([['email', 2]]), total: 2 }]]),
      consumers: { byQueue: new Map([[queueKey('pg-boss', 'pgboss', 'sms'), 1]]), total: 1 },
      totals: undefined,
    });
    expect(queues.map((q) => q.workers)).toEqual([
      { 'pg-boss-instance': 2, 'queuetel-consumer': 0 },
      { 'pg-boss-instance': 0, 'queuetel-consumer': 1 },
    ]);
    const [alone] = joinReadings([reading('email')], {
      takenAt,
      instances: new Map(),
      consumers: undefined,
      totals: undefined,
    });
    expect(alone!.workers).toEqual({});
  });

  it("stamps a queue counted at this collection with the collection's time", () => {
    const monitored = new Date('2026-01-02T03:03:00Z');
    const [live, cached] = joinReadings([reading('live'), reading('cached', { countedAt: monitored })], {
      takenAt,
      instances: new Map(),
      consumers: undefined,
      totals: undefined,
    });
    expect(live!.countedAt).toBe(takenAt);
    expect(cached!.countedAt).toBe(monitored);
  });
});

describe("summing pg-boss 12's monitor windows into totals", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it('starts at the end of the first window seen and adds every later window once', () => {
    const totals = new DeltaTotals();
    expect(totals.observe('q', { created: 50, completed: 40, windowEnd: at(10) })).toEqual({
      enqueued: 0,
      completed: 0,
      since: at(10),
    });
    totals.observe('q', { created: 5, completed: 4, windowEnd: at(20) });
    // The same window, read again at the next collection, is not counted twice.
    totals.observe('q', { created: 5, completed: 4, windowEnd: at(20) });
    expect(totals.observe('q', { created: 3, completed: 6, windowEnd: at(30) })).toEqual({
      enqueued: 8,
      completed: 10,
      since: at(10),
    });
  });

  it('has no totals for a queue without windows, and forgets them all on clear', () => {
    const totals = new DeltaTotals();
    expect(totals.observe('q', undefined)).toBeUndefined();
    totals.observe('q', { created: 1, completed: 1, windowEnd: at(10) });
    totals.observe('q', { created: 1, completed: 1, windowEnd: at(20) });
    totals.clear();
    expect(totals.observe('q', { created: 1, completed: 1, windowEnd: at(30) })).toMatchObject({
      enqueued: 0,
      since: at(30),
    });
  });
});
