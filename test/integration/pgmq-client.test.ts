import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgmqClient } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { createTestTelemetry, type TestTelemetry } from '../harness/otel.js';
import { eventually } from '../harness/pg-boss.js';
import { PGMQ_ROW_SHAPES, createPgmqDatabase, openPool } from '../harness/pgmq.js';

describe.each(PGMQ_ROW_SHAPES)('the pgmq client on pgmq %s rows', (shape) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let otel: TestTelemetry;
  let pgmq: PgmqClient;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_client_${shape.replace('.', '_')}`, shape);
    pool = openPool(db);
    otel = createTestTelemetry();
    pgmq = new PgmqClient(pool, otel.providers);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('creates, lists, purges and drops queues', async () => {
    await pgmq.create('lifecycle');
    await pgmq.createUnlogged('lifecycle_fast');
    const queues = await pgmq.listQueues();
    const mine = queues.filter((q) => q.queueName.startsWith('lifecycle'));
    expect(
      mine.map(({ queueName, isUnlogged, isPartitioned }) => ({ queueName, isUnlogged, isPartitioned })),
    ).toEqual([
      { queueName: 'lifecycle', isUnlogged: false, isPartitioned: false },
      { queueName: 'lifecycle_fast', isUnlogged: true, isPartitioned: false },
    ]);
    expect(mine[0]!.createdAt).toBeInstanceOf(Date);

    await pgmq.sendBatch('lifecycle', [1, 2, 3]);
    expect(await pgmq.purgeQueue('lifecycle')).toBe(3);
    expect(await pgmq.dropQueue('lifecycle_fast')).toBe(true);
    expect(await pgmq.dropQueue('lifecycle_fast')).toBe(false);
    expect((await pgmq.listQueues()).map((q) => q.queueName)).not.toContain('lifecycle_fast');
  });

  it('sends with headers and reads every column by name, hiding the message for its vt', async () => {
    await pgmq.create('columns');
    const id = await pgmq.send('columns', { order: 7 }, { headers: { 'x-pgmq-group': 'user-7' } });
    expect(id).toMatch(/^\d+$/);

    const [message] = await pgmq.read<{ order: number }>('columns', 30, 5);
    expect(message).toMatchObject({ msgId: id, readCount: 1, message: { order: 7 } });
    expect(message!.headers).toMatchObject({ 'x-pgmq-group': 'user-7' });
    expect(message!.enqueuedAt).toBeInstanceOf(Date);
    expect(message!.vt.getTime() - message!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(29_000);
    if (shape !== '1.5') expect(message!.lastReadAt).toBeInstanceOf(Date);
    else expect(message!.lastReadAt).toBeUndefined();

    // Hidden until its vt ends, then read again with the read counted.
    expect(await pgmq.read('columns', 30, 5)).toEqual([]);
    const reset = await pgmq.setVt('columns', id, 0);
    expect(reset?.msgId).toBe(id);
    const [again] = await pgmq.read('columns', 30, 5);
    expect(again?.readCount).toBe(2);
  });

  it('delays a message by seconds or until a time', async () => {
    await pgmq.create('delayed');
    await pgmq.send('delayed', 'later', { delay: 60 });
    await pgmq.send('delayed', 'tomorrow', { delay: new Date(Date.now() + 86_400_000) });
    await pgmq.sendBatch('delayed', ['a', 'b'], { delay: 60 });
    await pgmq.send('delayed', 'now');
    expect((await pgmq.read('delayed', 30, 10)).map((m) => m.message)).toEqual(['now']);
    const stats = await pgmq.metrics('delayed');
    expect(stats).toMatchObject({
      queueName: 'delayed',
      queueLength: 5,
      queueVisibleLength: 0,
      totalMessages: 5,
    });
  });

  it('sends a batch with per-message headers, returning ids in order', async () => {
    await pgmq.create('batch');
    const ids = await pgmq.sendBatch('batch', [{ n: 1 }, { n: 2 }, { n: 3 }], {
      headers: [{ 'x-pgmq-group': 'a' }, null, { 'x-pgmq-group': 'c' }],
    });
    expect(ids).toHaveLength(3);
    const read = (await pgmq.read<{ n: number }>('batch', 30, 10)).sort((a, b) => a.message.n - b.message.n);
    expect(read.map((m) => m.msgId)).toEqual(ids);
    expect(read.map((m) => m.headers?.['x-pgmq-group'])).toEqual(['a', undefined, 'c']);
    await expect(pgmq.sendBatch('batch', [1, 2], { headers: [{}] })).rejects.toThrow(
      "'headers' must have one entry per message (2), got 1 entries",
    );
  });

  it('waits for a message with read_with_poll', async () => {
    await pgmq.create('polled');
    const reading = pgmq.readWithPoll('polled', 30, 1, 5, 50);
    // Sent only once the read is polling in the database, so it can only find the message by polling.
    await eventually(async () => {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE state = 'active' AND query LIKE '%pgmq.read_with_poll(%' AND pid <> pg_backend_pid()`,
      );
      expect(rows).toEqual([{ n: 1 }]);
    });
    await pgmq.send('polled', { late: true });
    const [message] = await reading;
    expect(message?.message).toEqual({ late: true });
  });

  it('pops one message on every version, and several where pgmq has pop(queue, qty)', async () => {
    await pgmq.create('popped');
    await pgmq.sendBatch('popped', [1, 2, 3]);
    const [first] = await pgmq.pop<number>('popped');
    expect(first?.message).toBe(1);
    expect(first?.readCount).toBe(0);
    if (shape !== '1.5') {
      expect((await pgmq.pop<number>('popped', 2)).map((m) => m.message).sort()).toEqual([2, 3]);
    } else {
      // pgmq before 1.7 has no qty argument: refused before any SQL, naming the option and version.
      await expect(pgmq.pop('popped', 2)).rejects.toThrow(
        "queuetel: option 'qty' needs pgmq 1.7 or later; this database's pgmq has no pgmq.pop(text,integer…)",
      );
    }
  });

  it('archives and deletes one message or many, saying which were there', async () => {
    await pgmq.create('settled');
    const [a, b, c, d] = await pgmq.sendBatch('settled', ['a', 'b', 'c', 'd']);
    expect(await pgmq.archive('settled', a!)).toBe(true);
    expect(await pgmq.archive('settled', a!)).toBe(false);
    expect(await pgmq.archive('settled', [b!, '999999'])).toEqual([b]);
    expect(await pgmq.delete('settled', c!)).toBe(true);
    expect(await pgmq.delete('settled', [c!, d!])).toEqual([d]);
    const archived = await db.query<{ msg_id: string; message: string }>(
      'SELECT msg_id, message, archived_at FROM pgmq.a_settled ORDER BY msg_id',
    );
    expect(archived.map((row) => [row.msg_id, row.message])).toEqual([
      [a, 'a'],
      [b, 'b'],
    ]);
    expect((await pgmq.metrics('settled')).queueLength).toBe(0);
  });

  it('reports queue metrics for one queue and for all', async () => {
    await pgmq.create('measured');
    const empty = await pgmq.metrics('measured');
    expect(empty).toMatchObject({
      queueName: 'measured',
      queueLength: 0,
      newestMsgAgeSec: null,
      oldestMsgAgeSec: null,
      totalMessages: 0,
      queueVisibleLength: 0,
    });
    await pgmq.sendBatch('measured', [1, 2, 3]);
    await pgmq.read('measured', 30, 1);
    const all = await pgmq.metricsAll();
    expect(all.find((row) => row.queueName === 'measured')).toMatchObject({
      queueLength: 3,
      queueVisibleLength: 2,
      totalMessages: 3,
      newestMsgAgeSec: 0,
      oldestMsgAgeSec: 0,
    });
    expect(all.find((row) => row.queueName === 'measured')!.scrapeTime).toBeInstanceOf(Date);
  });

  it("passes Postgres's own error to the caller, with the queue name added", async () => {
    const failure = await pgmq.read('no_such_queue', 30, 1).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).constructor.name).toBe('DatabaseError');
    expect(failure).toMatchObject({
      code: '42P01',
      message: 'relation "pgmq.q_no_such_queue" does not exist',
      queue: 'no_such_queue',
    });
    // The failed receive is a span with the error, not a silent empty poll.
    const span = otel.spans().find((s) => s.name === 'receive no_such_queue');
    expect(span?.attributes['error.type']).toBe('DatabaseError');
  });

  it("joins the caller's transaction: a rolled-back send leaves nothing, a committed one stays", async () => {
    await pgmq.create('transactional');
    const client = await pool.connect();
    try {
      const tx = pgmq.using(client);
      await client.query('BEGIN');
      await tx.send('transactional', { n: 1 });
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await tx.send('transactional', { n: 2 });
      // Not visible outside the transaction until it commits.
      expect((await pgmq.metrics('transactional')).queueLength).toBe(0);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await pgmq.read('transactional', 30, 10)).map((m) => m.message)).toEqual([{ n: 2 }]);
    // Both sends were recorded, through the telemetry the two clients share.
    expect(otel.spans().filter((s) => s.name === 'send transactional')).toHaveLength(2);
  });
});
