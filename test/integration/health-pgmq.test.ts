import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@queuetel/cli';
import {
  createHealthHandler,
  startHeartbeat,
  startQueueHealth,
  type HealthReport,
  type QueueHealth,
  type QueueStats,
} from '@queuetel/health';
import { PgmqClient } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import {
  PAYLOAD_MARKER,
  PGMQ_WORKLOAD_EXPECTATIONS,
  runKnownPgmqWorkload,
  runKnownWorkload,
  WORKLOAD_EXPECTATIONS,
} from '../harness/health.js';
import { createTestTelemetry, type MetricsPath, type MetricsSnapshot } from '../harness/otel.js';
import { eventually, startBoss, type StartedBoss } from '../harness/pg-boss.js';
import { createPgmqDatabase, openPool } from '../harness/pgmq.js';

// One database holding pg-boss 12.38 queues and pgmq queues, each in a known state; the collector
// is given no schema and no system, so it must discover both.

const PGMQ = { 'messaging.system': 'pgmq', 'queuetel.queue.schema': 'pgmq' };

let db: TestDatabase;
let pool: pg.Pool;
let boss: StartedBoss;

beforeAll(async () => {
  db = await createPgmqDatabase('health_pgmq');
  pool = openPool(db);
  await runKnownPgmqWorkload(new PgmqClient(pool), pool);
  // pg-boss's monitor counts every second, so its cached counts are there within seconds.
  boss = await startBoss(
    '12.38 built-in off',
    db.url,
    createTestTelemetry('meter'),
    {},
    { monitorIntervalSeconds: 1, superviseIntervalSeconds: 1 },
  );
  await runKnownWorkload(boss.boss);
});
afterAll(async () => {
  await boss?.stop();
  await pool?.end();
  await db?.drop();
});

function jobsByState(metrics: MetricsSnapshot, where: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    metrics
      .points('queuetel.queue.jobs', where)
      .map((point) => [point.attributes['queuetel.queue.state'] as string, point.value]),
  );
}

function workersOf(metrics: MetricsSnapshot, where: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    metrics
      .points('queuetel.workers.live', where)
      .map((point) => [point.attributes['queuetel.worker.kind'] as string, point.value]),
  );
}

