/**
 * queuetel in an application that already sets up OpenTelemetry's NodeSDK itself. Three additions
 * to the SDK's setup: queuetel's metric producer on the metric reader, queuetel's views, and the
 * producer made the global one before pg-boss is instrumented. Nothing else changes.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { QueuetelMetricProducer, setGlobalMetricProducer } from '@queuetel/core';
import { queuetelViews } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('Set DATABASE_URL to a PostgreSQL database, such as postgres://localhost/postgres');
  process.exit(2);
}

// The application's own SDK, as it was, plus the three lines marked "queuetel".
const producer = new QueuetelMetricProducer(); // queuetel
const sdk = new NodeSDK({
  serviceName: 'billing-worker',
  traceExporter: new OTLPTraceExporter(),
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      metricProducers: [producer], // queuetel: job metrics, pre-aggregated
    }),
  ],
  views: queuetelViews(), // queuetel: buckets and cardinality limits
});
sdk.start();
setGlobalMetricProducer(producer); // queuetel: instrumentations created from now on use it

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
