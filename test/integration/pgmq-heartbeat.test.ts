import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { HEARTBEAT_TABLE } from '@queuetel/core/internal';
import { readQueueHealth, startQueueHealth } from '@queuetel/health';
import { PgmqClient, type ConsumeOptions, type PgmqMessage } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { captureDiagnostics } from '../harness/diagnostics.js';
import { createTestTelemetry, type MetricsSnapshot } from '../harness/otel.js';
import { eventually } from '../harness/pg-boss.js';
import { createPgmqDatabase, openPool, watchQueries } from '../harness/pgmq.js';

// A pgmq consumer announces itself, so "no live worker" works for pgmq queues with no extra code.

/** A login that may use pgmq's queues but was given no right on queuetel's heartbeat table. */
const WORKER = 'queuetel_pgmq_worker_heartbeat_test';
const PASSWORD = 'worker-pass';

let db: TestDatabase;
let pool: pg.Pool;
let pgmq: PgmqClient;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  db = await createPgmqDatabase('pgmq_heartbeat');
  pool = openPool(db);
  pgmq = new PgmqClient(pool);
  for (const queue of ['jobs', 'other', 'idle', 'quiet']) await pgmq.create(queue);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${WORKER}`);
  } finally {
    await admin.end();
  }
});

/** Starts a consumer the way an application does, and keeps what it takes to stop it. */
function startConsumer(
  client: PgmqClient,
  queue: string,
  options: Omit<ConsumeOptions, 'signal'> = {},
  handler: (message: PgmqMessage) => unknown = () => {},
) {
  const controller = new AbortController();
  const done = client.consume(queue, handler, {
    pollIntervalMs: 50,
    heartbeatIntervalSeconds: 1,
    ...options,
    signal: controller.signal,
  });
  const consumer = {
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
  running.push(consumer);
  return consumer;
}

/** Live queuetel consumers of each pgmq queue, as one read of the collector sees them. */
async function liveConsumers(): Promise<Record<string, number | undefined>> {
  const snapshot = await readQueueHealth({ connectionString: db.url, pgBossSchemas: false, pgmq: true });
  return Object.fromEntries(snapshot.queues.map((q) => [q.name, q.workers['queuetel-consumer']]));
}

function workersGauge(metrics: MetricsSnapshot, queue: string): number[] {
  return metrics
    .points('queuetel.workers.live', {
      'messaging.system': 'pgmq',
      'queuetel.queue.schema': 'pgmq',
      'messaging.destination.name': queue,
      'queuetel.worker.kind': 'queuetel-consumer',
    })
    .map((point) => point.value);
}

describe('a pgmq consumer', () => {
  it('shows as one live worker of its queue while it runs, and as none once stopped', async () => {
    const otel = createTestTelemetry('producer');
    const health = startQueueHealth({
      connectionString: db.url,
      intervalSeconds: 0.5,
      metricProducer: otel.metricProducer,
    });
    try {
      const handled: string[] = [];
      const consumer = startConsumer(pgmq, 'jobs', {}, (message) => {
        handled.push(message.msgId);
      });
      await eventually(async () => {
        const metrics = await otel.collect();
        expect(workersGauge(metrics, 'jobs')).toEqual([1]);
        expect(workersGauge(metrics, 'idle')).toEqual([0]);
      });
      // It is the consumer's own row, beaten on the client's pool, and it works while it beats.
      const [row] = await db.query<{ system: string; schema: string; queues: string[]; pid: number }>(
        'SELECT system, schema, queues, pid FROM queuetel.heartbeat WHERE stopped_on IS NULL',
      );
      expect(row).toEqual({ system: 'pgmq', schema: 'pgmq', queues: ['jobs'], pid: process.pid });
      const id = await pgmq.send('jobs', { n: 1 });
      await eventually(() => expect(handled).toEqual([id]));

      await consumer.stop();
      // Marked stopped before consume() resolved: the very next read counts none.
      expect(await liveConsumers()).toMatchObject({ jobs: 0, idle: 0 });
      await eventually(async () => expect(workersGauge(await otel.collect(), 'jobs')).toEqual([0]));
    } finally {
      await health.stop();
      await otel.shutdown();
    }
  });

  it('counts each running consumer once, per queue', async () => {
    const first = startConsumer(pgmq, 'jobs');
    startConsumer(pgmq, 'jobs');
    startConsumer(pgmq, 'other');
    await eventually(async () => expect(await liveConsumers()).toMatchObject({ jobs: 2, other: 1, idle: 0 }));
    await first.stop();
    expect(await liveConsumers()).toMatchObject({ jobs: 1, other: 1 });
  });

  it('beats no heartbeat with heartbeat: false', async () => {
    const handled: unknown[] = [];
    startConsumer(pgmq, 'quiet', { heartbeat: false }, (message) => {
      handled.push(message.message);
    });
    await pgmq.send('quiet', { n: 1 });
    await eventually(() => expect(handled).toEqual([{ n: 1 }]));
    expect(await liveConsumers()).toMatchObject({ quiet: 0 });
    const rows = await db.query(`SELECT 1 FROM queuetel.heartbeat WHERE 'quiet' = ANY (queues)`);
    expect(rows).toEqual([]);
  });

  it('creates the table again when it is dropped under a running consumer', async () => {
    startConsumer(pgmq, 'other');
    await eventually(async () => expect(await liveConsumers()).toMatchObject({ other: 1 }));
    await db.query('DROP TABLE queuetel.heartbeat');
    // The collector counts no consumer while there is no table, then the consumer's next beats
    // create it and announce it again.
    await eventually(async () => expect(await liveConsumers()).toMatchObject({ other: 1 }), 10_000);
  });

  it('goes on handling every message when its heartbeat cannot be written, and says so once', async () => {
    // A worker role with every right pgmq needs and none on queuetel's schema: a grant forgotten.
    await db.query(`DROP ROLE IF EXISTS ${WORKER}`);
    await db.query(`CREATE ROLE ${WORKER} LOGIN PASSWORD '${PASSWORD}'`);
    await db.query(`GRANT USAGE ON SCHEMA pgmq TO ${WORKER}`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgmq TO ${WORKER}`);
    await db.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA pgmq TO ${WORKER}`);
    const url = new URL(db.url);
    url.username = WORKER;
    url.password = PASSWORD;
    const workerPool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    workerPool.on('error', () => {});
    // Each failed beat is one refused statement: a beat stops at its first failing statement.
    let refusedBeats = 0;
    const watched = watchQueries(workerPool, (text, ok) => {
      if (!ok && text.includes(HEARTBEAT_TABLE)) refusedBeats++;
    });
    const diagnostics = captureDiagnostics();
    try {
      const handled: unknown[] = [];
      const consumer = startConsumer(new PgmqClient(watched), 'jobs', {}, (message) => {
        handled.push(message.message);
      });
      for (let n = 0; n < 3; n++) await pgmq.send('jobs', { n });
      await eventually(() => expect(handled).toHaveLength(3));
      // Several beats fail (one a second); the log has one line about all of them.
      await eventually(() => expect(refusedBeats).toBeGreaterThanOrEqual(3));
      await consumer.stop();
      const heartbeatLines = diagnostics.messages.filter((m) => m.includes('heartbeat'));
      expect(heartbeatLines).toHaveLength(1);
      expect(heartbeatLines[0]).toMatch(/a heartbeat failed.*permission denied for schema queuetel/);
      expect(await liveConsumers()).toMatchObject({ jobs: 0 });
      const [left] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmq.q_jobs');
      expect(left).toEqual({ n: 0 });
    } finally {
      diagnostics.stop();
      await workerPool.end();
    }
  });
});
