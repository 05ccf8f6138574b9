import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, WAIT_TIME_BUCKETS } from '@queuetel/core';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { emittedFrom, isLaneA, isShadow, nameProblems } from '../collector/metric-names.js';
import { alertQueries, dashboardQueries } from '../collector/queries.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import {
  OTLP_SPAN_KIND,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedPoint,
} from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';

/**
 * End to end: a real pg-boss 12.38 worker with its built-in telemetry on, instrumented by queuetel,
 * with the SDK set up by startTelemetry() and its defaults, exporting OTLP/HTTP JSON to a receiver
 * on loopback.
 */

const QUEUE = 'e2e_work';
const DEAD = 'e2e_dead';
const SERVICE = 'queuetel-e2e';
/** Jobs whose completion-to-arrival time is measured, each sent at a random point of the export cycle. */
const LATENCY_ROUNDS = 3;
/** The 10 s budget from job completion to the dashboard; the SDK's share must fit well within it. */
const BUDGET_MS = 10_000;

let db: TestDatabase;
let receiver: OtlpReceiver;
let telemetry: Telemetry;
let boss: PgBoss;
const latencies: number[] = [];

function pointsOf(name: string, where: Record<string, string>): ReceivedPoint[] {
  return receiver
    .points()
    .filter(
      (p) => p.name === name && Object.entries(where).every(([key, value]) => p.attributes[key] === value),
    );
}

/** Attempts per queue, by outcome. */
const outcomes = (where: Record<string, string>) => pointsOf('queuetel.job.outcomes', where);
/** Attempts by label and outcome: the duration histogram's count. */
const byLabel = (where: Record<string, string>) => pointsOf('queuetel.job.duration', where);

/** The latest cumulative value of a counter series, as last exported. */
function latest(points: ReceivedPoint[]): number {
  return points.reduce((max, p) => Math.max(max, p.value), 0);
}

beforeAll(async () => {
  db = await createTestDatabase('otlp');
  receiver = await startOtlpReceiver();
  telemetry = startTelemetry({
    serviceName: SERVICE,
    endpoint: receiver.endpoint,
    resourceAttributes: { 'deployment.environment.name': 'e2e' },
  });
  boss = new PgBoss({
    connectionString: db.url,
    schema: 'pgboss_otlp',
    schedule: false,
    openTelemetry: { propagateContext: true },
  });
  boss.on('error', () => {});
  const queuetel = instrumentPgBoss(boss, {
    labels: { project: { from: 'data.project', values: ['acme', 'globex'] } },
  });
  await boss.start();
  await boss.createQueue(DEAD);
  await boss.createQueue(QUEUE, { retryLimit: 1, retryDelay: 0, deadLetter: DEAD });

  const completedAt = new Map<number, number>();
  await boss.work(
    QUEUE,
    { pollingIntervalSeconds: 0.5 },
    queuetel.eachJob(async (job: { data: { fail?: boolean; round?: number } }) => {
      if (job.data.fail) throw new TypeError('malformed payload');
      if (job.data.round !== undefined) completedAt.set(job.data.round, Date.now());
    }),
  );

  // Four jobs that complete, one with a project outside the allowed values, one that fails twice
  // and goes to the dead-letter queue.
  for (let i = 0; i < 4; i++) await boss.send(QUEUE, { project: 'acme' });
  await boss.send(QUEUE, { project: 'initech' });
  await boss.send(QUEUE, { project: 'globex', fail: true });
  await eventually(() => {
    expect(latest(byLabel({ project: 'acme', 'queuetel.job.outcome': 'completed' }))).toBe(4);
    expect(latest(outcomes({ 'queuetel.job.outcome': 'dead_lettered' }))).toBe(1);
  }, 30_000);

  // Completion to arrival: each round's job is sent right after a metric export arrives, the worst
  // moment of the export cycle, and timed from the moment its handler returned to the first export
  // that counts it.
  const metricExports = () => receiver.requests.filter((r) => r.path === '/v1/metrics').length;
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const exportsBefore = metricExports();
    await eventually(() => expect(metricExports()).toBeGreaterThan(exportsBefore), 30_000);
    await boss.send(QUEUE, { project: 'acme', round });
    const expected = 5 + round;
    const arrivedAt = await eventually(() => {
      const counted = byLabel({ project: 'acme', 'queuetel.job.outcome': 'completed' }).filter(
        (p) => p.value >= expected,
      );
      expect(counted.length).toBeGreaterThan(0);
      return Math.min(...counted.map((p) => p.arrivedAt));
    }, 30_000);
    latencies.push(arrivedAt - completedAt.get(round)!);
  }
  // Spans go on their own schedule (the batch span processor's 5 s delay).
  await eventually(
    () => expect(receiver.spans().filter((s) => s.name === `process ${QUEUE}`)).toHaveLength(10),
    30_000,
  );
  console.log(
    `completion-to-arrival over ${LATENCY_ROUNDS} jobs (default ${5000} ms export interval): ` +
      `${latencies.map((ms) => `${ms} ms`).join(', ')}; max ${Math.max(...latencies)} ms`,
  );
}, 120_000);

afterAll(async () => {
  await boss?.stop({ graceful: false, timeout: 2000 });
  await telemetry?.shutdown();
  await receiver?.close();
  await db?.drop();
});

