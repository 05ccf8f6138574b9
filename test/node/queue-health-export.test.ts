import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { PgBoss } from 'pg-boss';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS } from '@queuetel/core';
import { startQueueHealth, type QueueHealth } from '@queuetel/health';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { PgmqClient } from '@queuetel/pgmq';
import { emittedFrom, isLaneA, nameProblems } from '../collector/metric-names.js';
import { prometheusSamples } from '../collector/prometheus-series.js';
import { selectorUses } from '../collector/promql.js';
import { alertQueries, dashboardQueries, readDashboard, substituteVariables } from '../collector/queries.js';
import { COLLECTOR, runTool } from '../collector/tools.js';
import type { TestDatabase } from '../harness/database.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedPoint } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';
import { createPgmqDatabase, openPool } from '../harness/pgmq.js';

/**
 * Lane A end to end: a real queue-health collector, started with startQueueHealth() beside
 * startTelemetry() as a worker would run it, exports OTLP/HTTP to a receiver on loopback. The
 * database holds two pg-boss 12.38 schemas and pgmq, each with a queue named `email`. What arrives
 * is what the dashboard and the alert rules are checked against.
 */

const SERVICE = 'queuetel-lane-a';
const SCOPE = '@queuetel/health';
const SCHEMAS = ['pgboss_a', 'pgboss_b'] as const;

let db: TestDatabase;
let pool: pg.Pool;
let receiver: OtlpReceiver;
let telemetry: Telemetry;
let health: QueueHealth;
const bosses: PgBoss[] = [];
const stopConsumer = new AbortController();
let releaseHandler: () => void = () => {};
let consuming: Promise<void> | undefined;
/** The last export once the workload, the consumer and a collection error have all been seen. */
let snapshot: ReceivedPoint[];
const scratch = mkdtempSync(join(tmpdir(), 'queuetel-lane-a-'));

/** The queue-health points of the newest export. */
function latestExport(): ReceivedPoint[] {
  const points = receiver.points().filter((p) => p.scope === SCOPE);
  const last = Math.max(...points.map((p) => p.arrivedAt));
  return points.filter((p) => p.arrivedAt === last);
}

