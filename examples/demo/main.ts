/**
 * npm run demo: a pg-boss worker instrumented with queuetel, against a throwaway PostgreSQL (or
 * DATABASE_URL), run for a few seconds; then a summary of the spans and metrics it recorded.
 */
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { QueuetelMetricProducer } from '@queuetel/core';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
import { startEmbeddedPostgres, type RunningPostgres } from '../../test/harness/postgres.js';
import { printSummary } from './summary.js';

const RUN_SECONDS = Number(process.env.DEMO_SECONDS ?? 4);

class OnDemandReader extends MetricReader {
  protected override async onShutdown() {}
  protected override async onForceFlush() {}
}

async function main() {
  let server: RunningPostgres | undefined;
  const url = process.env.DATABASE_URL ?? (server = await startEmbeddedPostgres()).url;
  console.log(server ? 'Started a throwaway PostgreSQL.' : 'Using DATABASE_URL.');

  // The SDK set-up an application would have; @queuetel/node does this in one call with OTLP export.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricProducer = new QueuetelMetricProducer();
  const reader = new OnDemandReader({ metricProducers: [metricProducer] });
  const meterProvider = new MeterProvider({ readers: [reader] });

  const boss = new PgBoss({
    connectionString: url,
    schema: 'queuetel_demo',
    schedule: false,
    openTelemetry: { propagateContext: true, tracerProvider, meterProvider },
  });
  boss.on('error', (error) => console.error('pg-boss:', error.message));
  const instrumentation = instrumentPgBoss(boss, {
    tracerProvider,
    metricProducer,
    labels: {
      project: { from: 'data.project' },
      http_status_code: { from: 'data.status', normalize: (code) => `${String(code).charAt(0)}xx` },
    },
  });

  try {
    await boss.start();
    await boss.createQueue('webhooks', { retryLimit: 2, retryDelay: 0 });
    await boss.work(
      'webhooks',
      { batchSize: 10, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
      instrumentation.eachJob(async (job: { data: { status: number } }) => {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        if (job.data.status >= 500 && Math.random() < 0.5)
          throw new Error(`upstream answered ${job.data.status}`);
      }),
    );

    const projects = ['acme', 'globex', 'initech'];
    const statuses = [200, 200, 201, 404, 503];
    const deadline = Date.now() + RUN_SECONDS * 1000;
    let sent = 0;
    while (Date.now() < deadline) {
      await boss.send('webhooks', { project: projects[sent % 3], status: statuses[sent % 5] });
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(`Sent ${sent} jobs over ${RUN_SECONDS} s; letting the worker finish...`);
    await new Promise((resolve) => setTimeout(resolve, 2000));

    const { resourceMetrics } = await reader.collect();
    printSummary(spans.getFinishedSpans(), resourceMetrics);
  } finally {
    await boss.stop({ graceful: false });
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
