// The soak: many jobs through pg-boss and pgmq, each in a worker process with queuetel exporting over
// OTLP/HTTP to a live receiver in this process, sampling resident memory, event-loop delay and series
// per instrument as it goes. Writes benchmarks/results/soak.json and the soak section of
// docs/reliability.md.
//
//   npm run bench:soak                      # 500,000 jobs per system (long)
//   npm run bench:soak -- --jobs 20000      # a short run
//
// Uses DATABASE_URL when set, else starts an embedded PostgreSQL 18 of its own.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { loadPgmqFixture } from '../../test/harness/pgmq.js';
import { openBenchDatabase } from '../lib/database.js';
import { describeMachine, finishMachine, readCpuTimes } from '../lib/machine.js';
import { writeResults } from '../lib/results.js';
import { startSink, type Sink } from '../worker/sink.js';
import {
  PG_BOSS_SCHEMA,
  QUEUE,
  SOAK_SYSTEMS,
  soakJob,
  type Sample,
  type SoakSystem,
  type WorkerMessage,
} from './protocol.js';
import { summarize, writeSoakSection, type SoakRun, type SystemRun } from './report.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '500000' },
    'sample-seconds': { type: 'string', default: '5' },
    systems: { type: 'string', default: SOAK_SYSTEMS.join(',') },
    /** Jobs waiting at most: the driver enqueues as the worker drains, as producers would. */
    backlog: { type: 'string', default: '20000' },
  },
});
const jobs = Number(values.jobs);
const sampleMs = Number(values['sample-seconds']) * 1000;
const backlog = Number(values.backlog);
const systems = values.systems.split(',') as SoakSystem[];
const CHUNK = 1000;

const machine = describeMachine();
const cpuBefore = readCpuTimes();
const db = await openBenchDatabase();
const sink = await startSink();
const runs: SystemRun[] = [];
try {
  await loadPgmqFixture(db.url);
  for (const system of systems) runs.push(await soak(system));
} finally {
  await sink.close();
  await db.close();
}

const args = process.argv.slice(2);
const command = ['npm run bench:soak', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
const run: SoakRun = {
  jobsPerSystem: jobs,
  sampleSeconds: sampleMs / 1000,
  backlog,
  postgres: db.version,
  runs,
};
const file = { suite: 'soak', machine: finishMachine(machine, cpuBefore), command, run };
console.log(`wrote ${writeResults('soak', file)}`);
console.log(`rewrote the soak section of ${await writeSoakSection(file)}`);

async function soak(system: SoakSystem): Promise<SystemRun> {
  const enqueue = await openProducer(system);
  const worker = fork(new URL('./worker.ts', import.meta.url), [system], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: {
      ...process.env,
      SOAK_DATABASE_URL: db.url,
      SOAK_SAMPLE_MS: String(sampleMs),
      OTEL_EXPORTER_OTLP_ENDPOINT: `${sink.url}/${system}`,
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_LOGS_EXPORTER: 'none',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const samples: Sample[] = [];
  let nextSample: () => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'sample') {
        samples.push(message.sample);
        nextSample();
      } else if (message.type === 'error') reject(new Error(`${system} worker: ${message.message}`));
    });
    worker.on('exit', (code) => reject(new Error(`${system} worker exited with ${code}`)));
  });
  failure.catch(() => {});
  const sampled = () => Promise.race([new Promise<void>((resolve) => (nextSample = resolve)), failure]);
  const handled = () => samples.at(-1)?.handled ?? 0;
  try {
    await Promise.race([waitFor(worker, 'ready'), failure]);
    let sent = 0;
    while (sent < jobs) {
      if (sent - handled() >= backlog) {
        await sampled();
        continue;
      }
      const count = Math.min(CHUNK, jobs - sent);
      await enqueue(sent, count);
      sent += count;
    }
    while (handled() < jobs) await sampled();
    console.log(`${system}: ${jobs} jobs handled in ${samples.at(-1)!.seconds} s`);
  } finally {
    worker.removeAllListeners('exit');
    worker.disconnect();
    await once(worker, 'exit');
    await enqueue.close();
  }
  return summarize(system, jobs, samples, exported(sink, system));
}

function exported(sink: Sink, system: SoakSystem) {
  const tally = sink.tally(system);
  return {
    metricExports: tally.metricExports.length,
    metricPoints: tally.metricExports.reduce((sum, e) => sum + e.points, 0),
    spans: tally.spans,
  };
}

async function waitFor(worker: ChildProcess, type: WorkerMessage['type']): Promise<void> {
  await new Promise<void>((resolve) => {
    const listener = (message: WorkerMessage) => {
      if (message.type !== type) return;
      worker.off('message', listener);
      resolve();
    };
    worker.on('message', listener);
  });
}

type Producer = ((first: number, count: number) => Promise<void>) & { close(): Promise<void> };

/** Enqueues jobs `first` to `first + count - 1` in one statement, as a producer's batch would. */
async function openProducer(system: SoakSystem): Promise<Producer> {
  const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => soakJob(first + i));
  if (system === 'pg-boss') {
    const boss = new PgBoss({
      connectionString: db.url,
      schema: PG_BOSS_SCHEMA,
      schedule: false,
      supervise: false,
    });
    boss.on('error', () => {});
    await boss.start();
    await boss.createQueue(QUEUE, { retryLimit: 0 });
    const enqueue = async (first: number, count: number) => {
      await boss.insert(
        QUEUE,
        range(first, count).map((data) => ({ data })),
      );
    };
    return Object.assign(enqueue, { close: () => boss.stop({ graceful: false }) });
  }
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await pool.query('SELECT pgmq.create($1)', [QUEUE]);
  const enqueue = async (first: number, count: number) => {
    await pool.query('SELECT pgmq.send_batch($1, $2::jsonb[])', [QUEUE, range(first, count)]);
  };
  return Object.assign(enqueue, { close: () => pool.end() });
}