describe.each<MetricsPath>(['producer', 'meter'])('pgmq gauges through the %s path', (path) => {
  it('match the true counts beside pg-boss 12.38 queues, both found by discovery', async () => {
    const otel = createTestTelemetry(path);
    const heartbeat = startHeartbeat({ pool, queues: ['orders'], system: 'pgmq', intervalSeconds: 1 });
    const health = startQueueHealth({
      connectionString: db.url,
      intervalSeconds: 0.5,
      ...(otel.metricProducer
        ? { metricProducer: otel.metricProducer }
        : { meterProvider: otel.meterProvider }),
    });
    try {
      const bossWhere = { 'messaging.system': 'pg-boss', 'queuetel.queue.schema': boss.schema };
      const metrics = await eventually(async () => {
        const m = await otel.collect();
        for (const [queue, states] of Object.entries(PGMQ_WORKLOAD_EXPECTATIONS.jobs)) {
          expect(jobsByState(m, { ...PGMQ, 'messaging.destination.name': queue }), queue).toEqual(states);
        }
        for (const [queue, states] of Object.entries(WORKLOAD_EXPECTATIONS['12.x'].jobs)) {
          expect(jobsByState(m, { ...bossWhere, 'messaging.destination.name': queue }), queue).toEqual(
            states,
          );
        }
        expect(workersOf(m, { ...PGMQ, 'messaging.destination.name': 'orders' })).toEqual({
          'queuetel-consumer': 1,
        });
        return m;
      }, 30_000);

      // pgmq's lifetime totals: every message ever sent, whether since read, deleted or archived.
      for (const [queue, total] of Object.entries(PGMQ_WORKLOAD_EXPECTATIONS.enqueued)) {
        expect(
          metrics.points('queuetel.queue.enqueued', { ...PGMQ, 'messaging.destination.name': queue }),
          queue,
        ).toEqual([expect.objectContaining({ value: total })]);
      }
      // The oldest message of orders was sent over a second before the rest; the newest just now.
      const orders = { ...PGMQ, 'messaging.destination.name': 'orders' };
      const oldest = metrics.total('queuetel.queue.oldest_age', orders);
      const newest = metrics.points('queuetel.queue.newest_age', orders);
      expect(oldest).toBeGreaterThanOrEqual(1);
      expect(oldest).toBeLessThan(60);
      expect(newest).toHaveLength(1);
      expect(newest[0]!.value).toBeLessThanOrEqual(oldest);
      // An empty queue: nothing waits, and there is no newest message to be aged.
      const empty = { ...PGMQ, 'messaging.destination.name': 'empty' };
      expect(metrics.points('queuetel.queue.oldest_age', empty)).toEqual([
        expect.objectContaining({ value: 0 }),
      ]);
      expect(metrics.points('queuetel.queue.newest_age', empty)).toEqual([]);
      // A queue whose one message is delayed: it has waited over a second, but nothing is ready to
      // run, so no job has waited since it became eligible.
      const later = { ...PGMQ, 'messaging.destination.name': 'later' };
      expect(metrics.points('queuetel.queue.oldest_age', later)).toEqual([
        expect.objectContaining({ value: 0 }),
      ]);
      expect(metrics.total('queuetel.queue.newest_age', later)).toBeGreaterThanOrEqual(1);
      // pgmq keeps no dead-letter queues of its own; consumers are counted once the table exists.
      expect(metrics.points('queuetel.queue.dead_letter.jobs', PGMQ)).toEqual([]);
      expect(workersOf(metrics, empty)).toEqual({ 'queuetel-consumer': 0 });

      // Two queues named work, one per system: two series apart, never one summed.
      const work = metrics
        .points('queuetel.queue.jobs', {
          'messaging.destination.name': 'work',
          'queuetel.queue.state': 'ready',
        })
        .map((p) => [p.attributes['messaging.system'], p.attributes['queuetel.queue.schema'], p.value]);
      expect(work.sort()).toEqual([
        ['pg-boss', boss.schema, 5],
        ['pgmq', 'pgmq', 1],
      ]);
      // Every pgmq gauge names its system, queue and schema, and nothing else beside its own key.
      for (const name of ['queuetel.queue.jobs', 'queuetel.queue.oldest_age', 'queuetel.queue.enqueued']) {
        for (const point of metrics.points(name, PGMQ)) {
          expect(
            Object.keys(point.attributes)
              .filter((key) => key !== 'queuetel.queue.state')
              .sort(),
          ).toEqual(['messaging.destination.name', 'messaging.system', 'queuetel.queue.schema']);
        }
      }
      expect(metrics.total('queuetel.collector.errors')).toBe(0);
    } finally {
      await health.stop();
      await heartbeat.stop();
      await otel.shutdown();
    }
  });
});