function valueOf(points: readonly ReceivedPoint[], name: string, where: Record<string, string>): number[] {
  return points
    .filter((p) => p.name === name && Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .map((p) => p.value);
}

const queue = (system: string, schema: string, name: string) => ({
  'messaging.system': system,
  'queuetel.queue.schema': schema,
  'messaging.destination.name': name,
});

/** What the workload below leaves, as the collector must report it. */
function expectWorkload(points: readonly ReceivedPoint[]): void {
  const ready = (where: Record<string, string>) =>
    valueOf(points, 'queuetel.queue.jobs', { ...where, 'queuetel.queue.state': 'ready' });
  expect(ready(queue('pg-boss', 'pgboss_a', 'email'))).toEqual([2]);
  expect(
    valueOf(points, 'queuetel.queue.jobs', {
      ...queue('pg-boss', 'pgboss_a', 'email'),
      'queuetel.queue.state': 'failed',
    }),
  ).toEqual([1]);
  expect(ready(queue('pg-boss', 'pgboss_a', 'email_dlq'))).toEqual([1]);
  expect(ready(queue('pg-boss', 'pgboss_b', 'email'))).toEqual([3]);
  expect(ready(queue('pgmq', 'pgmq', 'email'))).toEqual([2]);
  expect(
    valueOf(points, 'queuetel.queue.jobs', {
      ...queue('pgmq', 'pgmq', 'email'),
      'queuetel.queue.state': 'active',
    }),
  ).toEqual([1]);
  expect(
    valueOf(points, 'queuetel.workers.live', {
      ...queue('pgmq', 'pgmq', 'email'),
      'queuetel.worker.kind': 'queuetel-consumer',
    }),
  ).toEqual([1]);
  expect(
    valueOf(points, 'queuetel.workers.live', {
      ...queue('pg-boss', 'pgboss_a', 'other'),
      'queuetel.worker.kind': 'pg-boss-instance',
    }),
  ).toEqual([1]);
  expect(valueOf(points, 'queuetel.collector.leader', {})).toEqual([1]);
}

beforeAll(async () => {
  db = await createPgmqDatabase('lane_a_otlp');
  receiver = await startOtlpReceiver();
  telemetry = startTelemetry({
    serviceName: SERVICE,
    endpoint: receiver.endpoint,
    metricExportIntervalMillis: 1000,
  });

  // pg-boss 12.38 in two schemas, each with an `email` queue and its dead-letter queue. In a, one
  // job of three failed for good and went to the dead-letter queue, and a worker runs on `other`.
  for (const schema of SCHEMAS) {
    const boss = new PgBoss({
      connectionString: db.url,
      schema,
      schedule: false,
      monitorIntervalSeconds: 1,
      superviseIntervalSeconds: 1,
      instanceHeartbeatSeconds: 1,
    });
    boss.on('error', () => {});
    bosses.push(boss);
    await boss.start();
    await boss.createQueue('email_dlq');
    await boss.createQueue('email', { deadLetter: 'email_dlq', retryLimit: 0 });
    await boss.createQueue('other');
    for (let i = 0; i < 3; i++) await boss.send('email', { i });
  }
  const [a] = bosses;
  const [failing] = await a!.fetch('email');
  await a!.fail('email', failing!.id);
  await a!.work('other', { pollingIntervalSeconds: 0.5 }, async () => {});

  // pgmq's `email`: three messages, one held by a running consumer, which beats its heartbeat.
  pool = openPool(db);
  const pgmq = new PgmqClient(pool);
  await pgmq.create('email');
  for (let i = 0; i < 3; i++) await pgmq.send('email', { i });
  const held = new Promise<void>((resolve) => (releaseHandler = resolve));
  consuming = pgmq.consume('email', () => held, {
    vt: 300,
    heartbeatIntervalSeconds: 1,
    pollIntervalMs: 100,
    signal: stopConsumer.signal,
  });

  health = startQueueHealth({ connectionString: db.url, intervalSeconds: 1 });
  await eventually(() => expectWorkload(latestExport()), 30_000);

  // A collection that fails: a lock held on a table the collector reads outlasts its statement
  // timeout. Once the error has been exported, the lock goes and collections succeed again.
  const locker = await pool.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE pgboss_a.queue IN ACCESS EXCLUSIVE MODE');
    await eventually(
      () =>
        expect(
          valueOf(latestExport(), 'queuetel.collector.errors', { 'error.type': 'timeout' }),
        ).toHaveLength(1),
      30_000,
    );
  } finally {
    await locker.query('ROLLBACK');
    locker.release();
  }
  snapshot = await eventually(() => {
    const latest = latestExport();
    expectWorkload(latest);
    const [errors] = valueOf(latest, 'queuetel.collector.errors', { 'error.type': 'timeout' });
    expect(errors).toBeGreaterThanOrEqual(1);
    return latest;
  }, 30_000);
}, 120_000);

