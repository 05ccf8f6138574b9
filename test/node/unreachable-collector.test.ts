import { DiagLogLevel, trace } from '@opentelemetry/api';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { captureDiagnostics, captureUnhandledRejections } from '../harness/diagnostics.js';
import { closedPort, startOtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';

/**
 * A collector that is down or hangs must cost the application nothing. No timing is asserted here:
 * the proof that jobs do not wait on exports is that they all complete while every export hangs
 * for longer than the test is allowed to run.
 */

const JOBS = 300;
/** Longer than the test's own time limit: anything that waited on an export could not finish. */
const HANGING_EXPORT_MS = 120_000;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('unreachable');
});
afterAll(async () => {
  await db.drop();
});

/** Runs JOBS jobs through a real instrumented pg-boss worker and waits until all are completed. */
async function runJobs(schema: string): Promise<void> {
  const boss = new PgBoss({ connectionString: db.url, schema, schedule: false });
  boss.on('error', () => {});
  const queuetel = instrumentPgBoss(boss, { labels: { tenant: { from: 'data.tenant' } } });
  try {
    await boss.start();
    await boss.createQueue('work');
    let handled = 0;
    await boss.work(
      'work',
      { batchSize: 50, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
      queuetel.eachJob(async () => {
        handled++;
      }),
    );
    await boss.insert(
      'work',
      Array.from({ length: JOBS }, (_, i) => ({ data: { tenant: `t${i % 5}` } })),
    );
    await eventually(async () => {
      const rows = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${schema}.job WHERE name = 'work' AND state = 'completed'`,
      );
      expect(Number(rows[0]!.n)).toBe(JOBS);
    }, 45_000);
    expect(handled).toBe(JOBS);
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 });
  }
}

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('startTelemetry() with a collector that is not there', () => {
  it('completes every job, reports the failed exports through diag, and shuts down', async () => {
    const diagnostics = captureDiagnostics();
    const unhandled = captureUnhandledRejections();
    const port = await closedPort();
    const telemetry = startTelemetry({
      serviceName: 'collector-down',
      endpoint: `http://127.0.0.1:${port}`,
      metricExportIntervalMillis: 200,
      // The exporter retries a refused connection until its timeout; a short one reports sooner.
      exportTimeoutMillis: 1000,
    });
    try {
      await runJobs('pgboss_down');
      await eventually(() => expect(diagnostics.some(/ECONNREFUSED/)).toBe(true));
      await telemetry.shutdown();
      expect(unhandled.reasons).toEqual([]);
    } finally {
      await telemetry.shutdown();
      unhandled.stop();
      diagnostics.stop();
    }
  });
});

describe('startTelemetry() with a collector that accepts and never answers', () => {
  it('holds up no job, caps exports in flight, drops spans past its queue, and keeps memory bounded', async () => {
    const diagnostics = captureDiagnostics(DiagLogLevel.DEBUG);
    const unhandled = captureUnhandledRejections();
    const receiver = await startOtlpReceiver('stall');
    const telemetry = startTelemetry({
      serviceName: 'collector-hangs',
      endpoint: receiver.endpoint,
      metricExportIntervalMillis: 100,
      exportTimeoutMillis: HANGING_EXPORT_MS,
      shutdownTimeoutMillis: 500,
    });
    try {
      await runJobs('pgboss_stall');

      // Every 100 ms a metric export starts and hangs; the exporter lets 30 wait and fails the rest
      // at once, so requests do not pile up.
      const metricRequests = () => receiver.requests.filter((r) => r.path === '/v1/metrics').length;
      await eventually(() => expect(diagnostics.some(/Concurrent export limit reached/)).toBe(true), 30_000);
      expect(metricRequests()).toBe(30);

      // 50,000 spans of about 1 KB each would hold some 50 MB if they were kept; the span queue
      // holds 2048 and drops the rest.
      const before = heapAfterGc();
      const tracer = trace.getTracer('load');
      const attributes = Object.fromEntries(
        Array.from({ length: 8 }, (_, i) => [`load.attribute_${i}`, `${i}`.repeat(100)]),
      );
      for (let i = 0; i < 50_000; i++) tracer.startSpan(`load ${i}`, { attributes }).end();
      const grown = heapAfterGc() - before;
      console.log(
        `heap growth after 50,000 spans against a hanging collector: ${(grown / 2 ** 20).toFixed(1)} MiB`,
      );
      expect(grown).toBeLessThan(16 * 2 ** 20);
      expect(diagnostics.some(/maxQueueSize reached, dropping spans/)).toBe(true);
      expect(receiver.requests.filter((r) => r.path === '/v1/traces').length).toBeLessThanOrEqual(30);

      // Returns after its 500 ms timeout, although the exports would hang for 120 s.
      await telemetry.shutdown();
      expect(unhandled.reasons).toEqual([]);
    } finally {
      await telemetry.shutdown();
      await receiver.close();
      unhandled.stop();
      diagnostics.stop();
    }
  });
});
