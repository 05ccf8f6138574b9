import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHealthHandler,
  startQueueHealth,
  type HealthReport,
  type QueueHealth,
  type QueueStats,
} from '@queuetel/health';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { PAYLOAD_MARKER, runKnownWorkload } from '../harness/health.js';
import { createTestTelemetry } from '../harness/otel.js';
import { eventually, startBoss, type StartedBoss } from '../harness/pg-boss.js';

const TOKEN = 'test-token-5d1c';

let db: TestDatabase;
let started: StartedBoss;
let leader: QueueHealth;
const servers: Server[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('health_endpoint');
  started = await startBoss(
    '12.38 built-in off',
    db.url,
    createTestTelemetry('meter'),
    {},
    {
      monitorIntervalSeconds: 1,
      superviseIntervalSeconds: 1,
    },
  );
  await runKnownWorkload(started.boss);
  leader = startQueueHealth({
    connectionString: db.url,
    pgBossSchemas: [started.schema],
    intervalSeconds: 1,
    meterProvider: createTestTelemetry('meter').meterProvider,
  });
  // pg-boss's monitor has counted the workload once 'work' shows its five ready jobs.
  await eventually(() => expect(leader.latest()?.queues.find((q) => q.name === 'work')?.jobs.ready).toBe(5));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await leader.stop();
  await started.stop();
  await db.drop();
});

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string, token?: string, method = 'GET') {
  const response = await fetch(url, {
    method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, headers: response.headers, text };
}

describe('the health and stats endpoint', () => {
  it('refuses a request without the bearer token, or with a wrong one, with 401', async () => {
    const base = await serve(createHealthHandler(leader, { token: TOKEN }));
    for (const token of [undefined, 'wrong-token', '']) {
      for (const path of ['/health', '/queues/work']) {
        const response = await get(`${base}${path}`, token);
        expect(response.status, `${path} with ${String(token)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(response.text).not.toContain('work');
      }
    }
  });

  it('reports the database, the collector, the workers and every queue against its thresholds', async () => {
    const base = await serve(createHealthHandler(leader, { token: TOKEN }));
    const response = await get(`${base}/health`, TOKEN);
    // Degraded, not unhealthy: two jobs sit in work's dead-letter queue, and jobs wait with no worker.
    expect(response.status).toBe(200);
    const report = JSON.parse(response.text) as HealthReport;
    expect(report.status).toBe('degraded');
    expect(report.database.reachable).toBe(true);
    expect(report.database.round_trip_ms).toBeGreaterThan(0);
    expect(report.collector).toMatchObject({ leader: true, status: 'healthy', interval_seconds: 1 });
    expect(report.collector.lag_seconds).toBeLessThan(5);
    // pg-boss runs, but no instance works any queue.
    expect(report.workers).toEqual({ 'pg-boss-instance': 0 });
    const work = report.queues.find((q) => q.name === 'work')!;
    expect(work).toMatchObject({
      system: 'pg-boss',
      schema: started.schema,
      status: 'degraded',
      queue_length: 8,
      active_count: 2,
      dead_letter_jobs: 2,
      live_workers: 0,
    });
    expect(work.reasons).toEqual([
      '2 jobs are in dead-letter queue work_dlq (limit 1)',
      '8 jobs are waiting and no worker is live',
    ]);
    // The dead-letter queue holds its jobs on purpose: only its depth, on 'work', is judged.
    expect(report.queues.find((q) => q.name === 'work_dlq')).toMatchObject({
      status: 'healthy',
      reasons: [],
    });
    expect(report.queues.find((q) => q.name === 'other')).toMatchObject({
      status: 'healthy',
      queue_length: 0,
    });
  });

  it("returns one queue's stats, and 404 for a queue that does not exist", async () => {
    const base = await serve(createHealthHandler(leader, { token: TOKEN }));
    const response = await get(`${base}/queues/work`, TOKEN);
    expect(response.status).toBe(200);
    const stats = JSON.parse(response.text) as QueueStats;
    expect(stats).toMatchObject({
      name: 'work',
      queue_length: 8,
      active_count: 2,
      total_enqueued: null,
      total_completed: null,
      jobs: { ready: 5, deferred: 3, blocked: 0, active: 2, failed: 2 },
      dead_letter: { name: 'work_dlq', jobs: 2 },
      workers: { 'pg-boss-instance': 0 },
    });
    // The five ready jobs were sent more than a second before pg-boss counted them.
    expect(Date.parse(stats.oldest_enqueued_at!)).toBeLessThan(Date.parse(stats.last_updated) - 1000);
    expect(Number.isNaN(Date.parse(stats.last_updated))).toBe(false);
    expect((await get(`${base}/queues/nope`, TOKEN)).status).toBe(404);
    expect((await get(`${base}/queues/work`, TOKEN, 'POST')).status).toBe(405);
  });

  it('answers 503 when a queue is unhealthy, so it can serve as a readiness probe', async () => {
    const base = await serve(
      createHealthHandler(leader, { thresholds: { queues: { work: { queueLength: { unhealthy: 8 } } } } }),
    );
    const response = await get(`${base}/health`);
    expect(response.status).toBe(503);
    const report = JSON.parse(response.text) as HealthReport;
    expect(report.status).toBe('unhealthy');
    expect(report.queues.find((q) => q.name === 'work')!.reasons).toContain('8 jobs are waiting (limit 8)');
  });

  it('mounts under a base path and hands other requests to the next handler', async () => {
    const handler = createHealthHandler(leader, { basePath: '/queuetel' });
    const base = await serve((request, response) =>
      handler(request, response, () => {
        response.statusCode = 418;
        response.end('the application answered');
      }),
    );
    expect((await get(`${base}/queuetel/health`)).status).toBe(200);
    const passed = await get(`${base}/health`);
    expect(passed.status).toBe(418);
    expect(passed.text).toBe('the application answered');
  });

  it("serves a standby's requests from a read of its own, at most once per interval", async () => {
    const standby = startQueueHealth({
      connectionString: db.url,
      pgBossSchemas: [started.schema],
      intervalSeconds: 30,
      meterProvider: createTestTelemetry('meter').meterProvider,
    });
    try {
      await eventually(() => expect(standby.state().lockAttempts).toBe(1));
      const base = await serve(createHealthHandler(standby));
      const first = JSON.parse((await get(`${base}/health`)).text) as HealthReport;
      const second = JSON.parse((await get(`${base}/health`)).text) as HealthReport;
      expect(first.collector.leader).toBe(false);
      expect(first.queues.find((q) => q.name === 'work')!.queue_length).toBe(8);
      // The second request was answered from the first read.
      expect(second.collector.last_collection_at).toBe(first.collector.last_collection_at);
      expect(standby.state().collections).toBe(0);
    } finally {
      await standby.stop();
    }
  });

  it('answers 503 with the reason when the database cannot be reached', async () => {
    const unreachable = startQueueHealth({
      connectionString: 'postgres://nobody:nothing@127.0.0.1:1/none',
      intervalSeconds: 30,
      meterProvider: createTestTelemetry('meter').meterProvider,
    });
    try {
      const base = await serve(createHealthHandler(unreachable));
      const response = await get(`${base}/health`);
      expect(response.status).toBe(503);
      const report = JSON.parse(response.text) as HealthReport;
      expect(report).toMatchObject({ status: 'unhealthy', queues: [], database: { reachable: false } });
      expect(report.database.error).toMatch(/ECONNREFUSED|connect/);
      expect(response.text).not.toContain('nothing');
    } finally {
      await unreachable.stop();
    }
  });

  it('never returns a job payload', () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) expect(body).not.toContain(PAYLOAD_MARKER);
  });
});
