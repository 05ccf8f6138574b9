/**
 * One worker process of the real-worker suite, running one configuration as a user would write it:
 * `node --import tsx benchmarks/worker/process.ts <id>` with BENCH_DATABASE_URL and the OTEL_*
 * variables the driver sets (endpoint: the driver's sink). It waits for drain commands over IPC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { startTelemetry } from '@queuetel/node';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgmqClient } from '@queuetel/pgmq';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { spin } from '../lib/spin.js';
import { BENCH_LABELS } from '../lib/workload.js';
import { consumeBare } from '../throughput/pgmq-bare-consumer.js';
import type { Payload } from '../throughput/system.js';
import { naiveWrapper } from './naive.js';
import {
  BATCH_SIZE,
  PG_BOSS_SCHEMA,
  isBaseline,
  queueOf,
  type DrainCommand,
  type DrainResult,
  type WorkerId,
  type WorkerMessage,
} from './protocol.js';
import { requireBuiltPackages } from '../lib/built-packages.js';

const POLLING_SECONDS = 0.5;

requireBuiltPackages();

const id = process.argv[2] as WorkerId;
const url = process.env.BENCH_DATABASE_URL!;
const send = (message: WorkerMessage) => process.send!(message);

/** Runs the user's handler for one job; set per drain. */
type OnJob = (payload: Payload) => Promise<void>;
/** Starts consuming the worker's queue with `onJob`; resolves to a function that stops it. */
type Consume = (onJob: OnJob) => Promise<() => Promise<void>>;

declare const gc: (() => void) | undefined;

async function drain(consume: Consume, command: DrainCommand): Promise<DrainResult> {
  const { jobs, spinMicros } = command;
  const completions = new Float64Array(jobs);
  let completed = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const io = command.handler === 'io-1ms';
  const delay = isBaseline(id) ? 0 : spinMicros;
  const onJob: OnJob = async () => {
    if (delay > 0) spin(delay);
    if (io) await sleep(1);
    if (completed < jobs) {
      completions[completed] = performance.now();
      if (++completed === jobs) finish();
    }
  };
  if (typeof gc === 'function') gc();
  const cpuBefore = process.cpuUsage();
  const mainBefore = process.threadCpuUsage();
  const startedAt = performance.now();
  const stop = await consume(onJob);
  await finished;
  const cpu = process.cpuUsage(cpuBefore);
  const main = process.threadCpuUsage(mainBefore);
  const seconds = (performance.now() - startedAt) / 1000;
  await stop();
  const first = Math.floor(jobs * 0.1);
  const last = Math.ceil(jobs * 0.9) - 1;
  return {
    throughput: (last - first) / ((completions[last]! - completions[first]!) / 1000),
    cpuMicrosPerJob: (cpu.user + cpu.system) / jobs,
    mainThreadMicrosPerJob: (main.user + main.system) / jobs,
    seconds,
  };
}

async function setUp(worker: WorkerId): Promise<Consume> {
  if (worker === 'pgmq-bare' || worker === 'pgmq-queuetel') return setUpPgmq(worker);
  const queue = queueOf(worker);
  const withSdk = worker === 'built-in' || worker === 'naive';
  const withQueuetel = worker === 'queuetel' || worker === 'queuetel-alone';
  // Native OpenTelemetry as its own docs set it up: the Node SDK, exporters from OTEL_* variables.
  if (withSdk) new NodeSDK({}).start();
  // queuetel as README.md's quick start does it.
  if (withQueuetel) startTelemetry({ serviceName: 'bench-worker' });
  const builtIn = worker === 'built-in' || worker === 'queuetel';
  const boss = new PgBoss({
    connectionString: url,
    schema: PG_BOSS_SCHEMA,
    schedule: false,
    supervise: false,
    openTelemetry: builtIn ? { propagateContext: true } : { enabled: false },
  });
  boss.on('error', (error: unknown) => send({ type: 'error', message: String(error) }));
  const queuetel = withQueuetel
    ? instrumentPgBoss(boss, { labels: BENCH_LABELS, ...diagnosisOptions() })
    : undefined;
  const naive = worker === 'naive' ? naiveWrapper() : undefined;
  await boss.start();
  return async (onJob) => {
    type Job = { id: string; name: string; data: Payload };
    const handler = queuetel
      ? queuetel.eachJob<Job>((job) => onJob(job.data))
      : naive
        ? async (jobs: Job[]) => {
            for (const job of jobs) await naive(job, () => onJob(job.data));
          }
        : async (jobs: Job[]) => {
            for (const job of jobs) await onJob(job.data);
          };
    const options = {
      batchSize: BATCH_SIZE,
      localConcurrency: 1,
      pollingIntervalSeconds: POLLING_SECONDS,
      burstWhenBatchFull: true,
      ...(worker === 'bare+metadata' ? { includeMetadata: true } : {}),
    };
    await boss.work<Payload>(queue, options, handler as Parameters<typeof boss.work<Payload>>[2]);
    return () => boss.offWork(queue, { wait: true });
  };
}

/**
 * BENCH_QUEUETEL_OPTIONS (JSON) adds options to queuetel's pg-boss instrumentation, to see which part
 * of it costs what, e.g. `{"metrics":false,"tracing":false}`: the wrapper alone. run.ts then keeps the
 * results out of the report.
 */
function diagnosisOptions(): object {
  const given = process.env.BENCH_QUEUETEL_OPTIONS;
  return given ? (JSON.parse(given) as object) : {};
}

/** pgmq's labels come from the message body. */
const PGMQ_LABELS = {
  project: { ...BENCH_LABELS.project, from: 'message.project' },
  endpoint: { ...BENCH_LABELS.endpoint, from: 'message.endpoint' },
  http_status_code: { ...BENCH_LABELS.http_status_code, from: 'message.status' },
};

async function setUpPgmq(worker: 'pgmq-bare' | 'pgmq-queuetel'): Promise<Consume> {
  const queue = queueOf(worker);
  if (worker === 'pgmq-queuetel') startTelemetry({ serviceName: 'bench-worker' });
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const client = worker === 'pgmq-queuetel' ? new PgmqClient(pool, { labels: PGMQ_LABELS }) : undefined;
  // pgmq has no batch handler: up to a batch of messages in flight, each handled on its own.
  const shape = {
    batchSize: BATCH_SIZE,
    concurrency: BATCH_SIZE,
    pollIntervalMs: POLLING_SECONDS * 1000,
    vt: 60,
  };
  return (onJob) => {
    const controller = new AbortController();
    const errors: unknown[] = [];
    const running = client
      ? client.consume<Payload>(queue, (message) => onJob(message.message), {
          ...shape,
          signal: controller.signal,
          onError: (error) => errors.push(error),
        })
      : consumeBare(pool, queue, onJob, { ...shape, signal: controller.signal, errors });
    return Promise.resolve(async () => {
      controller.abort();
      await running;
      if (errors.length > 0) throw new Error(`${worker}: ${String(errors[0])}`);
    });
  };
}

const consume = await setUp(id);
send({ type: 'ready' });

process.on('message', (command: DrainCommand) => {
  drain(consume, command).then(
    (result) => send({ type: 'drained', result }),
    (error: unknown) => send({ type: 'error', message: String((error as Error)?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));
