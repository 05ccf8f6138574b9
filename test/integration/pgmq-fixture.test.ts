import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../harness/database.js';
import { PGMQ_ROW_SHAPES, createPgmqDatabase } from '../harness/pgmq.js';

/**
 * The fixture stands in for pgmq, so it must keep pgmq's documented shapes and semantics: the
 * client and the Lane A gauges are tested against it. These checks use plain SQL, no queuetel code.
 */
describe.each(PGMQ_ROW_SHAPES)('the pgmq fixture, %s row shape', (shape) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPgmqDatabase(`pgmq_fixture_${shape.replace('.', '_')}`, shape);
    await db.query(`SELECT pgmq.create('fx')`);
  });
  afterAll(async () => {
    await db.drop();
  });

  /** The attributes of a row type or table, in order. */
  const columns = async (relation: string) => {
    const described = await db.query<{ name: string }>(
      `SELECT attname AS name FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [relation],
    );
    return described.map((row) => row.name);
  };

  it('has the documented row types', async () => {
    expect(await columns('pgmq.message_record')).toEqual(
      shape === '1.5'
        ? ['msg_id', 'read_ct', 'enqueued_at', 'vt', 'message', 'headers']
        : ['msg_id', 'read_ct', 'enqueued_at', 'last_read_at', 'vt', 'message', 'headers'],
    );
    expect(await columns('pgmq.queue_record')).toEqual([
      'queue_name',
      'is_partitioned',
      'is_unlogged',
      'created_at',
    ]);
    expect(await columns('pgmq.metrics_result')).toEqual([
      'queue_name',
      'queue_length',
      'newest_msg_age_sec',
      'oldest_msg_age_sec',
      'total_messages',
      'scrape_time',
      'queue_visible_length',
    ]);
    expect(await columns('pgmq.a_fx')).toEqual(
      shape === '1.5'
        ? ['msg_id', 'read_ct', 'enqueued_at', 'archived_at', 'vt', 'message', 'headers']
        : ['msg_id', 'read_ct', 'enqueued_at', 'last_read_at', 'archived_at', 'vt', 'message', 'headers'],
    );
  });

  it('hides a read message for its vt and counts each read', async () => {
    await db.query(`SELECT pgmq.send('fx', '{"n":1}', '{"x-pgmq-group":"g"}'::jsonb)`);
    const [first] = await db.query<{ read_ct: number; hidden: boolean }>(
      `SELECT read_ct, vt > clock_timestamp() + interval '50 seconds' AS hidden FROM pgmq.read('fx', 60, 5)`,
    );
    expect(first).toEqual({ read_ct: 1, hidden: true });
    expect(await db.query(`SELECT * FROM pgmq.read('fx', 60, 5)`)).toEqual([]);
    await db.query(`SELECT * FROM pgmq.set_vt('fx', 1, 0)`);
    const [second] = await db.query<{ read_ct: number }>(`SELECT read_ct FROM pgmq.read('fx', 60, 5)`);
    expect(second?.read_ct).toBe(2);
    await db.query(`SELECT pgmq.archive('fx', 1::bigint)`);
  });

  it('reports metrics_all() and list_queues() as pgmq documents them', async () => {
    await db.query(`SELECT pgmq.create('fx_stats')`);
    await db.query(`SELECT pgmq.send_batch('fx_stats', ARRAY['1','2','3']::jsonb[])`);
    await db.query(`SELECT pgmq.send('fx_stats', '4', 3600)`);
    await db.query(`SELECT * FROM pgmq.read('fx_stats', 60, 1)`);
    await db.query(`SELECT pgmq.delete('fx_stats', 2::bigint)`);
    // Age the oldest message, as time would.
    await db.query(`UPDATE pgmq.q_fx_stats SET enqueued_at = now() - interval '90 seconds' WHERE msg_id = 1`);

    const all = await db.query<{ queue_name: string }>(
      `SELECT * FROM pgmq.metrics_all() ORDER BY queue_name`,
    );
    expect(all.map((row) => row.queue_name)).toEqual(['fx', 'fx_stats']);
    expect(all[1]).toMatchObject({
      queue_name: 'fx_stats',
      queue_length: '3', // 1 read (hidden), 3 visible, 4 delayed; 2 deleted
      queue_visible_length: '1',
      total_messages: '4',
      newest_msg_age_sec: 0,
      oldest_msg_age_sec: 90,
    });
    expect(all[0]).toMatchObject({ queue_length: '0', newest_msg_age_sec: null, oldest_msg_age_sec: null });

    const queues = await db.query<{ queue_name: string; is_partitioned: boolean; is_unlogged: boolean }>(
      `SELECT * FROM pgmq.list_queues() ORDER BY queue_name`,
    );
    expect(
      queues.map(({ queue_name, is_partitioned, is_unlogged }) => [queue_name, is_partitioned, is_unlogged]),
    ).toEqual([
      ['fx', false, false],
      ['fx_stats', false, false],
    ]);
  });

  it('refuses what pgmq refuses: long names, SQL in names, a missing queue', async () => {
    await expect(db.query(`SELECT pgmq.create('${'x'.repeat(48)}')`)).rejects.toThrow(
      'queue name is too long, maximum length is 47 characters',
    );
    await expect(db.query(`SELECT pgmq.create('a;b')`)).rejects.toThrow(
      'queue name contains invalid characters',
    );
    await expect(db.query(`SELECT * FROM pgmq.read('missing', 1, 1)`)).rejects.toMatchObject({
      code: '42P01',
    });
  });

  it('lets monitoring roles read queue tables created later', async () => {
    await db.query(`SELECT pgmq.create('fx_monitored')`);
    const [grant] = await db.query<{ allowed: boolean }>(
      `SELECT has_table_privilege('pg_monitor', 'pgmq.q_fx_monitored', 'SELECT') AS allowed`,
    );
    expect(grant?.allowed).toBe(true);
  });
});
