import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHealthHandler, startQueueHealth, type QueueHealth } from '@queuetel/health';
import { startTelemetry, type Telemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgmqClient } from '@queuetel/pgmq';
import type { TestDatabase } from '../harness/database.js';
import { startOtlpReceiver, type OtlpReceiver } from '../harness/otlp-receiver.js';
import { eventually } from '../harness/pg-boss.js';
import { consumeUntil, createPgmqDatabase } from '../harness/pgmq.js';

/** In every job's data and pgmq message: must reach no export and no response. */
const DATA_MARKER = 'data-secret-91c4';
/** In pgmq headers beside the trace context: must reach no export and no response. */
const HEADER_MARKER = 'header-secret-3e0a';
/** In errors thrown under the default options: allowed in exception events, nowhere else. */
const OPEN_ERROR_MARKER = 'open-error-secret-55d2';
/** In errors thrown with exceptionMessages: false: must reach no export at all. */
const REDACTED_ERROR_MARKER = 'redacted-error-secret-7b19';

let db: TestDatabase;
let receiver: OtlpReceiver;
let telemetry: Telemetry;
let pool: pg.Pool;
let health: QueueHealth;
let server: Server;
const bosses: PgBoss[] = [];
const responses: string[] = [];

beforeAll(async () => {
  db = await createPgmqDatabase('faults_never_recorded');
  receiver = await startOtlpReceiver();
  telemetry = startTelemetry({
    serviceName: 'never-recorded',
    endpoint: receiver.endpoint,
    metricExportIntervalMillis: 600_000,
  });
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  pool.on('error', () => {});
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await health?.stop();
  await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, timeout: 2000 })));
  await pool.end();
  await telemetry.shutdown();
  await receiver.close();
  await db.drop();
});

const payload = () => ({ secret: DATA_MARKER, nested: { card: DATA_MARKER, list: [DATA_MARKER] } });

/** One pg-boss 12 worker and one pgmq consumer, each completing one job and failing another. */
async function runWorkload(name: string, exceptionMessages: boolean, errorMarker: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: db.url,
    schema: `pgboss_${name}`,
    openTelemetry: { enabled: false },
  });
  boss.on('error', () => {});
  bosses.push(boss);
  instrumentPgBoss(boss, {
    builtInTelemetry: false,
    exceptionMessages,
    labels: { plan: { from: 'data.plan' } },
  });
  await boss.start();
  await boss.createQueue(name, { retryLimit: 0 });
  await boss.send(name, { ...payload(), plan: 'pro', fail: false });
  const failing = await boss.send(name, { ...payload(), plan: 'pro', fail: true });
  await boss.work<{ fail: boolean }>(name, { pollingIntervalSeconds: 0.5 }, ([job]) => {
    if (job!.data.fail) throw new Error(`card declined for ${errorMarker}`);
    return Promise.resolve();
  });
  await eventually(async () => expect((await boss.getJobById(name, failing!))?.state).toBe('failed'));

  const pgmq = new PgmqClient(pool, { exceptionMessages });
  const queue = `${name}_pgmq`;
  await pgmq.create(queue);
  const headers = { 'x-api-key': HEADER_MARKER, authorization: `Bearer ${HEADER_MARKER}` };
  await pgmq.send(queue, { ...payload(), fail: false }, { headers });
  await pgmq.send(queue, { ...payload(), fail: true }, { headers });
  await consumeUntil(
    pgmq,
    queue,
    (message) => {
      if ((message.message as { fail: boolean }).fail) throw new Error(`refused for ${errorMarker}`);
    },
    { maxReads: 1 },
    async () => {
      const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pgmq.a_${queue}`);
      expect(Number(rows[0]!.n)).toBe(1);
    },
  );
}

/** The export bodies with the message and stack of every exception event taken out. */
function withoutExceptionMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExceptionMessages);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) copy[key] = withoutExceptionMessages(inner);
  if (record.name === 'exception' && Array.isArray(record.attributes)) {
    copy.attributes = (record.attributes as { key: string }[]).filter(
      (attribute) => attribute.key !== 'exception.message' && attribute.key !== 'exception.stacktrace',
    );
  }
  return copy;
}

it('records no payload, no header but trace context, and error messages only in exception events', async () => {
  await runWorkload('open', true, OPEN_ERROR_MARKER);
  await runWorkload('redacted', false, REDACTED_ERROR_MARKER);

  health = startQueueHealth({ connectionString: db.url, intervalSeconds: 1 });
  server = createServer(createHealthHandler(health));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await eventually(() => expect(health.latest()?.queues.length).toBeGreaterThanOrEqual(4));
  for (const path of [
    '/health',
    '/queues/open',
    '/queues/redacted',
    '/queues/open_pgmq',
    '/queues/redacted_pgmq',
  ]) {
    const response = await fetch(`${base}${path}`);
    responses.push(`${path} ${response.status} ${await response.text()}`);
  }
  await telemetry.shutdown();

  const exported = JSON.stringify(receiver.requests.map((request) => request.body));
  // The bytes as sent too, whatever the protocol: a field the decoder does not know is still seen.
  const sent = receiver.requests.map((request) => request.raw.toString('utf8')).join('\n');
  const headers = JSON.stringify(receiver.requests.map((request) => request.headers));
  const answered = responses.join('\n');
  // The scan covers something: both workloads' spans, outcomes and queue gauges were exported.
  expect(exported).toContain('process open');
  expect(exported).toContain('process redacted_pgmq');
  expect(exported).toContain('queuetel.job.outcomes');
  expect(exported).toContain('queuetel.queue.jobs');
  expect(answered).toContain('redacted_pgmq');

  for (const marker of [DATA_MARKER, HEADER_MARKER, REDACTED_ERROR_MARKER]) {
    expect(exported, marker).not.toContain(marker);
    expect(sent, marker).not.toContain(marker);
    expect(headers, marker).not.toContain(marker);
    expect(answered, marker).not.toContain(marker);
  }
  // An error's message is kept, by default, in its exception event and nowhere else.
  expect(exported).toContain(OPEN_ERROR_MARKER);
  expect(sent).toContain(OPEN_ERROR_MARKER);
  expect(JSON.stringify(withoutExceptionMessages(receiver.requests.map((r) => r.body)))).not.toContain(
    OPEN_ERROR_MARKER,
  );
  expect(answered).not.toContain(OPEN_ERROR_MARKER);
  // With exceptionMessages: false the failures are still there, by type.
  const redactedFailures = receiver
    .spans()
    .filter((span) => span.name === 'process redacted' && span.attributes['error.type'] === 'Error');
  expect(redactedFailures).toHaveLength(1);
});
