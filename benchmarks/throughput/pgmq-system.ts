import { PgmqClient } from '@queuetel/pgmq';
import pg from 'pg';
import { loadPgmqFixture } from '../../test/harness/pgmq.js';
import { createBenchSdk, type BenchSdk } from '../lib/otel-sdk.js';
import { BENCH_LABELS } from '../lib/workload.js';
import { consumeBare } from './pgmq-bare-consumer.js';
import type { Configuration, ConsumeSettings, QueueSystem, SystemOptions } from './system.js';

// A backlog goes in as a few send_batch calls rather than thousands of sends.
const SEND_CHUNK = 5_000;
// Long enough that no message becomes visible again while a trial runs.
const VT_SECONDS = 60;

/** The benchmarks' three labels, read from the message body (pgmq's `message`, pg-boss's `data`). */
const PGMQ_BENCH_LABELS = {
  project: { ...BENCH_LABELS.project, from: 'message.project' },
  endpoint: { ...BENCH_LABELS.endpoint, from: 'message.endpoint' },
  http_status_code: { ...BENCH_LABELS.http_status_code, from: 'message.status' },
};

/**
 * pgmq in the throughput suite: `@queuetel/pgmq`'s `consume()` against the loop a pgmq user writes
 * by hand. `consumption` says how both run, for the report; a batch size of n keeps up to n messages
 * in flight (`concurrency: n`), since pgmq handles each message on its own.
 */
export const PGMQ_SYSTEM: QueueSystem = {
  id: 'pgmq',
  label: 'pgmq (compatible schema)',
  configurations: ['bare', 'queuetel'],
  consumption:
    'pgmq has no batch handler: a worker reads up to a batch of messages at once and keeps up to that many in' +
    ' flight, each handled on its own, and reads again at once while messages come back. The bare configuration is' +
    " the loop a pgmq user writes by hand (read, run, delete); queuetel is `@queuetel/pgmq`'s `consume()`, which" +
    ' also writes a worker heartbeat. pgmq runs on the pgmq-compatible schema of the tests' +
    ' (`test/fixtures/pgmq.sql`), as pgmq itself is not installable here.',
  sweeps: false,
  async start(ids, options) {
    await loadFixtureOnce(options.url);
    return ids.map((id) => {
      if (id !== 'bare' && id !== 'queuetel') throw new Error(`pgmq has no configuration '${id}'`);
      return startConfiguration(id, options);
    });
  },
};

const loaded = new Set<string>();

async function loadFixtureOnce(url: string): Promise<void> {
  if (loaded.has(url)) return;
  await loadPgmqFixture(url);
  loaded.add(url);
}

function startConfiguration(id: 'bare' | 'queuetel', options: SystemOptions): Configuration {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize });
  const errors: unknown[] = [];
  pool.on('error', (error) => errors.push(error));
  const sdk: BenchSdk | undefined =
    id === 'queuetel' ? createBenchSdk({ sampled: true, exportIntervalMillis: 5000 }) : undefined;
  const client = sdk
    ? new PgmqClient(pool, {
        tracerProvider: sdk.tracerProvider,
        metricProducer: sdk.metricProducer,
        labels: PGMQ_BENCH_LABELS,
      })
    : undefined;
  const checkErrors = () => {
    if (errors.length > 0) throw new Error(`pgmq (${id}) reported: ${String(errors[0])}`);
  };

  return {
    id,
    label: id === 'bare' ? 'bare pgmq loop' : 'queuetel consume()',
    instrumented: id === 'queuetel',
    async createQueue(queue) {
      await pool.query('SELECT pgmq.create($1)', [queue]);
    },
    async deleteQueue(queue) {
      await pool.query('SELECT pgmq.drop_queue($1)', [queue]);
      checkErrors();
    },
    async enqueue(queue, payloads) {
      for (let i = 0; i < payloads.length; i += SEND_CHUNK) {
        const chunk = payloads.slice(i, i + SEND_CHUNK);
        if (client) await client.sendBatch(queue, chunk);
        else
          await pool.query('SELECT pgmq.send_batch($1, $2::jsonb[])', [
            queue,
            chunk.map((p) => JSON.stringify(p)),
          ]);
      }
    },
    async consume(queue, settings, onJob) {
      const controller = new AbortController();
      const shape = consumeShape(settings);
      const running = client
        ? client.consume<Parameters<typeof onJob>[0]>(queue, (message) => onJob(message.message), {
            ...shape,
            vt: VT_SECONDS,
            signal: controller.signal,
            onError: (error) => errors.push(error),
          })
        : consumeBare(pool, queue, onJob, { ...shape, vt: VT_SECONDS, signal: controller.signal, errors });
      return async () => {
        controller.abort();
        await running;
        checkErrors();
      };
    },
    async close() {
      await pool.end();
      await sdk?.shutdown();
    },
  };
}

/** A worker per `concurrency`, each with a batch in flight; pgmq has no LISTEN/NOTIFY, so `notify` is moot. */
function consumeShape(settings: ConsumeSettings) {
  return {
    batchSize: settings.batchSize,
    concurrency: settings.batchSize * settings.concurrency,
    pollIntervalMs: settings.pollingSeconds * 1000,
  };
}
