/**
 * What the driver and a worker process say to each other over the IPC channel `fork()` opens. One
 * worker process runs one configuration for the whole suite; the driver tells it when to drain.
 */

export const PG_BOSS_SCHEMA = 'pgboss_bench';
/** The consumer's shape, the same for every configuration: one worker, batches of 20, bursts on. */
export const BATCH_SIZE = 20;

/** The configurations a worker process can run; the first of each system is its baseline. */
export const PG_BOSS_WORKERS = [
  'bare',
  'bare+metadata',
  'built-in',
  'queuetel',
  'queuetel-alone',
  'naive',
] as const;
export const PGMQ_WORKERS = ['pgmq-bare', 'pgmq-queuetel'] as const;
export type WorkerId = (typeof PG_BOSS_WORKERS)[number] | (typeof PGMQ_WORKERS)[number];

export const WORKER_LABELS: Record<WorkerId, string> = {
  bare: 'bare pg-boss 12.38',
  'bare+metadata': 'bare + `includeMetadata`',
  'built-in': "pg-boss's built-in telemetry",
  queuetel: 'queuetel quick start (beside built-in)',
  'queuetel-alone': 'queuetel, built-in telemetry off',
  naive: 'naive hand-written wrapper',
  'pgmq-bare': 'pgmq: hand-written read/run/delete loop',
  'pgmq-queuetel': 'pgmq: queuetel `consume()`',
};

/** Whether a worker is a baseline, which the harness's regression switch never slows. */
export function isBaseline(id: WorkerId): boolean {
  return id === 'bare' || id === 'bare+metadata' || id === 'pgmq-bare';
}

export type HandlerKind = 'io-1ms' | 'noop';

/** Driver to worker: drain `jobs` jobs, already in the worker's queue, then stop consuming. */
export interface DrainCommand {
  readonly type: 'drain';
  readonly jobs: number;
  readonly handler: HandlerKind;
  /** Busy CPU added to each job: the harness's regression switch; 0 in every real run. */
  readonly spinMicros: number;
}

/** Worker to driver. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'drained'; readonly result: DrainResult }
  | { readonly type: 'error'; readonly message: string };

export interface DrainResult {
  /** Jobs per second between the 10th and 90th percentile of completions. */
  readonly throughput: number;
  /** CPU time of the worker process (all threads) from the start of work() to the last job, per job, µs. */
  readonly cpuMicrosPerJob: number;
  /** The main thread's part of it (`process.threadCpuUsage()`); the rest ran on V8's helper threads. */
  readonly mainThreadMicrosPerJob: number;
  readonly seconds: number;
}

/** The worker's queue: one fixed queue per configuration, filled by the driver before each drain. */
export function queueOf(id: WorkerId): string {
  return `bench_${id.replace(/[^a-z]/g, '_')}`;
}
