/**
 * The queue-health sidecar: reads queue depth, oldest-job age, dead letters and live workers from
 * the database (pg-boss and pgmq alike), exports them as metrics, and answers GET /health and
 * GET /queues/<name> for a load balancer or a person. Run one or several beside the workers: one
 * of them, elected by an advisory lock, reads the database each interval.
 */
import { createServer } from 'node:http';
import { createHealthHandler, startQueueHealth } from '@queuetel/health';
import { startTelemetry } from '@queuetel/node';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('Set DATABASE_URL to the database the queues live in');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 9477);

const telemetry = startTelemetry({ serviceName: 'queue-health' });
const health = startQueueHealth({ connectionString: databaseUrl, intervalSeconds: 5 });
const server = createServer(createHealthHandler(health));
server.listen(port, () =>
  console.log(`health on http://localhost:${(server.address() as { port: number }).port}/health`),
);

async function shutdown(): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
  await health.stop(); // gives up the lock at once, so that a standby takes over
  await telemetry.shutdown();
  console.log('stopped');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
