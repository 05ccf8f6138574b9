/**
 * A pgmq consumer with queuetel: a span per message, trace context carried in the message headers,
 * job metrics labelled by tenant, retries and a dead-letter queue. It also sends a message every
 * second, so that there is something to see. The database needs pgmq: `CREATE EXTENSION pgmq;`.
 */
import pg from 'pg';
import { startTelemetry } from '@queuetel/node';
import { PgmqClient } from '@queuetel/pgmq';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('Set DATABASE_URL to a PostgreSQL database with pgmq installed');
  process.exit(2);
}

// First, before the client is created. OTEL_EXPORTER_OTLP_ENDPOINT says where to (default localhost:4318).
const telemetry = startTelemetry({ serviceName: 'report-worker' });

const pool = new pg.Pool({ connectionString: databaseUrl });
const pgmq = new PgmqClient(pool, {
  labels: { tenant: { from: 'headers.x-tenant', maxValues: 50 } },
});
await pgmq.create('reports');
await pgmq.create('reports_dead');

const stop = new AbortController();
const consuming = pgmq.consume<{ report: string }>(
  'reports',
  async (message) => {
    await new Promise((resolve) => setTimeout(resolve, 20)); // building the report
    console.log(`built report message ${message.msgId} (${message.message.report})`);
  },
  { concurrency: 4, maxReads: 3, deadLetterQueue: 'reports_dead', signal: stop.signal },
);

const tenants = ['acme', 'globex', 'initech'];
let sent = 0;
const producer = setInterval(() => {
  const tenant = tenants[sent++ % tenants.length]!;
  pgmq
    .send('reports', { report: 'monthly' }, { headers: { 'x-tenant': tenant } })
    .catch((error: Error) => console.error(error.message));
}, 1000);

async function shutdown(): Promise<void> {
  clearInterval(producer);
  stop.abort();
  await consuming; // the messages in flight are finished and settled
  await pool.end();
  await telemetry.shutdown();
  console.log('stopped');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