describe('a pg-boss worker exporting through startTelemetry()', () => {
  it(`delivers a job's metrics within the ${BUDGET_MS / 1000} s budget of its completion`, () => {
    expect(latencies).toHaveLength(LATENCY_ROUNDS);
    for (const latency of latencies) {
      expect(latency).toBeGreaterThanOrEqual(0);
      expect(latency).toBeLessThanOrEqual(BUDGET_MS);
    }
  });

  it('sends the producer and process spans with the service resource', () => {
    const spans = receiver.spans();
    const send = spans.find((s) => s.name === `send ${QUEUE}`);
    expect(send?.kind).toBe(OTLP_SPAN_KIND.producer);
    const processed = spans.filter((s) => s.name === `process ${QUEUE}`);
    // 6 first attempts, 1 retry, 3 latency rounds.
    expect(processed).toHaveLength(10);
    const first = processed.find((s) => s.attributes.project === 'acme')!;
    expect(first.kind).toBe(OTLP_SPAN_KIND.consumer);
    expect(first.attributes).toMatchObject({
      'messaging.system': 'pg-boss',
      'messaging.destination.name': QUEUE,
      'queuetel.job.attempt': 1,
    });
    // pg-boss continues the producer's trace for a batch of one.
    const parent = spans.find((s) => s.spanId === first.parentSpanId);
    expect(parent?.name).toBe(`send ${QUEUE}`);
    expect(parent?.traceId).toBe(first.traceId);
    expect(first.resource).toMatchObject({
      'service.name': SERVICE,
      'deployment.environment.name': 'e2e',
    });
    const failures = processed.filter((s) => s.attributes['error.type'] === 'TypeError');
    expect(failures).toHaveLength(2);
    expect(failures.every((s) => s.statusCode === 2)).toBe(true);
  });

  it('sends the job metrics with their labels, outcomes and buckets', () => {
    const points = receiver.points();
    expect(points.every((p) => p.resource['service.name'] === SERVICE)).toBe(true);
    // Outcomes are per queue; the duration, whose count counts attempts, carries the labels.
    const retried = outcomes({ 'queuetel.job.outcome': 'retried' });
    expect(latest(retried)).toBe(1);
    expect(retried[0]!.attributes).toEqual({
      'messaging.system': 'pg-boss',
      'messaging.destination.name': QUEUE,
      'queuetel.job.outcome': 'retried',
      'error.type': 'TypeError',
    });
    const retriedByLabel = byLabel({ 'queuetel.job.outcome': 'retried' });
    expect(latest(retriedByLabel)).toBe(1);
    expect(retriedByLabel[0]!.attributes).toMatchObject({ project: 'globex', 'error.type': 'TypeError' });
    expect(latest(byLabel({ project: '_other', 'queuetel.job.outcome': 'completed' }))).toBe(1);
    const folded = points.filter(
      (p) => p.name === 'queuetel.label.folded' && p.attributes['queuetel.label.reason'] === 'other',
    );
    expect(latest(folded)).toBe(1);

    const duration = points.find((p) => p.name === 'queuetel.job.duration');
    expect(duration?.kind).toBe('histogram');
    expect(duration?.unit).toBe('s');
    expect(duration?.bounds).toEqual(DURATION_BUCKETS);
    const wait = points.find((p) => p.name === 'queuetel.job.wait_time');
    expect(wait?.bounds).toEqual(WAIT_TIME_BUCKETS);
    expect(points.find((p) => p.name === 'queuetel.job.in_flight')?.kind).toBe('updown');
    expect(points.find((p) => p.name === 'queuetel.job.attempts')?.kind).toBe('counter');
  });

  it("sends pg-boss's own messaging metrics through the Meter API with the advised buckets", () => {
    const process = receiver.points().find((p) => p.name === 'messaging.process.duration');
    expect(process?.scope).toBe('pg-boss');
    expect(process?.bounds).toEqual(DURATION_BUCKETS);
    const sent = receiver.points().filter((p) => p.name === 'messaging.client.sent.messages');
    expect(latest(sent)).toBe(6 + LATENCY_ROUNDS);
  });

  it('emits every metric and label that the dashboard and the alert rules query', () => {
    // Lane B as the SDK really sent it. Lane A, the queue-health gauges, is checked against what a
    // real queue-health collector sends, in test/node/queue-health-export.test.ts; the shadow
    // comparison's drift in test/integration/health-shadow.test.ts.
    const emitted = emittedFrom(receiver.points());
    const queries = [...dashboardQueries(), ...alertQueries()];
    expect(nameProblems(queries, emitted, (series) => !isLaneA(series) && !isShadow(series))).toEqual([]);
    // Every Lane B metric the queries use came from this run, not from a list.
    const laneB = emittedFrom(receiver.points()).map((m) => m.name);
    expect(laneB).toEqual(
      expect.arrayContaining([
        'queuetel.job.outcomes',
        'queuetel.job.duration',
        'queuetel.job.wait_time',
        'queuetel.job.in_flight',
        'queuetel.job.attempts',
        'queuetel.label.folded',
        'messaging.client.sent.messages',
      ]),
    );
  });
});
