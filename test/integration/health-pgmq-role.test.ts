import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  monitoringRoleSql,
  readQueueHealth,
  startHeartbeat,
  startQueueHealth,
  type Heartbeat,
} from '@queuetel/health';
import { PgmqClient } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { PAYLOAD_MARKER, PGMQ_WORKLOAD_EXPECTATIONS, runKnownPgmqWorkload } from '../harness/health.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually } from '../harness/pg-boss.js';
import { createPgmqDatabase, openPool } from '../harness/pgmq.js';

// Roles belong to the whole server, which other test files share: these names are this file's own.
const ROLE = 'queuetel_monitor_pgmq_test';
const LOGIN = 'queuetel_collector_pgmq_test';
const PASSWORD = 'collector-pgmq-pass';
/** A login in pg_monitor, which pgmq lets read every queue table: not a monitoring role of ours. */
const READER = 'queuetel_pg_monitor_pgmq_test';

let db: TestDatabase;
let pool: pg.Pool;
let heartbeat: Heartbeat;
let monitorUrl: string;

beforeAll(async () => {
  db = await createPgmqDatabase('health_pgmq_role');
  pool = openPool(db);
  await runKnownPgmqWorkload(new PgmqClient(pool), pool);
  // A consumer's heartbeat, so the heartbeat table exists and holds a live row while the role reads.
  heartbeat = startHeartbeat({ pool, queues: ['orders'], system: 'pgmq', intervalSeconds: 60 });
  await eventually(async () => expect(await db.query('SELECT 1 FROM queuetel.heartbeat')).toHaveLength(1));
  // What an administrator does: run the script once pgmq is installed, then give a login its rights.
  await db.query(monitoringRoleSql({ role: ROLE }));
  await db.query(`DROP ROLE IF EXISTS ${LOGIN}`);
  await db.query(`CREATE ROLE ${LOGIN} LOGIN PASSWORD '${PASSWORD}' IN ROLE ${ROLE}`);
  const url = new URL(db.url);
  url.username = LOGIN;
  url.password = PASSWORD;
  monitorUrl = url.toString();
});
afterAll(async () => {
  await heartbeat?.stop();
  await pool?.end();
  await db.drop();
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${LOGIN}`);
    await admin.query(`DROP ROLE IF EXISTS ${READER}`);
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  } finally {
    await admin.end();
  }
});

async function asMonitor<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: monitorUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('the least-privilege monitoring role on pgmq', () => {
  it("reads every pgmq queue's counts through queuetel's wrapper, and the live consumers", async () => {
    const snapshot = await readQueueHealth({ connectionString: monitorUrl, pgmq: true });
    expect(snapshot.sources).toEqual([
      { system: 'pgmq', schema: 'pgmq', version: undefined, method: 'pgmq metrics' },
    ]);
    for (const [name, jobs] of Object.entries(PGMQ_WORKLOAD_EXPECTATIONS.jobs)) {
      const queue = snapshot.queues.find((q) => q.system === 'pgmq' && q.name === name);
      expect(queue?.jobs, name).toEqual(jobs);
      expect(queue?.enqueued, name).toBe(
        PGMQ_WORKLOAD_EXPECTATIONS.enqueued[name as keyof typeof PGMQ_WORKLOAD_EXPECTATIONS.enqueued],
      );
    }
    expect(snapshot.queues.find((q) => q.name === 'orders')!.workers).toEqual({ 'queuetel-consumer': 1 });
    expect(JSON.stringify(snapshot)).not.toContain(PAYLOAD_MARKER);
  });

  it('runs the elected collector and exports the pgmq gauges, with no error', async () => {
    const otel = createTestTelemetry('producer');
    const health = startQueueHealth({
      connectionString: monitorUrl,
      intervalSeconds: 0.5,
      metricProducer: otel.metricProducer,
    });
    try {
      const metrics = await eventually(async () => {
        const m = await otel.collect();
        expect(m.total('queuetel.collector.leader')).toBe(1);
        expect(
          m.total('queuetel.queue.jobs', {
            'messaging.system': 'pgmq',
            'messaging.destination.name': 'orders',
            'queuetel.queue.state': 'ready',
          }),
        ).toBe(6);
        return m;
      });
      expect(metrics.total('queuetel.collector.errors')).toBe(0);
    } finally {
      await health.stop();
      await otel.shutdown();
    }
  });

  it('cannot read a message or its headers, from a queue table or its archive, by any route', async () => {
    const attempts = ['q_orders', 'a_orders'].flatMap((table) => [
      `SELECT message FROM pgmq.${table}`,
      `SELECT headers FROM pgmq.${table}`,
      `SELECT * FROM pgmq.${table}`,
      `SELECT t FROM pgmq.${table} t`,
      `SELECT count(*) FROM pgmq.${table} WHERE message::text LIKE '%${PAYLOAD_MARKER}%'`,
      `SELECT msg_id FROM pgmq.${table}`,
    ]);
    // pgmq's own functions hand out messages; they are out of reach too.
    attempts.push(
      `SELECT * FROM pgmq.read('orders', 1, 10)`,
      `SELECT * FROM pgmq.pop('orders')`,
      `SELECT * FROM pgmq.set_vt('orders', 2, 0)`,
      `SELECT * FROM pgmq.metrics_all()`,
    );
    await asMonitor(async (client) => {
      for (const sql of attempts) {
        await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      // The half it may do: the counts, and nothing but the counts.
      const { rows } = await client.query<Record<string, unknown>>(
        `SELECT * FROM queuetel.pgmq_metrics_all() WHERE queue_name = 'orders'`,
      );
      expect(rows).toEqual([
        expect.objectContaining({ queue_name: 'orders', queue_length: '8', queue_visible_length: '6' }),
      ]);
      expect(Object.keys(rows[0]!).sort()).toEqual([
        'newest_msg_age_sec',
        'oldest_msg_age_sec',
        'queue_length',
        'queue_name',
        'queue_visible_length',
        'scrape_time',
        'total_messages',
      ]);
    });
  });

  it('leaves a role that may read pgmq itself to metrics_all(), rather than to a wrapper it may not call', async () => {
    // pgmq grants pg_monitor SELECT on every queue table: such a role reads payloads, so it is no
    // monitoring role, but a collector running as it must still work.
    await db.query(`DROP ROLE IF EXISTS ${READER}`);
    await db.query(`CREATE ROLE ${READER} LOGIN PASSWORD '${PASSWORD}' IN ROLE pg_monitor`);
    const url = new URL(db.url);
    url.username = READER;
    url.password = PASSWORD;
    const snapshot = await readQueueHealth({ connectionString: url.toString(), pgmq: true });
    const orders = snapshot.queues.find((q) => q.name === 'orders');
    expect(orders?.jobs).toEqual({ ready: 6, active: 2 });
    // It has no right on the heartbeats: live consumers go uncounted, rather than failing the read.
    expect(orders?.workers).toEqual({});
    const reader = new pg.Client({ connectionString: url.toString() });
    await reader.connect();
    try {
      await expect(reader.query('SELECT * FROM queuetel.pgmq_metrics_all()')).rejects.toMatchObject({
        code: '42501',
      });
      const { rows } = await reader.query<{ message: unknown }>('SELECT message FROM pgmq.q_orders LIMIT 1');
      expect(JSON.stringify(rows)).toContain(PAYLOAD_MARKER);
    } finally {
      await reader.end();
    }
  });

  it('cannot change a queue or send to one', async () => {
    await asMonitor(async (client) => {
      for (const sql of [
        `SELECT pgmq.send('orders', '{}'::jsonb)`,
        `DELETE FROM pgmq.q_orders`,
        `UPDATE pgmq.q_orders SET vt = now()`,
        `SELECT pgmq.purge_queue('orders')`,
        `SELECT pgmq.drop_queue('orders')`,
        `INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged) VALUES ('intruder', false, false)`,
      ]) {
        await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
    });
    // The queue is as the workload left it.
    const [orders] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmq.q_orders');
    expect(orders).toEqual({ n: 8 });
  });

  it("keeps its counts through pgmq's 1.12.0 to 1.12.1 upgrade, which drops and recreates metrics_result", async () => {
    // What the upgrade script does to the type: CASCADE takes every function declared with it.
    await db.query('DROP TYPE pgmq.metrics_result CASCADE');
    await db.query('SELECT pgmq._fixture_define_metrics()');
    await asMonitor(async (client) => {
      const { rows } = await client.query<Record<string, unknown>>(
        `SELECT queue_name, queue_length FROM queuetel.pgmq_metrics_all() WHERE queue_name = 'orders'`,
      );
      expect(rows).toEqual([{ queue_name: 'orders', queue_length: '8' }]);
    });
    // Running the script again (after any pgmq upgrade) is safe and leaves the wrapper working.
    await db.query(monitoringRoleSql({ role: ROLE }));
    const snapshot = await readQueueHealth({ connectionString: monitorUrl, pgmq: true });
    expect(snapshot.queues.find((q) => q.name === 'orders')?.jobs).toEqual({ ready: 6, active: 2 });
  });
});
