import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgmqClient } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type TestTelemetry } from '../harness/otel.js';
import { PGMQ_FIXTURE_VERSIONS, consumeUntil, createPgmqDatabase, openPool } from '../harness/pgmq.js';

describe.each(PGMQ_FIXTURE_VERSIONS)('pgmq %s: conditional reads', (version) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let pgmq: PgmqClient;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_conditional_${version.replace('.', '_')}`, version);
    pool = openPool(db);
    pgmq = new PgmqClient(pool);
    await pgmq.create('picky');
    await pgmq.sendBatch('picky', [
      { kind: 'a', n: 1 },
      { kind: 'b', n: 2 },
      { kind: 'a', n: 3 },
    ]);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('reads only messages whose payload contains the condition, with read and read_with_poll', async () => {
    const read = await pgmq.read<{ n: number }>('picky', 30, 10, { kind: 'a' });
    expect(read.map((m) => m.message.n).sort()).toEqual([1, 3]);
    const polled = await pgmq.readWithPoll<{ n: number }>('picky', 30, 10, 1, 10, { kind: 'b' });
    expect(polled.map((m) => m.message.n)).toEqual([2]);
    expect(await pgmq.read('picky', 30, 10, { kind: 'c' })).toEqual([]);
    await expect(pgmq.read('picky', 30, 1, [] as unknown as Record<string, unknown>)).rejects.toThrow(
      "'conditional' must be a JSON object",
    );
  });
});

describe.each(['1.11', '1.12'] as const)('pgmq %s', (version) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let otel: TestTelemetry;
  let pgmq: PgmqClient;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_features_${version.replace('.', '_')}`, version);
    pool = openPool(db);
    otel = createTestTelemetry();
    pgmq = new PgmqClient(pool, { ...otel.providers, producerRelationship: 'child' });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
    await otel.shutdown();
  });

  it('sets vt for many ids, and to a time, in set_vt spans', async () => {
    await pgmq.create('timed');
    const ids = await pgmq.sendBatch('timed', [1, 2, 3]);
    const moved = await pgmq.setVt<number>('timed', ids.slice(0, 2), 60);
    expect(moved.map((m) => m.msgId).sort()).toEqual(ids.slice(0, 2).sort());
    expect((await pgmq.read<number>('timed', 30, 10)).map((m) => m.message)).toEqual([3]);
    const at = new Date(Date.now() - 1000);
    const one = await pgmq.setVt('timed', ids[0]!, at);
    expect(one?.vt.getTime()).toBe(at.getTime());
    expect(await pgmq.setVt('timed', '999999', at)).toBeUndefined();
    const spans = otel.spans().filter((span) => span.name === 'set_vt timed');
    expect(spans.map((span) => span.attributes['messaging.batch.message_count'] ?? 1)).toEqual([2, 1]);
  });

  it('pops several messages at once', async () => {
    await pgmq.create('popping');
    await pgmq.sendBatch('popping', [1, 2, 3]);
    expect((await pgmq.pop<number>('popping', 2)).map((m) => m.message).sort()).toEqual([1, 2]);
    expect((await pgmq.pop<number>('popping', 5)).map((m) => m.message)).toEqual([3]);
  });

  it('sends to topics in one span whose trace context every delivered copy carries', async () => {
    await pgmq.create('audit');
    await pgmq.create('billing');
    await pgmq.bindTopic('orders.#', 'audit');
    await pgmq.bindTopic('orders.*.paid', 'billing');
    otel.resetSpans();

    expect(await pgmq.sendTopic('orders.7.paid', { order: 7 }, { headers: { 'x-pgmq-group': 'o7' } })).toBe(
      2,
    );
    const batch = await pgmq.sendBatchTopic('orders.created', [{ order: 8 }, { order: 9 }]);
    expect(batch.map((copy) => copy.queueName)).toEqual(['audit', 'audit']);

    const sends = otel.spans().filter((span) => span.name.startsWith('send orders.'));
    expect(sends.map((span) => [span.name, span.attributes['messaging.destination.name']])).toEqual([
      ['send orders.7.paid', 'orders.7.paid'],
      ['send orders.created', 'orders.created'],
    ]);
    expect(sends[1]!.attributes['messaging.batch.message_count']).toBe(2);
    const traceparent = (span: (typeof sends)[number]) =>
      `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
    const stored = await db.query<{ queue: string; headers: Record<string, string> }>(
      `SELECT 'audit' AS queue, headers FROM pgmq.q_audit UNION ALL
       SELECT 'billing', headers FROM pgmq.q_billing ORDER BY 1`,
    );
    expect(stored).toHaveLength(4);
    expect(stored.filter((row) => row.headers.traceparent === traceparent(sends[0]!))).toHaveLength(2);
    expect(stored.filter((row) => row.headers.traceparent === traceparent(sends[1]!))).toHaveLength(2);
    expect(stored.find((row) => row.queue === 'billing')!.headers['x-pgmq-group']).toBe('o7');

    // The consumer of a topic-fed queue continues the trace of the topic send.
    let handled = 0;
    await consumeUntil(
      pgmq,
      'billing',
      () => void handled++,
      { heartbeat: false },
      () => expect(handled).toBe(1),
    );
    const [process] = otel.spans().filter((span) => span.name === 'process billing');
    expect(process!.parentSpanContext?.spanId).toBe(sends[0]!.spanContext().spanId);
    expect(await pgmq.unbindTopic('orders.*.paid', 'billing')).toBe(true);
    expect(await pgmq.sendTopic('orders.8.paid', {})).toBe(1);
  });

  it('wakes a consumer on insert notifications, long before its next poll', async () => {
    await pgmq.create('woken');
    await pgmq.enableNotifyInsert('woken', 0);
    const handled: number[] = [];
    const stop = new AbortController();
    // A poll an hour away: only a notification can bring the message in within the test.
    const consuming = pgmq.consume<number>('woken', ({ message }) => void handled.push(message), {
      pollIntervalMs: 3_600_000,
      heartbeat: false,
      signal: stop.signal,
    });
    // The consumer has listened and gone idle once its first, empty read is done.
    await expect
      .poll(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
            )
          ).length,
      )
      .toBe(1);
    await pgmq.send('woken', 1);
    await expect.poll(() => handled, { timeout: 10_000 }).toEqual([1]);
    await pgmq.send('woken', 2);
    await expect.poll(() => handled, { timeout: 10_000 }).toEqual([1, 2]);
    stop.abort();
    await consuming;
    // Its connection went back to the pool without the LISTEN.
    expect(
      await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
      ),
    ).toEqual([]);
  });

  it('polls a queue without notifications', async () => {
    await pgmq.create('polled');
    let handled = 0;
    await pgmq.send('polled', 1);
    await consumeUntil(
      pgmq,
      'polled',
      () => void handled++,
      { heartbeat: false },
      () => expect(handled).toBe(1),
    );
    const listening = await db.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN "pgmq.q_polled%'`,
    );
    expect(listening).toEqual([]);
  });
});