describe('the endpoint and the command for pgmq queues', () => {
  let health: QueueHealth;
  let server: Server;
  let base: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    health = startQueueHealth({
      connectionString: db.url,
      intervalSeconds: 1,
      meterProvider: createTestTelemetry('meter').meterProvider,
    });
    await eventually(() =>
      expect(
        health.latest()?.queues.find((q) => q.system === 'pg-boss' && q.name === 'work')?.jobs.ready,
      ).toBe(5),
    );
    server = createServer(createHealthHandler(health));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await health?.stop();
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) expect(body).not.toContain(PAYLOAD_MARKER);
  });

  async function get(path: string) {
    const response = await fetch(`${base}${path}`);
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) as unknown };
  }

  it("GET /queues/{name} returns a pgmq queue's stats", async () => {
    const { status, body } = await get('/queues/orders');
    expect(status).toBe(200);
    const stats = body as QueueStats;
    expect(stats).toMatchObject({
      system: 'pgmq',
      schema: 'pgmq',
      name: 'orders',
      queue_length: 6,
      active_count: 2,
      total_enqueued: 10,
      total_completed: null,
      totals_since: null,
      jobs: { ready: 6, active: 2 },
      dead_letter: null,
    });
    // The oldest message was sent over a second before pgmq counted.
    expect(stats.oldest_enqueued_at).not.toBeNull();
    expect(Date.parse(stats.oldest_enqueued_at!)).toBeLessThan(Date.parse(stats.last_updated) - 1000);
    expect(stats.oldest_age_seconds).toBeGreaterThanOrEqual(1);

    const empty = (await get('/queues/empty')).body as QueueStats;
    expect(empty).toMatchObject({
      system: 'pgmq',
      queue_length: 0,
      active_count: 0,
      oldest_enqueued_at: null,
      newest_age_seconds: null,
      total_enqueued: 0,
    });
    const later = (await get('/queues/later')).body as QueueStats;
    expect(later).toMatchObject({
      status: 'healthy',
      queue_length: 0,
      active_count: 1,
      oldest_age_seconds: 0,
      oldest_enqueued_at: null,
    });
  });

  it('tells a pgmq queue from a pg-boss queue of the same name', async () => {
    const both = await get('/queues/work');
    expect(both.status).toBe(409);
    expect((both.body as { matches: unknown[] }).matches).toEqual(
      expect.arrayContaining([
        { system: 'pg-boss', schema: boss.schema },
        { system: 'pgmq', schema: 'pgmq' },
      ]),
    );
    const pgmq = await get('/queues/work?system=pgmq');
    expect(pgmq.status).toBe(200);
    expect(pgmq.body).toMatchObject({ system: 'pgmq', queue_length: 1, total_enqueued: 1 });
    const bySchema = await get(`/queues/work?schema=${boss.schema}`);
    expect(bySchema.body).toMatchObject({ system: 'pg-boss', queue_length: 8 });
  });

  it('GET /health judges pgmq queues beside the pg-boss ones', async () => {
    const { body } = await get('/health');
    const report = body as HealthReport;
    const pgmqQueues = report.queues.filter((q) => q.system === 'pgmq');
    expect(pgmqQueues.map((q) => [q.name, q.queue_length, q.active_count]).sort()).toEqual([
      ['empty', 0, 0],
      ['later', 0, 1],
      ['orders', 6, 2],
      ['work', 1, 0],
    ]);
  });

  async function queuetel(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { DATABASE_URL: db.url },
    });
    return { code, stdout, stderr };
  }

  it('queuetel status prints the pgmq queues beside the pg-boss ones', async () => {
    const { code, stdout, stderr } = await queuetel(['status']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = stdout.split('\n').map((line) => line.split(/\s+/));
    const row = (name: string, where: string) =>
      rows.find((cells) => cells[0] === name && cells[1] === where);
    // QUEUE WHERE STATUS READY DEFERRED RETRY BLOCKED ACTIVE FAILED DEAD OLDEST WORKERS COUNTED
    expect(row('orders', 'pgmq')!.slice(3, 10)).toEqual(['6', '-', '-', '-', '2', '-', '-']);
    expect(row('empty', 'pgmq')!.slice(3, 11)).toEqual(['0', '-', '-', '-', '0', '-', '-', '0s']);
    expect(row('later', 'pgmq')!.slice(2, 11)).toEqual(['healthy', '0', '-', '-', '-', '1', '-', '-', '0s']);
    expect(row('work', 'pgmq')!.slice(3, 8)).toEqual(['1', '-', '-', '-', '0']);
    expect(row('work', `pg-boss:${boss.schema}`)!.slice(3, 5)).toEqual(['5', '3']);
    expect(stdout).toMatch(/Read 8 queue\(s\) from pg-boss schema \S+ \(v\d+\), pg-boss cache; pgmq in/);
    expect(stdout).not.toContain(PAYLOAD_MARKER);
  });

  it('queuetel status says which of two queues of the same name each reason is about', async () => {
    const file = join(tmpdir(), `${db.name}-thresholds.json`);
    writeFileSync(file, JSON.stringify({ queues: { work: { queueLength: { unhealthy: 1 } } } }));
    const { code, stdout } = await queuetel(['status', '--thresholds', file]);
    expect(code).toBe(1);
    expect(stdout).toContain(`  work in pg-boss:${boss.schema} (unhealthy): 8 jobs are waiting (limit 1)\n`);
    expect(stdout).toContain('  work in pgmq (unhealthy): 1 jobs are waiting (limit 1)\n');
    // A name only one place holds stays as it is.
    expect(stdout).toMatch(/^ {2}flaky \(degraded\): /m);
  });

  it('queuetel status --pgmq --queue orders --json reports that one queue', async () => {
    const { code, stdout } = await queuetel(['status', '--pgmq', '--queue', 'orders', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { queues: Record<string, unknown>[] };
    expect(report.queues).toEqual([
      expect.objectContaining({
        system: 'pgmq',
        schema: 'pgmq',
        name: 'orders',
        queue_length: 6,
        active_count: 2,
      }),
    ]);
    expect(stdout).not.toContain(PAYLOAD_MARKER);
  });
});
