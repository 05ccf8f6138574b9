/**
 * npm run otlp-worker: a pg-boss producer and worker, instrumented with queuetel and exporting over
 * OTLP/HTTP with startTelemetry(), for the stack in collector/ (docs/walkthrough.md). It runs until
 * Ctrl-C, against a throwaway PostgreSQL from npm unless DATABASE_URL names one.
 *
 * Knobs, as environment variables:
 *   JOBS_PER_SECOND  jobs sent per second (default 20)
 *   FAILURE_RATE     share of jobs whose handler throws (default 0.02); 0.5 fires QueuetelFailureRateHigh
 *   CUSTOMERS        distinct customers in the jobs (default 5); above 10 fires QueuetelLabelOverflow
 *   OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, ...: the standard OpenTelemetry settings
 */
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
import { startEmbeddedPostgres, type RunningPostgres } from '../../test/harness/postgres.js';

const JOBS_PER_SECOND = Number(process.env.JOBS_PER_SECOND ?? 20);
const FAILURE_RATE = Number(process.env.FAILURE_RATE ?? 0.02);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? 5);
const QUEUE = 'webhooks';

class DeliveryError extends Error {
  override name = 'DeliveryError';
}

async function main(): Promise<void> {
  // First, before any instrumentation: queuetel's job metrics then take the pre-aggregated path.
  const telemetry = startTelemetry({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'webhook-worker',
    resourceAttributes: { 'deployment.environment.name': 'walkthrough' },
  });

  let server: RunningPostgres | undefined;
  const url = process.env.DATABASE_URL ?? (server = await startEmbeddedPostgres()).url;
  const boss = new PgBoss({
    connectionString: url,
    schema: 'queuetel_walkthrough',
    openTelemetry: { propagateContext: true },
  });
  let stopping = false;
  // Ctrl-C reaches the throwaway PostgreSQL too; its connection errors while stopping are expected.
  boss.on('error', (error) => {
    if (!stopping) console.error('pg-boss:', error.message);
  });
  const queuetel = instrumentPgBoss(boss, {
    labels: {
      // At most 10 customers are told apart; the rest are counted as _overflow.
      customer: { from: 'data.customer', maxValues: 10 },
      http_status_code: { from: 'data.status', normalize: (code) => `${String(code).charAt(0)}xx` },
    },
  });

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping: finishing jobs, flushing telemetry...');
    await boss.stop({ graceful: true, timeout: 5000 });
    await telemetry.shutdown();
    await server?.stop();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  await boss.start();
  await boss.createQueue(`${QUEUE}_dead`);
  await boss.createQueue(QUEUE, { retryLimit: 2, retryDelay: 1, deadLetter: `${QUEUE}_dead` });
  await boss.work(
    QUEUE,
    // One job per fetch, so each job gets a process span of its own in the producer's trace; a
    // full batch of one fetches again at once, and four fetch loops keep up with the producer.
    { batchSize: 1, localConcurrency: 4, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
    queuetel.eachJob(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 45));
      if (Math.random() < FAILURE_RATE) throw new DeliveryError('the endpoint answered 503');
    }),
  );
  console.log(
    `Sending ${JOBS_PER_SECOND} jobs/s to '${QUEUE}' (failure rate ${FAILURE_RATE}, ${CUSTOMERS} customers). ` +
      'Ctrl-C to stop.',
  );

  let sent = 0;
  while (!stopping) {
    const status = [200, 200, 201, 404, 503][sent % 5];
    try {
      await boss.send(QUEUE, { customer: `customer-${sent % CUSTOMERS}`, status });
    } catch (error) {
      if (!stopping) throw error;
    }
    sent++;
    await new Promise((resolve) => setTimeout(resolve, 1000 / JOBS_PER_SECOND));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
