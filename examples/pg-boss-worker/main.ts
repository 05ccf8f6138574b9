/**
 * A pg-boss worker with queuetel: a span per job and job metrics labelled by tenant, exported over
 * OTLP/HTTP. It also sends a job every second, so that there is something to see.
 */
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('Set DATABASE_URL to a PostgreSQL database, such as postgres://localhost/postgres');
  process.exit(2);
}

// First, before pg-boss is instrumented. OTEL_EXPORTER_OTLP_ENDPOINT says where to (default localhost:4318).
const telemetry = startTelemetry({ serviceName: 'email-worker' });

const boss = new PgBoss({ connectionString: databaseUrl, openTelemetry: { propagateContext: true } });
boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
const queuetel = instrumentPgBoss(boss, {
  labels: { tenant: { from: 'data.tenant', maxValues: 50 } },
});

await boss.start();
await boss.createQueue('emails', { retryLimit: 2 });
await boss.work(
  'emails',
  queuetel.eachJob(async (job: { id: string; data: { tenant: string; to: string } }) => {
    await new Promise((resolve) => setTimeout(resolve, 20)); // sending the email
    console.log(`sent email job ${job.id} for ${job.data.tenant}`);
  }),
);

const tenants = ['acme', 'globex', 'initech'];
let sent = 0;
const producer = setInterval(() => {
  const tenant = tenants[sent++ % tenants.length]!;
  boss
    .send('emails', { tenant, to: `ops@${tenant}.example` })
    .catch((error: Error) => console.error(error.message));
}, 1000);

async function shutdown(): Promise<void> {
  clearInterval(producer);
  await boss.stop({ graceful: true }); // lets the jobs in flight finish
  await telemetry.shutdown(); // exports the last spans and metrics
  console.log('stopped');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
