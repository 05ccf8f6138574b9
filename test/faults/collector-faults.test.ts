import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { PgmqClient } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { captureDiagnostics, captureUnhandledRejections } from '../harness/diagnostics.js';
import { eventually } from '../harness/pg-boss.js';
import { createPgmqDatabase, openPool } from '../harness/pgmq.js';
import { startFaultyCollector, type CollectorFault, type FaultyCollector } from './faulty-collector.js';

/**
 * A collector that refuses, hangs, or answers 500 or 429 costs the jobs nothing, memory stays
 * bounded while exports fail, and exporting resumes when the collector comes back. One SDK is taken
 * through every fault in turn while 50,000 jobs run through a real pgmq consumer.
 */
const JOBS = 50_000;
const FAULTS: readonly CollectorFault[] = ['refuse', 'hang', '500', '429'];
const QUEUE = 'faults_work';
/** Loose on purpose: a leak of even a few hundred bytes per job would pass 20 MB by far. */
// Each heap sample follows a full collection, so it measures what is kept, not garbage V8 has not
// yet collected (OTLP/protobuf's encoding leaves more of that than JSON's).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const heapUsed = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

let db: TestDatabase;
let pool: pg.Pool;
let collector: FaultyCollector;
let telemetry: Telemetry;
beforeAll(async () => {
  db = await createPgmqDatabase('faults_collector');
  pool = openPool(db, 8);
  collector = await startFaultyCollector();
  telemetry = startTelemetry({
    serviceName: 'collector-faults',
    endpoint: collector.endpoint,
    metricExportIntervalMillis: 500,
    exportTimeoutMillis: 1000,
    shutdownTimeoutMillis: 2000,
  });
});
afterAll(async () => {
  await telemetry.shutdown();
  await collector.close();
  await pool.end();
  await db.drop();
});

it(`completes ${JOBS} jobs through refused, hanging, 500 and 429 exports, then exports again`, async () => {
  const diagnostics = captureDiagnostics();
  const rejections = captureUnhandledRejections();
  const pgmq = new PgmqClient(pool, { labels: { tenant: { from: 'message.tenant' } } });
  await pgmq.create(QUEUE);
  for (let sent = 0; sent < JOBS; sent += 1000) {
    await pgmq.sendBatch(
      QUEUE,
      Array.from({ length: 1000 }, (_, i) => ({ tenant: `t${(sent + i) % 7}` })),
    );
  }

  let handled = 0;
  let failed = 0;
  const heap: number[] = [];
  const controller = new AbortController();
  const consuming = pgmq.consume(
    QUEUE,
    () => {
      handled++;
    },
    {
      signal: controller.signal,
      batchSize: 100,
      concurrency: 100,
      pollIntervalMs: 20,
      onError: () => failed++,
    },
  );
  try {
    // Each fault in turn for a fifth of the jobs; heap sampled at each change.
    for (const [index, fault] of FAULTS.entries()) {
      await collector.set(fault);
      await eventually(() => expect(handled).toBeGreaterThanOrEqual(((index + 1) * JOBS) / 5), 120_000);
      heap.push(heapUsed());
    }
    await collector.set('accept');
    await eventually(() => expect(handled).toBe(JOBS), 120_000);
  } finally {
    controller.abort();
    await consuming;
  }
  heap.push(heapUsed());

  expect(failed).toBe(0);
  expect(rejections.reasons).toEqual([]);
  const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pgmq.q_${QUEUE}`);
  expect(Number(rows[0]!.n)).toBe(0);
  // Bounded: no phase of failing exports grew the heap by more than the limit over the first.
  expect(Math.max(...heap) - heap[0]!, `heap samples ${heap.join(', ')}`).toBeLessThan(HEAP_GROWTH_LIMIT);

  // The collector is back: exports resume without a restart.
  const before = collector.accepted;
  await eventually(() => expect(collector.accepted).toBeGreaterThan(before), 30_000);
  expect(diagnostics.messages.length).toBeGreaterThan(0);
  diagnostics.stop();
  rejections.stop();
}, 280_000);
