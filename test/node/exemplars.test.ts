import { PgBoss } from 'pg-boss';
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { INSTRUMENTS } from '@queuetel/core';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import {
  OTLP_SPAN_KIND,
  startOtlpGrpcReceiver,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedPoint,
} from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';

/**
 * The job histograms' exemplars on the wire: a real pg-boss 12 worker, instrumented by queuetel,
 * with the SDK set up by startTelemetry() from the environment, exporting to a receiver that decodes
 * each protocol with its own decoder (protobufjs, JSON.parse). Each exemplar must name the process
 * span of a job that landed in its bucket.
 */

const QUEUE = 'exemplar_work';
const JOBS = 3;
// pg-boss 12 records messaging.process.duration itself, through the SDK's meter, so without exemplars.
const HISTOGRAMS: readonly string[] = [INSTRUMENTS.jobDuration.name, INSTRUMENTS.jobWaitTime.name];

let db: TestDatabase;
let receiver: OtlpReceiver | undefined;
let telemetry: Telemetry | undefined;
let boss: PgBoss | undefined;

beforeAll(async () => {
  db = await createTestDatabase('exemplars');
});
afterEach(async () => {
  await boss?.stop({ graceful: false, timeout: 2000 });
  boss = undefined;
  await telemetry?.shutdown();
  telemetry = undefined;
  await receiver?.close();
  receiver = undefined;
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await db?.drop();
});

/** Runs JOBS jobs on a worker exporting over `protocol`, then shuts down, which flushes everything. */
async function runWorker(protocol: 'http/protobuf' | 'http/json' | 'grpc'): Promise<OtlpReceiver> {
  const r = protocol === 'grpc' ? await startOtlpGrpcReceiver() : await startOtlpReceiver();
  receiver = r;
  vi.stubEnv('OTEL_SERVICE_NAME', `exemplars-${protocol}`);
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', r.endpoint);
  vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', protocol);
  telemetry = startTelemetry();
  const worker = new PgBoss({
    connectionString: db.url,
    schema: `pgboss_${protocol.replace(/\W/g, '_')}_${process.env.OTEL_TRACES_SAMPLER ?? 'on'}`,
    schedule: false,
  });
  boss = worker;
  worker.on('error', () => {});
  const queuetel = instrumentPgBoss(worker);
  await worker.start();
  await worker.createQueue(QUEUE);
  let handled = 0;
  await worker.work(
    QUEUE,
    { pollingIntervalSeconds: 0.5 },
    queuetel.eachJob(() => {
      handled++;
    }),
  );
  for (let i = 0; i < JOBS; i++) await worker.send(QUEUE, { i });
  await eventually(() => expect(handled).toBe(JOBS), 30_000);
  await worker.stop({ graceful: true, timeout: 5000 });
  boss = undefined;
  await telemetry.shutdown();
  telemetry = undefined;
  return r;
}

/** The last exported point of each job histogram of the queue. */
function lastHistograms(r: OtlpReceiver): Map<string, ReceivedPoint> {
  const last = new Map<string, ReceivedPoint>();
  for (const point of r.points()) {
    if (HISTOGRAMS.includes(point.name) && point.attributes['messaging.destination.name'] === QUEUE) {
      last.set(point.name, point);
    }
  }
  return last;
}

describe.each(['http/protobuf', 'http/json', 'grpc'] as const)('exemplars over %s', (protocol) => {
  it('each job histogram carries exemplars naming the process span of a job in their bucket', async () => {
    const r = await runWorker(protocol);
    const processSpans = r
      .spans()
      .filter((span) => span.name === `process ${QUEUE}` && span.kind === OTLP_SPAN_KIND.consumer);
    expect(processSpans).toHaveLength(JOBS);
    const spanIds = new Map(processSpans.map((span) => [span.spanId, span.traceId]));

    const last = lastHistograms(r);
    expect([...last.keys()].sort()).toEqual([...HISTOGRAMS].sort());
    for (const [name, point] of last) {
      expect(point.value, name).toBe(JOBS);
      const exemplars = point.exemplars ?? [];
      expect(exemplars.length, name).toBeGreaterThan(0);
      // At most one per bucket, each the latest job in it: together no more than the jobs.
      expect(exemplars.length, name).toBeLessThanOrEqual(Math.min(JOBS, point.bucketCounts!.length));
      for (const exemplar of exemplars) {
        expect(spanIds.get(exemplar.spanId), name).toBe(exemplar.traceId);
        const bounds = point.bounds!;
        const bucket = bounds.findIndex((bound) => exemplar.value <= bound);
        expect(point.bucketCounts![bucket === -1 ? bounds.length : bucket], name).toBeGreaterThan(0);
        expect(exemplar.timeUnixNano / 1e6).toBeGreaterThan(Date.now() - 120_000);
      }
    }
    // The histograms that carry exemplars are sent once per export, not also by the SDK's encoder.
    const metricRequests = r.requests.filter((request) => request.path === '/v1/metrics');
    const lastRequest = metricRequests.at(-1)!;
    const points = r
      .points()
      .filter((p) => p.arrivedAt === lastRequest.arrivedAt && p.name === INSTRUMENTS.jobDuration.name);
    expect(points.filter((p) => p.attributes['messaging.destination.name'] === QUEUE)).toHaveLength(1);
    // The resource is the SDK's for both parts of the request.
    for (const p of r.points().filter((p) => HISTOGRAMS.includes(p.name))) {
      expect(p.resource['service.name']).toBe(`exemplars-${protocol}`);
    }
  }, 90_000);
});

describe('exemplars of unsampled jobs', () => {
  it('are not kept: a histogram of jobs whose traces are sampled out carries none', async () => {
    vi.stubEnv('OTEL_TRACES_SAMPLER', 'always_off');
    const r = await runWorker('http/protobuf');
    const last = lastHistograms(r);
    expect(last.get(INSTRUMENTS.jobDuration.name)?.value).toBe(JOBS);
    for (const point of last.values()) expect(point.exemplars).toBeUndefined();
  }, 90_000);
});
