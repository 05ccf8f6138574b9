/**
 * An HTTP service that enqueues a pg-boss job per request, and a worker that runs it. The job
 * carries the request's trace: the worker's span for the job belongs to the trace the caller
 * started, so one trace shows the request, the enqueue and the job.
 *
 *   curl -X POST localhost:3000/signups -H 'content-type: application/json' -d '{"plan":"pro"}'
 */
import { createServer } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('Set DATABASE_URL to a PostgreSQL database, such as postgres://localhost/postgres');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);

const telemetry = startTelemetry({ serviceName: 'signup-api' });
const tracer = trace.getTracer('signup-api');

const boss = new PgBoss({ connectionString: databaseUrl, openTelemetry: { propagateContext: true } });
boss.on('error', (error: Error) => console.error(`pg-boss: ${error.message}`));
const queuetel = instrumentPgBoss(boss, { labels: { plan: { from: 'data.plan', values: ['free', 'pro'] } } });
await boss.start();
await boss.createQueue('welcome-emails');
await boss.work(
  'welcome-emails',
  queuetel.eachJob((job: { id: string }) => {
    // The active span here is the job's process span, in the trace of the request that enqueued it.
    console.log(`welcomed job ${job.id} in trace ${trace.getActiveSpan()?.spanContext().traceId}`);
  }),
);

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/signups') return void response.writeHead(404).end();
  // Continue the caller's trace (a `traceparent` header), as an HTTP instrumentation would.
  const parent = propagation.extract(context.active(), request.headers);
  const span = tracer.startSpan('POST /signups', { kind: SpanKind.SERVER }, parent);
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    void context.with(trace.setSpan(parent, span), async () => {
      try {
        const { plan = 'free' } = JSON.parse(body || '{}') as { plan?: string };
        // Sent inside the request's span: pg-boss and queuetel store its trace context with the job.
        const jobId = await boss.send('welcome-emails', { plan });
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ jobId, traceId: span.spanContext().traceId }));
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        response.writeHead(400).end();
      } finally {
        span.end();
      }
    });
  });
});
server.listen(port, () => console.log(`listening on port ${(server.address() as { port: number }).port}`));

async function shutdown(): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
  await boss.stop({ graceful: true });
  await telemetry.shutdown();
  console.log('stopped');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
