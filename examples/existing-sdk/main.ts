/**
 * queuetel in an application that already sets up OpenTelemetry's NodeSDK itself, with its own
 * metric reader. queuetelMetrics() gives the producer for that reader and the views, and makes the
 * producer the global one, so pg-boss instrumented afterwards records into it. Nothing else changes.
 * (An SDK whose readers come from OTEL_METRICS_EXPORTER can use withQueuetel() instead.)
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { queuetelMetrics } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('Set DATABASE_URL to a PostgreSQL database, such as postgres://localhost/postgres');
  process.exit(2);
}

// The application's own SDK, as it was, plus the lines marked "queuetel".
const { metricProducer, views } = queuetelMetrics(); // queuetel: also the global producer from now on
const sdk = new NodeSDK({
  serviceName: 'billing-worker',
  traceExporter: new OTLPTraceExporter(),
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      metricProducers: [metricProducer], // queuetel: job metrics, pre-aggregated
    }),
  ],
  views, // queuetel: buckets and cardinality limits
});
sdk.start();

const boss = new PgBoss({ connectionString: databaseUrl, openTelemetry: { propagateContext: true } });
boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
const queuetel = instrumentPgBoss(boss, { labels: { currency: { from: 'data.currency' } } });
await boss.start();
await boss.createQueue('invoices');
await boss.work(
  'invoices',
  queuetel.eachJob((job: { id: string; data: { currency: string } }) => {
    console.log(`charged invoice job ${job.id} in ${job.data.currency}`);
  }),
);

const currencies = ['EUR', 'USD'];
let sent = 0;
const sending = setInterval(() => {
  boss
    .send('invoices', { currency: currencies[sent++ % 2] })
    .catch((error: Error) => console.error(error.message));
}, 1000);

async function shutdown(): Promise<void> {
  clearInterval(sending);
  await boss.stop({ graceful: true });
  await sdk.shutdown(); // flushes the reader, queuetel's job metrics with it
  console.log('stopped');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
