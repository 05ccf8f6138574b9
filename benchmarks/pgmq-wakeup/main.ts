/**
 * How long a message waits for an idle pgmq consumer: from `send()` returning to the handler
 * starting, with the queue's insert notifications on (consume() LISTENs) and off (it polls every
 * pollIntervalMs, 1000 by default). Messages are sent one at a time, each after the previous one was
 * handled and a random pause, so the consumer is always idle when one arrives.
 *
 * npm run bench:pgmq-wakeup [-- --messages 40]   (DATABASE_URL, or a throwaway embedded PostgreSQL)
 * Writes benchmarks/pgmq-wakeup/results.json and prints the section docs/benchmarks.md carries.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { PgmqClient } from '@queuetel/pgmq';
import { startEmbeddedPostgres, type RunningPostgres } from '../../test/harness/postgres.js';

const POLL_INTERVAL_MS = 1000;
const messagesArg = process.argv.indexOf('--messages');
const MESSAGES = messagesArg > 0 ? Number(process.argv[messagesArg + 1]) : 40;

interface ModeResult {
  readonly mode: 'notify' | 'poll';
  readonly messages: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

async function main(): Promise<void> {
  let server: RunningPostgres | undefined;
  const baseUrl = process.env.DATABASE_URL ?? (server = await startEmbeddedPostgres()).url;
  const database = `pgmq_wakeup_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  pool.on('error', () => {});
  try {
    const setup = await pool.connect();
    try {
      await setup.query(`SELECT set_config('pgmq_fixture.version', '1.12', false)`);
      await setup.query(readFileSync(new URL('../../test/fixtures/pgmq.sql', import.meta.url), 'utf8'));
      const { rows } = await setup.query<{ server_version: string }>('SHOW server_version');
      const version = rows[0]?.server_version ?? 'unknown';
      const pgmq = new PgmqClient(pool);
      const results = [await measure(pgmq, 'notify'), await measure(pgmq, 'poll')];
      const report = { postgres: version, cpus: cpus().length, pollIntervalMs: POLL_INTERVAL_MS, results };
      writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
      console.log(render(report));
    } finally {
      setup.release();
    }
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await server?.stop();
  }
}

async function measure(pgmq: PgmqClient, mode: 'notify' | 'poll'): Promise<ModeResult> {
  const queue = `wake_${mode}`;
  await pgmq.create(queue);
  if (mode === 'notify') await pgmq.enableNotifyInsert(queue, 0);
  const latencies: number[] = [];
  let sentAt = 0;
  let handled: (() => void) | undefined;
  const stop = new AbortController();
  const consuming = pgmq.consume(
    queue,
    () => {
      latencies.push(performance.now() - sentAt);
      handled?.();
    },
    { pollIntervalMs: POLL_INTERVAL_MS, heartbeat: false, signal: stop.signal },
  );
  for (let i = 0; i < MESSAGES; i++) {
    // A pause of 50 ms to a poll interval more, so each message finds the consumer idle, at a random
    // point of its wait.
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * POLL_INTERVAL_MS));
    const done = new Promise<void>((resolve) => (handled = resolve));
    await pgmq.send(queue, { i });
    sentAt = performance.now();
    await done;
  }
  stop.abort();
  await consuming;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    mode,
    messages: sorted.length,
    medianMs: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    maxMs: round(sorted.at(-1)!),
  };
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function render(report: {
  postgres: string;
  cpus: number;
  pollIntervalMs: number;
  results: ModeResult[];
}): string {
  const rows = report.results.map(
    (r) =>
      `| ${r.mode === 'notify' ? 'insert notifications (LISTEN)' : `polling every ${report.pollIntervalMs} ms`} | ${r.messages} | ${r.medianMs} | ${r.p95Ms} | ${r.maxMs} |`,
  );
  return [
    '| idle consumer wakes by | messages | median ms | p95 ms | max ms |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `PostgreSQL ${report.postgres}, ${report.cpus} CPUs, pgmq-compatible fixture playing 1.12.`,
  ].join('\n');
}

await main();
