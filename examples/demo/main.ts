/**
 * npm run demo: queuetel end to end on one machine, in about ten seconds.
 *
 * A throwaway PostgreSQL (or DATABASE_URL), a pg-boss worker instrumented with queuetel, the
 * queue-health collector and its /health endpoint, and startTelemetry() exporting over OTLP/HTTP to
 * a receiver in this process that stands in for an OpenTelemetry Collector. At the end it prints
 * what arrived over the wire: the spans, the job metrics by label, the queue gauges and /health.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHealthHandler, startQueueHealth } from '@queuetel/health';
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
import { startOtlpReceiver } from '../../test/harness/otlp-receiver.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../test/harness/postgres.js';
import { printReport } from './report.js';

const SEND_SECONDS = Number(process.env.DEMO_SECONDS ?? 5);
const QUEUE = 'webhooks';

class DeliveryError extends Error {
  override name = 'DeliveryError';
}

async function main(): Promise<void> {
  const receiver = await startOtlpReceiver();
  // First, before any instrumentation, as in any application.
  const telemetry = startTelemetry({
    serviceName: 'queuetel-demo',
    endpoint: receiver.endpoint,
    metricExportIntervalMillis: 1000,
  });

  let server: RunningPostgres | undefined;
  const url = process.env.DATABASE_URL ?? (server = await startEmbeddedPostgres()).url;
  console.log(server ? 'Started a throwaway PostgreSQL.' : 'Using DATABASE_URL.');

  const boss = new PgBoss({
    connectionString: url,
    schema: 'queuetel_demo',
    schedule: false,
    // The demo is short, so pg-boss refreshes what the health collector reads every second: its
    // cached queue counts (a supervise and a monitor pass) and its instance registry.
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    instanceHeartbeatSeconds: 1,
    openTelemetry: { propagateContext: true },
  });
  boss.on('error', (error) => console.error('pg-boss:', error.message));
  const queuetel = instrumentPgBoss(boss, {
    labels: {
      project: { from: 'data.project' },
      http_status_code: { from: 'data.status', normalize: (code) => `${String(code).charAt(0)}xx` },
    },
  });
  const health = startQueueHealth({ connectionString: url, intervalSeconds: 1 });
  const endpoint = createServer(createHealthHandler(health));
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const healthUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;

  try {
    await boss.start();
    await boss.createQueue(`${QUEUE}_dead`);
    await boss.createQueue(QUEUE, { retryLimit: 2, retryDelay: 0, deadLetter: `${QUEUE}_dead` });
    await boss.work(
      QUEUE,
      { batchSize: 10, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
      queuetel.eachJob(async (job: { data: { status: number } }) => {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        if (job.data.status >= 500 && Math.random() < 0.6)
          throw new DeliveryError(`upstream said ${job.data.status}`);
      }),
    );

    const projects = ['acme', 'globex', 'initech'];
    const statuses = [200, 200, 201, 404, 503];
    const deadline = Date.now() + SEND_SECONDS * 1000;
    let sent = 0;
    console.log(`Sending jobs to '${QUEUE}' for ${SEND_SECONDS} s...`);
    while (Date.now() < deadline) {
      await boss.send(QUEUE, { project: projects[sent % 3], status: statuses[sent % 5] });
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    console.log(`Sent ${sent} jobs; letting the worker and the collector catch up...`);
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const healthResponse = await fetch(`${healthUrl}/health`);
    const queueResponse = await fetch(`${healthUrl}/queues/${QUEUE}`);
    await telemetry.shutdown(); // flushes the last spans and metrics to the receiver
    printReport(receiver, {
      health: { status: healthResponse.status, body: await healthResponse.json() },
      queue: await queueResponse.json(),
    });
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 });
    await health.stop();
    await new Promise((resolve) => endpoint.close(resolve));
    await telemetry.shutdown();
    await receiver.close();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
