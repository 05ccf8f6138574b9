/**
 * One soak worker, as a user's would be: `startTelemetry()` exporting over OTLP/HTTP to the driver's
 * receiver (OTEL_* variables), queuetel's instrumentation with a label that overflows its cap, and
 * the queue-health collector in the same process. `node --import tsx benchmarks/soak/worker.ts
 * <system>` with SOAK_DATABASE_URL; it consumes until the driver disconnects, and samples itself
 * every SOAK_SAMPLE_MS. Run with `--expose-gc`: each sample ends with a full collection, so the heap it
 * reports next is what the process still holds, not what the collector has yet to free.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getGlobalMetricProducer } from '@queuetel/core';
import { startQueueHealth } from '@queuetel/health';
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgmqClient } from '@queuetel/pgmq';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import {
  BATCH_SIZE,
  PG_BOSS_SCHEMA,
  QUEUE,
  type Sample,
  type SoakSystem,
  type WorkerMessage,
} from './protocol.js';
import { requireBuiltPackages } from '../lib/built-packages.js';

const system = process.argv[2] as SoakSystem;
const url = process.env.SOAK_DATABASE_URL!;
const sampleMs = Number(process.env.SOAK_SAMPLE_MS ?? 5000);
const send = (message: WorkerMessage) => process.send!(message);

requireBuiltPackages();

type Data = { tenant: string; endpoint: string; fail: boolean };
let handled = 0;
async function handle(data: Data): Promise<void> {
  handled++;
  await Promise.resolve();
  if (data.fail) throw new Error('the endpoint answered 503');
}

const telemetry = startTelemetry({ serviceName: `soak-${system}` });
const labels = { tenant: { from: 'data.tenant' }, endpoint: { from: 'data.endpoint' } } as const;

let stop: () => Promise<void>;
if (system === 'pg-boss') {
  const boss = new PgBoss({
    connectionString: url,
    schema: PG_BOSS_SCHEMA,
    schedule: false,
    supervise: true,
  });
  boss.on('error', (error: unknown) => send({ type: 'error', message: String(error) }));
  const queuetel = instrumentPgBoss(boss, { labels, builtInTelemetry: false });
  await boss.start();
  await boss.work<Data>(
    QUEUE,
    { batchSize: BATCH_SIZE, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
    queuetel.eachJob<{ id: string; name: string; data: Data }>((job) => handle(job.data)) as never,
  );
  stop = () => boss.stop({ graceful: true, timeout: 5000 });
} else {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const client = new PgmqClient(pool, {
    labels: { tenant: { from: 'message.tenant' }, endpoint: { from: 'message.endpoint' } },
  });
  const controller = new AbortController();
  const running = client.consume<Data>(QUEUE, (message) => handle(message.message), {
    signal: controller.signal,
    concurrency: BATCH_SIZE,
    batchSize: BATCH_SIZE,
    pollIntervalMs: 200,
    maxReads: 1,
    onError: () => {},
  });
  stop = async () => {
    controller.abort();
    await running;
    await pool.end();
  };
}
const health = startQueueHealth({ connectionString: url, intervalSeconds: 5 });

const collectGarbage: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    throw new Error('the soak worker needs --expose-gc');
  });

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = performance.now();
const ms = (ns: number) => Math.round(ns / 1e4) / 100;
const mb = (bytes: number) => Math.round(bytes / 1e4) / 100;

async function sample(): Promise<Sample> {
  const series: Record<string, number> = {};
  const { resourceMetrics } = await getGlobalMetricProducer()!.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      series[metric.descriptor.name] = (series[metric.descriptor.name] ?? 0) + metric.dataPoints.length;
    }
  }
  const memory = process.memoryUsage();
  collectGarbage();
  const reading: Sample = {
    seconds: Math.round(performance.now() - started) / 1000,
    handled,
    rssMb: mb(memory.rss),
    heapUsedMb: mb(memory.heapUsed),
    liveHeapMb: mb(process.memoryUsage().heapUsed),
    loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    series,
  };
  loop.reset();
  return reading;
}

const timer = setInterval(() => {
  sample().then(
    (reading) => send({ type: 'sample', sample: reading }),
    (error: unknown) => send({ type: 'error', message: String(error) }),
  );
}, sampleMs);
send({ type: 'ready' });

process.on('disconnect', () => {
  clearInterval(timer);
  void Promise.allSettled([stop(), health.stop()])
    .then(() => telemetry.shutdown())
    .finally(() => process.exit(0));
});
