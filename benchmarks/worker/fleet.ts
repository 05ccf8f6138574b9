import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { instrumentPgBoss } from '@queuetel/pg-boss';
import { PgmqClient } from '@queuetel/pgmq';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { loadPgmqFixture } from '../../test/harness/pgmq.js';
import { createBenchSdk, type BenchSdk } from '../lib/otel-sdk.js';
import { BENCH_LABELS, jobLabels } from '../lib/workload.js';
import type { Payload } from '../throughput/system.js';
import {
  PG_BOSS_SCHEMA,
  PGMQ_WORKERS,
  queueOf,
  type DrainCommand,
  type DrainResult,
  type HandlerKind,
  type WorkerId,
  type WorkerMessage,
} from './protocol.js';
import { startSink, type Sink, type SinkTally } from './sink.js';

const WORKER_ENTRY = fileURLToPath(new URL('./process.ts', import.meta.url));
const INSERT_CHUNK = 5_000;

/**
 * The driver's side of the real-worker suite: a process per configuration, the OTLP sink they all
 * export to, and a producer that fills a worker's queue before each drain. Jobs are produced the
 * way an instrumented producer sends them (pg-boss's built-in telemetry stamping `trace_context`,
 * queuetel's pgmq client stamping headers), the same jobs for every configuration.
 */
export class Fleet {
  readonly #workers = new Map<WorkerId, Worker>();
  #serial = 0;

  private constructor(
    readonly url: string,
    readonly sink: Sink,
    readonly pool: pg.Pool,
    readonly sdk: BenchSdk,
    readonly boss: PgBoss | undefined,
    readonly pgmq: PgmqClient | undefined,
  ) {}

  static async start(ids: readonly WorkerId[], url: string): Promise<Fleet> {
    const sink = await startSink();
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    const sdk = createBenchSdk({ sampled: true });
    const needsPgBoss = ids.some((id) => !isPgmq(id));
    const needsPgmq = ids.some(isPgmq);
    let boss: PgBoss | undefined;
    if (needsPgBoss) {
      boss = new PgBoss({
        connectionString: url,
        schema: PG_BOSS_SCHEMA,
        schedule: false,
        supervise: false,
        openTelemetry: {
          propagateContext: true,
          tracerProvider: sdk.tracerProvider,
          meterProvider: sdk.meterProvider,
        },
      });
      // The producer as the quick start sets it up, beside the built-in telemetry: queuetel stamps each
      // job with when it becomes eligible, so a queuetel worker records wait times as a user's would.
      instrumentPgBoss(boss, {
        tracerProvider: sdk.tracerProvider,
        metricProducer: sdk.metricProducer,
        labels: BENCH_LABELS,
      });
      await boss.start();
    }
    if (needsPgmq) await loadPgmqFixture(url);
    const fleet = new Fleet(
      url,
      sink,
      pool,
      sdk,
      boss,
      needsPgmq ? new PgmqClient(pool, { tracerProvider: sdk.tracerProvider }) : undefined,
    );
    try {
      for (const id of ids) {
        if (isPgmq(id)) await pool.query('SELECT pgmq.create($1)', [queueOf(id)]);
        else await boss!.createQueue(queueOf(id));
      }
      // Started side by side; each is idle (no work() running) until its first drain.
      const workers = await Promise.all(ids.map((id) => Worker.start(id, url, sink.url)));
      for (const worker of workers) fleet.#workers.set(worker.id, worker);
    } catch (error) {
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  /**
   * One trial: `jobs` jobs go into the worker's queue while it is not consuming, the planner's
   * statistics are refreshed (pg-boss's fetch is several times slower on statistics taken before a
   * backlog was inserted at once), then the worker drains them.
   */
  async trial(id: WorkerId, handler: HandlerKind, jobs: number, spinMicros = 0): Promise<DrainResult> {
    const queue = queueOf(id);
    const payloads: Payload[] = Array.from({ length: jobs }, () => ({
      sentAt: performance.now(),
      ...jobLabels(this.#serial++),
    }));
    for (let i = 0; i < jobs; i += INSERT_CHUNK) {
      const chunk = payloads.slice(i, i + INSERT_CHUNK);
      if (isPgmq(id)) await this.pgmq!.sendBatch(queue, chunk);
      else
        await this.boss!.insert(
          queue,
          chunk.map((data) => ({ data })),
        );
    }
    await this.pool.query('ANALYZE');
    const result = await this.#workers.get(id)!.drain({ type: 'drain', jobs, handler, spinMicros });
    // Completed jobs would pile up in pg-boss's table from trial to trial.
    if (!isPgmq(id)) await this.pool.query(`DELETE FROM ${PG_BOSS_SCHEMA}.job WHERE name = $1`, [queue]);
    return result;
  }

  /** What a worker has exported to the sink so far. */
  exported(id: WorkerId): SinkTally {
    return this.sink.tally(id);
  }

  async close(): Promise<void> {
    for (const worker of this.#workers.values()) await worker.stop();
    await this.boss?.stop({ graceful: false, timeout: 5000 });
    await this.sdk.shutdown();
    await this.pool.end();
    await this.sink.close();
  }
}

function isPgmq(id: WorkerId): boolean {
  return (PGMQ_WORKERS as readonly string[]).includes(id);
}

/** A worker process and its one pending drain. */
class Worker {
  #pending: { resolve: (result: DrainResult) => void; reject: (error: Error) => void } | undefined;

  private constructor(
    readonly id: WorkerId,
    readonly child: ChildProcess,
  ) {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'drained') this.#settle()?.resolve(message.result);
      if (message.type === 'error') this.#settle()?.reject(new Error(`worker ${id}: ${message.message}`));
    });
    child.on('exit', (code) => this.#settle()?.reject(new Error(`worker ${id} exited (${code})`)));
  }

  static start(id: WorkerId, url: string, sinkUrl: string): Promise<Worker> {
    const child = fork(WORKER_ENTRY, [id], {
      // BENCH_CPU_PROF=<dir> profiles every worker (node --cpu-prof), to see where its time goes.
      execArgv: [
        '--expose-gc',
        '--import',
        'tsx',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        BENCH_DATABASE_URL: url,
        // The same export set-up for every configuration with telemetry: OTLP/HTTP to the sink,
        // metrics every 5 s (queuetel's default; the specification's is 60 s).
        OTEL_SERVICE_NAME: `bench-${id}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `${sinkUrl}/${id}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/json',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRIC_EXPORT_INTERVAL: '5000',
      },
    });
    return new Promise((resolve, reject) => {
      child.once('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve(new Worker(id, child));
        else reject(new Error(`worker ${id}: ${message.type === 'error' ? message.message : message.type}`));
      });
      child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}) before it was ready`)));
    });
  }

  drain(command: DrainCommand): Promise<DrainResult> {
    if (this.#pending) throw new Error(`worker ${this.id} is already draining`);
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.child.send(command);
    });
  }

  #settle() {
    const pending = this.#pending;
    this.#pending = undefined;
    return pending;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}