afterAll(async () => {
  releaseHandler();
  stopConsumer.abort();
  await consuming;
  await health?.stop();
  for (const boss of bosses) await boss.stop({ graceful: false, timeout: 2000 });
  await telemetry?.shutdown();
  await receiver?.close();
  await pool?.end();
  await db?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a queue-health collector exporting through startTelemetry()', () => {
  it('sends the Lane A metrics with their units and kinds, under the service it runs in', () => {
    const sent = new Map(
      receiver
        .points()
        .filter((p) => p.scope === SCOPE)
        .map((p) => [p.name, { unit: p.unit, kind: p.kind, bounds: p.bounds }]),
    );
    expect(Object.fromEntries(sent)).toEqual({
      'queuetel.queue.jobs': { unit: '{job}', kind: 'gauge', bounds: undefined },
      'queuetel.queue.oldest_age': { unit: 's', kind: 'gauge', bounds: undefined },
      'queuetel.queue.newest_age': { unit: 's', kind: 'gauge', bounds: undefined },
      'queuetel.queue.dead_letter.jobs': { unit: '{job}', kind: 'gauge', bounds: undefined },
      // pgmq keeps a lifetime total; pg-boss 12's `completed` needs persistQueueStats, not set here.
      'queuetel.queue.enqueued': { unit: '{job}', kind: 'counter', bounds: undefined },
      'queuetel.workers.live': { unit: '{worker}', kind: 'gauge', bounds: undefined },
      'queuetel.collector.duration': { unit: 's', kind: 'histogram', bounds: DURATION_BUCKETS },
      'queuetel.collector.errors': { unit: '{error}', kind: 'counter', bounds: undefined },
      'queuetel.collector.staleness': { unit: 's', kind: 'gauge', bounds: undefined },
      'queuetel.collector.leader': { unit: '{instance}', kind: 'gauge', bounds: undefined },
    });
    expect(snapshot.every((p) => p.resource['service.name'] === SERVICE)).toBe(true);
    expect(valueOf(snapshot, 'queuetel.queue.enqueued', queue('pgmq', 'pgmq', 'email'))).toEqual([3]);
  });

  it('names each queue by system, schema and name: three queues called email, three series', () => {
    const email = snapshot
      .filter(
        (p) =>
          p.name === 'queuetel.queue.jobs' &&
          p.attributes['messaging.destination.name'] === 'email' &&
          p.attributes['queuetel.queue.state'] === 'ready',
      )
      .map((p) => [p.attributes['messaging.system'], p.attributes['queuetel.queue.schema'], p.value]);
    expect(email.sort()).toEqual([
      ['pg-boss', 'pgboss_a', 2],
      ['pg-boss', 'pgboss_b', 3],
      ['pgmq', 'pgmq', 2],
    ]);
    // No two points of one metric in one export share their attributes: no series collides.
    for (const name of new Set(snapshot.map((p) => p.name))) {
      const keys = snapshot
        .filter((p) => p.name === name)
        .map((p) => JSON.stringify(Object.entries(p.attributes).sort()));
      expect(new Set(keys).size, name).toBe(keys.length);
    }
    // Every queue gauge carries the three, whichever system it comes from.
    for (const point of snapshot.filter((p) => /^queuetel\.(queue|workers)\./.test(p.name))) {
      expect(Object.keys(point.attributes)).toEqual(
        expect.arrayContaining(['messaging.system', 'queuetel.queue.schema', 'messaging.destination.name']),
      );
    }
  });

  it('emits every Lane A metric and label that the dashboard and the alert rules query', () => {
    const queries = [...dashboardQueries(), ...alertQueries()];
    const laneA = queries.filter((query) => selectorUses(query.expr).some((use) => isLaneA(use.metric)));
    expect(laneA.length).toBeGreaterThan(10);
    const emitted = emittedFrom(receiver.points().filter((p) => p.scope === SCOPE));
    expect(nameProblems(queries, emitted, isLaneA)).toEqual([]);
  });

  it("gives Prometheus's own rule engine what it needs to page on the right queues, and only those", () => {
    // What was sent, as Prometheus would store it, held for 15 minutes: the rules run on it.
    const samples = prometheusSamples(snapshot);
    const depthPanel = readDashboard().panels.find((panel) => panel.title === 'Depth by state')!;
    const depthQuery = substituteVariables(depthPanel.targets![0]!.expr);
    const depth = snapshot.filter((p) => p.name === 'queuetel.queue.jobs');
    const noWorker = (schema: string, jobs: number) => ({
      exp_labels: {
        severity: 'critical',
        messaging_system: 'pg-boss',
        queuetel_queue_schema: schema,
        messaging_destination_name: 'email',
      },
      exp_annotations: {
        summary: `No worker is live for email, and ${jobs} jobs are ready`,
        description: `${jobs} jobs of pg-boss queue email in schema ${schema} are ready to run and no worker of the queue is live.`,
        runbook_url: 'docs/runbook.md#queuetelnoactiveworkers',
      },
    });
    const quiet = [
      'QueuetelQueueDepthHigh',
      'QueuetelQueueStale',
      'QueuetelDeadLetterGrowing',
      'QueuetelCollectorDown',
    ];
    const tests = {
      rule_files: [`${COLLECTOR}prometheus/rules/queuetel-alerts.yml`],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: samples.map(({ series, value }) => ({ series, values: `${value}x15` })),
          alert_rule_test: [
            // Both pg-boss `email` queues wait on nobody. pgmq's `email` has its consumer, `other`
            // its pg-boss worker, and a's `email_dlq` is a dead-letter queue: none of those pages.
            {
              eval_time: '10m',
              alertname: 'QueuetelNoActiveWorkers',
              exp_alerts: [noWorker('pgboss_a', 2), noWorker('pgboss_b', 3)],
            },
            ...quiet.map((alertname) => ({ eval_time: '10m', alertname, exp_alerts: [] })),
          ],
          promql_expr_test: [
            {
              // The depth panel draws one line per queue and state, the three `email`s apart.
              expr: depthQuery,
              eval_time: '10m',
              exp_samples: depth.map((p) => ({
                labels: `{${(
                  [
                    'messaging.system',
                    'queuetel.queue.schema',
                    'messaging.destination.name',
                    'queuetel.queue.state',
                  ] as const
                )
                  .map((key) => `${key.replaceAll('.', '_')}="${String(p.attributes[key])}"`)
                  .join(', ')}}`,
                value: p.value,
              })),
            },
          ],
        },
      ],
    };
    const file = join(scratch, 'lane-a-rules.test.yml');
    writeFileSync(file, stringify(tests));
    const run = runTool('promtool', ['test', 'rules', file]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });
});
