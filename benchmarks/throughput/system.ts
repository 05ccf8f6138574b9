/**
 * What the throughput suite needs from a queue system, whatever it is: enqueue payloads, and consume
 * them with a per-job callback. pg-boss implements it in `pg-boss-system.ts`, pgmq in
 * `pgmq-system.ts` (see `systems.ts`).
 */

/** What each benchmark job carries: when it was enqueued, and three labels for the instrumentation. */
export interface Payload {
  /** `performance.now()` of the process when the job was handed to the queue. */
  readonly sentAt: number;
  readonly project: string;
  readonly endpoint: string;
  readonly status: number;
}

/** How a worker consumes; the same for every configuration of a comparison. */
export interface ConsumeSettings {
  readonly batchSize: number;
  /** Workers (pg-boss `localConcurrency`) in this process. */
  readonly concurrency: number;
  /** Seconds between polls when there is no reason to fetch at once. */
  readonly pollingSeconds: number;
  /** Fetch again at once while batches come back full (and, for a batch of one, while a backlog is known). */
  readonly burst: boolean;
  /** Wake workers on insert through LISTEN/NOTIFY, where the system has it. */
  readonly notify: boolean;
}

/** Called once per job (in turn within a pg-boss batch, side by side for pgmq); resolves when the job is done. */
export type JobCallback = (payload: Payload) => Promise<void>;

/** One way of running a queue system, such as pg-boss with queuetel on. */
export interface Configuration {
  /** Stable id, used in results files: `bare`, `built-in`, `queuetel`, `queuetel+built-in`. */
  readonly id: string;
  readonly label: string;
  /** Whether queuetel instruments it: the harness's regression switch adds its delay only here. */
  readonly instrumented: boolean;
  /** Creates a queue for one trial, set up for `settings` (NOTIFY, for instance). */
  createQueue(queue: string, settings: ConsumeSettings): Promise<void>;
  deleteQueue(queue: string): Promise<void>;
  enqueue(queue: string, payloads: readonly Payload[]): Promise<void>;
  /** Starts workers on `queue`; resolves to a function that stops them and waits until they have. */
  consume(queue: string, settings: ConsumeSettings, onJob: JobCallback): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Options a system's configurations are built with. */
export interface SystemOptions {
  /** A database the system may create its schema in. */
  readonly url: string;
  /** Connections in each configuration's pool. */
  readonly poolSize: number;
}

/** A queue system under test: its configurations, the first of which is the bare baseline. */
export interface QueueSystem {
  readonly id: string;
  readonly label: string;
  /** The configurations of the matrix, baseline first. */
  readonly configurations: readonly string[];
  /**
   * Configurations that split the cost of instrumenting into its parts at the headline cell, baseline
   * first (for pg-boss: bare, bare fetching job metadata, queuetel, queuetel with a span per job).
   */
  readonly attribution?: readonly string[];
  /** How its workers take jobs in the matrix, for the report: one or two sentences of markdown. */
  readonly consumption: string;
  /** Whether the tuning sweeps of pg-boss's settings run for it. */
  readonly sweeps: boolean;
  /** Builds and starts the named configurations. */
  start(ids: readonly string[], options: SystemOptions): Promise<Configuration[]>;
}
