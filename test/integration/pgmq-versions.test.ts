import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueuetelConfigError } from '@queuetel/core';
import { PgmqClient, PgmqTableLayoutError } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { consumeUntil, createPgmqDatabase, openPool } from '../harness/pgmq.js';

describe('pgmq 1.5: options that need a newer pgmq are refused, naming the option and the version', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let pgmq: PgmqClient;
  beforeAll(async () => {
    db = await createPgmqDatabase('pgmq_versions_1_5', '1.5');
    pool = openPool(db);
    pgmq = new PgmqClient(pool);
    await pgmq.create('old');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('refuses each one before any SQL of it runs', async () => {
    const refusals: [Promise<unknown>, string, string][] = [
      [pgmq.consume('old', () => {}, { fifo: true, heartbeat: false }), 'fifo', '1.8'],
      [pgmq.consume('old', () => {}, { fifo: 'round-robin', heartbeat: false }), 'fifo', '1.9'],
      [pgmq.setVt('old', ['1', '2'], 5), 'ids', '1.8'],
      [pgmq.setVt('old', '1', new Date()), 'vt', '1.10'],
      [pgmq.pop('old', 2), 'qty', '1.7'],
      [pgmq.enableNotifyInsert('old'), 'enableNotifyInsert', '1.7'],
      [pgmq.sendTopic('a.b', {}), 'sendTopic', '1.11'],
      [pgmq.readGrouped('old', 30, 1, true), 'roundRobin', '1.9'],
    ];
    for (const [refused, option, version] of refusals) {
      const error = await refused.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, option).toBeInstanceOf(QueuetelConfigError);
      expect((error as QueuetelConfigError).field).toBe(option);
      expect((error as Error).message).toContain(`needs pgmq ${version} or later`);
    }
  });

  it('pads a short headers array in send_batch, as pgmq 1.5 did', async () => {
    await db.query(`SELECT pgmq.send_batch('old', ARRAY['1', '2']::jsonb[], ARRAY['{"h":1}']::jsonb[], 0)`);
    const rows = await db.query<{ headers: unknown }>('SELECT headers FROM pgmq.q_old ORDER BY msg_id');
    expect(rows).toEqual([{ headers: { h: 1 } }, { headers: null }]);
  });
});

describe.each(['1.11', '1.12'] as const)('pgmq %s', (version) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let pgmq: PgmqClient;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_versions_${version.replace('.', '_')}`, version);
    pool = openPool(db);
    pgmq = new PgmqClient(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('refuses a batch whose headers do not match its messages, in SQL; the client refuses it first', async () => {
    await pgmq.create('batch');
    await expect(
      db.query(`SELECT pgmq.send_batch('batch', ARRAY['1', '2']::jsonb[], ARRAY['{}']::jsonb[], 0)`),
    ).rejects.toThrow(/headers array length \(1\) does not match msgs array length \(2\)/);
    await expect(pgmq.sendBatch('batch', [1, 2], { headers: [{}] })).rejects.toThrow(
      "'headers' must have one entry per message (2), got 1 entries",
    );
  });

  it('stops a consumer loudly on a queue table an upgrade from before 1.10 left, and says why', async () => {
    await db.query(`SELECT pgmq._fixture_create_upgraded('upgraded')`);
    const [layout] = await db.query<{ columns: string[] }>(
      `SELECT array_agg(attname::text ORDER BY attnum) AS columns FROM pg_attribute
       WHERE attrelid = 'pgmq.q_upgraded'::regclass AND attnum > 0 AND NOT attisdropped`,
    );
    expect(layout!.columns.at(-1)).toBe('last_read_at');
    await pgmq.send('upgraded', { poison: true });

    await pgmq.create('upgraded_dlq');
    const reported: { error: unknown; phase: string }[] = [];
    let ran = 0;
    const consuming = pgmq.consume(
      'upgraded',
      () => {
        ran++;
        throw new Error('poison');
      },
      {
        pollIntervalMs: 20,
        maxReads: 1,
        deadLetterQueue: 'upgraded_dlq',
        onError: (error, { phase }) => reported.push({ error, phase }),
      },
    );
    const error = await consuming.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PgmqTableLayoutError);
    expect((error as PgmqTableLayoutError).cause).toMatchObject({ code: '42804' });
    expect(reported.at(-1)?.error).toBe(error);
    if (version === '1.11') {
      // Every read fails: the handler never runs.
      expect(ran).toBe(0);
      expect(reported.map(({ phase }) => phase)).toEqual(['read']);
    } else {
      // Reads work; the dead-letter move goes through set_vt, which fails.
      expect(ran).toBe(1);
      expect(reported.map(({ phase }) => phase)).toEqual(['handler', 'settle']);
      expect(await db.query('SELECT 1 FROM pgmq.q_upgraded_dlq')).toHaveLength(0);
    }
    // The consumer's heartbeat is marked stopped, so the queue-health endpoint sees no live consumer.
    const beats = await db.query<{ stopped: boolean }>(
      `SELECT stopped_on IS NOT NULL AS stopped FROM queuetel.heartbeat WHERE 'upgraded' = ANY (queues)`,
    );
    expect(beats).toEqual([{ stopped: true }]);
  });

  it('reads, backs off and settles on that table once it is rebuilt in record order, as docs/pgmq.md says', async () => {
    await pgmq.purgeQueue('upgraded');
    await db.query(REBUILD.replaceAll('{queue}', 'upgraded'));
    const id = await pgmq.send('upgraded', { flaky: true });
    expect(Number(id)).toBeGreaterThan(1);
    const attempts: number[] = [];
    await consumeUntil(
      pgmq,
      'upgraded',
      ({ readCount }) => {
        attempts.push(readCount);
        if (readCount === 1) throw new Error('once');
      },
      { backoff: 0, heartbeat: false },
      () => expect(attempts).toEqual([1, 2]),
    );
    expect(await db.query('SELECT 1 FROM pgmq.q_upgraded')).toHaveLength(0);
  });
});

/** The rebuild docs/pgmq.md gives, with the queue name as {queue}. */
const REBUILD = `
BEGIN;
LOCK TABLE pgmq.q_{queue} IN ACCESS EXCLUSIVE MODE;
ALTER TABLE pgmq.q_{queue} RENAME TO q_{queue}_upgraded;
ALTER TABLE pgmq.q_{queue}_upgraded RENAME CONSTRAINT q_{queue}_pkey TO q_{queue}_upgraded_pkey;
ALTER SEQUENCE pgmq.q_{queue}_msg_id_seq RENAME TO q_{queue}_upgraded_msg_id_seq;
ALTER INDEX pgmq.q_{queue}_vt_idx RENAME TO q_{queue}_upgraded_vt_idx;
CREATE TABLE pgmq.q_{queue} (
    msg_id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    read_ct integer NOT NULL DEFAULT 0,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    last_read_at timestamptz,
    vt timestamptz NOT NULL,
    message jsonb,
    headers jsonb
);
INSERT INTO pgmq.q_{queue} OVERRIDING SYSTEM VALUE
    SELECT msg_id, read_ct, enqueued_at, last_read_at, vt, message, headers FROM pgmq.q_{queue}_upgraded;
SELECT setval('pgmq.q_{queue}_msg_id_seq', last_value, is_called) FROM pgmq.q_{queue}_upgraded_msg_id_seq;
DROP TABLE pgmq.q_{queue}_upgraded;
CREATE INDEX q_{queue}_vt_idx ON pgmq.q_{queue} (vt);
COMMIT;`;
