import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { monitoringRoleSql, readQueueHealth, startHeartbeat, startQueueHealth } from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { runKnownWorkload, WORKLOAD_EXPECTATIONS } from '../harness/health.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss, type BossSetup } from '../harness/pg-boss.js';

const SETUPS: readonly BossSetup[] = ['10.x', '12.38 built-in off'];
// Roles belong to the whole server, which other test files share: these names are this file's own.
const ROLE = 'queuetel_monitor_role_test';
const LOGIN = 'queuetel_collector_role_test';
const PASSWORD = 'collector-pass';

let db: TestDatabase;
let monitorUrl: string;
const schemas = new Map<BossSetup, string>();

beforeAll(async () => {
  db = await createTestDatabase('health_role');
  for (const setup of SETUPS) {
    const otel = createTestTelemetry('meter');
    const started = await startBoss(setup, db.url, otel);
    await runKnownWorkload(started.boss);
    // A first count for pg-boss 12's cache; pg-boss 10 is counted from its job table.
    for (const queue of ['work', 'work_dlq', 'flaky', 'other']) {
      await (started.boss as unknown as { getQueueStats?(name: string): Promise<unknown> }).getQueueStats?.(
        queue,
      );
    }
    await started.stop();
    schemas.set(setup, started.schema);
  }
  // A consumer's heartbeat, so the heartbeat table exists and holds a row.
  const heartbeat = startHeartbeat({ connectionString: db.url, queues: ['work'], intervalSeconds: 1 });
  await eventually(async () => expect(await db.query('SELECT 1 FROM queuetel.heartbeat')).toHaveLength(1));
  await heartbeat.stop();

  // What an administrator does: run the script, then give a login the role's rights.
  await db.query(monitoringRoleSql({ role: ROLE }));
  await db.query(`DROP ROLE IF EXISTS ${LOGIN}`);
  await db.query(`CREATE ROLE ${LOGIN} LOGIN PASSWORD '${PASSWORD}' IN ROLE ${ROLE}`);
  const url = new URL(db.url);
  url.username = LOGIN;
  url.password = PASSWORD;
  monitorUrl = url.toString();
});
afterAll(async () => {
  // With the database gone, nothing refers to the roles any more.
  await db.drop();
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${LOGIN}`);
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

describe('the least-privilege monitoring role', () => {
  it('can read every queue, its counts and the consumers, as the collector needs', async () => {
    const snapshot = await readQueueHealth({ connectionString: monitorUrl });
    for (const setup of SETUPS) {
      const expected = WORKLOAD_EXPECTATIONS[setup === '10.x' ? '10.x' : '12.x'];
      const schema = schemas.get(setup)!;
      for (const [name, jobs] of Object.entries(expected.jobs)) {
        const queue = snapshot.queues.find((q) => q.schema === schema && q.name === name);
        expect(queue?.jobs, `${setup} ${name}`).toEqual(jobs);
      }
      expect(snapshot.queues.find((q) => q.schema === schema && q.name === 'work')!.deadLetter).toEqual({
        name: 'work_dlq',
        jobs: 2,
      });
    }
    // The version tables are readable too, and the heartbeat table is counted.
    expect(snapshot.sources.map((s) => [s.schema, typeof s.version, s.method]).sort()).toEqual(
      [
        [schemas.get('10.x'), 'number', 'pg-boss scan'],
        [schemas.get('12.38 built-in off'), 'number', 'pg-boss cache'],
      ].sort(),
    );
    expect(snapshot.workers['queuetel-consumer']).toBe(0);
  });

  it('runs the elected collector, lock and all', async () => {
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
        expect(m.points('queuetel.queue.jobs').length).toBeGreaterThan(0);
        return m;
      });
      expect(metrics.total('queuetel.collector.errors')).toBe(0);
    } finally {
      await health.stop();
      await otel.shutdown();
    }
  });

  it.each(SETUPS)('cannot select a job payload on pg-boss %s, by any route', async (setup) => {
    const schema = schemas.get(setup)!;
    const [partition] = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE i.inhparent = '${schema}.job'::regclass LIMIT 1`,
    );
    const attempts = [
      `SELECT data FROM ${schema}.job`,
      `SELECT output FROM ${schema}.job`,
      `SELECT * FROM ${schema}.job`,
      `SELECT j FROM ${schema}.job j`,
      `SELECT data FROM ${schema}."${partition!.name}"`,
      `SELECT count(*) FROM ${schema}.job WHERE data IS NOT NULL`,
    ];
    if (setup === '10.x') attempts.push(`SELECT data FROM ${schema}.archive`);
    await asMonitor(async (client) => {
      for (const sql of attempts) {
        await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      // The half it may do: the states and times of the same rows.
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM ${schema}.job WHERE state = 'active'`,
      );
      expect(rows[0]).toEqual({ n: 2 });
    });
  });

  it('cannot write anything the collector only reads', async () => {
    const schema = schemas.get('12.38 built-in off')!;
    await asMonitor(async (client) => {
      for (const sql of [
        `UPDATE ${schema}.queue SET ready_count = 0`,
        `DELETE FROM ${schema}.job`,
        `DELETE FROM queuetel.heartbeat`,
        `CREATE TABLE queuetel.intruder (x int)`,
      ]) {
        await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
    });
  });
});
