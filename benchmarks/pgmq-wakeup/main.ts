/**
 * How long a message waits for an idle pgmq consumer: from `send()` returning to the handler
 * starting, with the queue's insert notifications on (consume() LISTENs) and off (it polls every
 * pollIntervalMs, 1000 by default). Messages are sent one at a time, each after the previous one was
 * handled and a random pause, so the consumer is always idle when one arrives.
 *
 * npm run bench:pgmq-wakeup [-- --messages 40]   (DATABASE_URL, or a throwaway embedded PostgreSQL)
 * Writes benchmarks/results/pgmq-wakeup.json, which `npm run bench:report` renders into
 * docs/benchmarks.md.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgmqClient } from '@queuetel/pgmq';
import { startEmbeddedPostgres, type RunningPostgres } from '../../test/harness/postgres.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { writeResults } from '../lib/results.js';
import { renderWakeupSection, type WakeupResult, type WakeupRun } from './report.js';
import { requireBuiltPackages } from '../lib/built-packages.js';

const POLL_INTERVAL_MS = 1000;
/** The pgmq version the fixture plays: the newest it knows. */
const PGMQ_VERSION = '1.12';
const messagesArg = process.argv.indexOf('--messages');
const MESSAGES = messagesArg > 0 ? Number(process.argv[messagesArg + 1]) : 40;

async function main(): Promise<void> {
  requireBuiltPackages();
  // Other work on the machine shows in every figure; how busy it was is kept with them.
  const machine = describeMachine();
  const cpuBefore = readCpuTimes();
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
      await setup.query(`SELECT set_config('pgmq_fixture.version', $1, false)`, [PGMQ_VERSION]);
      await setup.query(readFileSync(new URL('../../test/fixtures/pgmq.sql', import.meta.url), 'utf8'));
      const { rows } = await setup.query<{ server_version: string }>('SHOW server_version');
      const version = rows[0]?.server_version ?? 'unknown';
      const pgmq = new PgmqClient(pool);
      const results = [await measure(pgmq, 'notify'), await measure(pgmq, 'poll')];
      const run: WakeupRun = {
        postgres: version,
        pollIntervalMs: POLL_INTERVAL_MS,
        pgmq: PGMQ_VERSION,
        results,
      };
      const command = ['npm run bench:pgmq-wakeup', ...process.argv.slice(2)].join(' ');
      const file = { suite: 'pgmq-wakeup', machine: finishMachine(machine, cpuBefore), command, run };
      console.log(`wrote ${writeResults('pgmq-wakeup', file)}\n\n${renderWakeupSection(file)}`);
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

async function measure(pgmq: PgmqClient, mode: 'notify' | 'poll'): Promise<WakeupResult> {
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

await main();
