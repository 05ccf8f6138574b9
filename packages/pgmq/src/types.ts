import type { InstrumentationOptions } from '@queuetel/core';

/**
 * Anything that runs a parameterised query the way node-postgres does: a `Pool`, a `PoolClient`
 * checked out for a transaction, or a `Client`. Only `query(text, values)` is used.
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A message id. pgmq ids are bigints; the client returns them as strings so none loses precision. */
export type MessageId = string | number | bigint;

/** Message headers as pgmq stores them: a JSON object, such as `{ "x-pgmq-group": "user-7" }`. */
export type PgmqHeaders = Record<string, unknown>;

/** One message as a read, pop or set_vt returns it. Columns are read by name. */
export interface PgmqMessage<T = unknown> {
  /** The id pgmq gave the message. */
  readonly msgId: string;
  /** How many times the message has been read, this read included (a pop does not count). */
  readonly readCount: number;
  /** When the message was sent. */
  readonly enqueuedAt: Date;
  /** When the message was last read: pgmq 1.10 and later. Undefined on older versions or when never read. */
  readonly lastReadAt: Date | undefined;
  /** When the message becomes visible to readers again. */
  readonly vt: Date;
  /** The payload. */
  readonly message: T;
  /**
   * The headers, or null when the message has none. pgmq does not check their shape: a message
   * written by another producer may carry any JSON value here, which arrives as it is (and which
   * queuetel ignores when it looks for trace context or labels).
   */
  readonly headers: PgmqHeaders | null;
}

export interface SendOptions {
  /** Headers to store with the message; queuetel adds the trace context beside the keys given. */
  headers?: PgmqHeaders | null;
  /** Seconds before the message becomes visible, or the time it does. Default: at once. */
  delay?: number | Date;
}

export interface SendBatchOptions {
  /** One entry per message, in order; null or undefined for a message without headers of its own. */
  headers?: readonly (PgmqHeaders | null | undefined)[];
  /** Seconds before the messages become visible, or the time they do. Default: at once. */
  delay?: number | Date;
}

/** A row of `pgmq.list_queues()`. */
export interface QueueInfo {
  readonly queueName: string;
  readonly isPartitioned: boolean;
  readonly isUnlogged: boolean;
  readonly createdAt: Date;
}

/** A row of `pgmq.metrics()` and `pgmq.metrics_all()`. */
export interface QueueStats {
  readonly queueName: string;
  /** Messages in the queue now, visible or not. */
  readonly queueLength: number;
  /** Age of the newest message in seconds; null when the queue is empty. */
  readonly newestMsgAgeSec: number | null;
  /** Age of the oldest message in seconds; null when the queue is empty. */
  readonly oldestMsgAgeSec: number | null;
  /** Messages ever sent to the queue. */
  readonly totalMessages: number;
  /** When the database took the figures. */
  readonly scrapeTime: Date;
  /** Messages visible now (vt passed). Undefined on pgmq versions that do not report it. */
  readonly queueVisibleLength: number | undefined;
}

/** Options of a {@link PgmqClient}: the ones every queuetel instrumentation takes. */
export type PgmqOptions = InstrumentationOptions<PgmqMessage>;

/** Handles one message. Return to settle it as done; throw to fail this attempt. */
export type MessageHandler<T = unknown> = (message: PgmqMessage<T>) => unknown;

/** Where a consumer met an error it reports to `onError`. */
export interface ConsumeErrorContext {
  readonly queue: string;
  /** `handler`: the handler threw; `read`: polling failed; `settle`: archiving, deleting, backing off or dead-lettering failed. */
  readonly phase: 'handler' | 'read' | 'settle';
  /** The message concerned; undefined for `read`. */
  readonly message: PgmqMessage | undefined;
}

/** Options of {@link PgmqClient.consume}. Every field is optional. */
export interface ConsumeOptions {
  /** Stops the consumer: it reads no more, finishes and settles the messages in flight, then resolves. */
  signal?: AbortSignal;
  /** Visibility timeout in seconds: how long a read message stays hidden from other readers. Default 30. */
  vt?: number;
  /** Handlers running at once. Default 1. */
  concurrency?: number;
  /** Messages per read, at most `concurrency`. A read never takes more than there are free slots. Default: `concurrency`. */
  batchSize?: number;
  /** Milliseconds to wait after a read that found nothing (or failed). Default 1000. */
  pollIntervalMs?: number;
  /** What to do with a message whose handler returned: `delete` it, or `archive` it to `pgmq.a_<queue>`. Default `delete`. */
  onSuccess?: 'delete' | 'archive';
  /**
   * Reads a message may have. A message whose handler fails on its last read goes to
   * `deadLetterQueue`, or to the archive when there is none. Default 5.
   */
  maxReads?: number;
  /** A pgmq queue (create it first) that messages out of reads are moved to, headers and all. */
  deadLetterQueue?: string;
  /**
   * After a failure with reads left: seconds until the message is visible again, or a function of
   * the attempt that failed (1 for the first). Default: the message reappears when its `vt` ends.
   */
  backoff?: number | ((attempt: number) => number);
  /** Told of every handler error and every failed read or settle. One that throws is ignored. */
  onError?: (error: unknown, context: ConsumeErrorContext) => void;
  /**
   * Announce this consumer in `queuetel.heartbeat` while it runs, on the client's own database, so
   * that the queue-health collector counts it as a live worker of the queue. A beat that fails is
   * reported once through OpenTelemetry's `diag` and never touches a message. Default true.
   */
  heartbeat?: boolean;
  /** Seconds between heartbeats; the consumer counts as live until it misses three. Default 10. */
  heartbeatIntervalSeconds?: number;
  /**
   * Keep each message group's order (the `x-pgmq-group` header; messages without one form one
   * group): read through pgmq's FIFO functions, which hand out no message of a group that has one
   * in flight, and run a group's messages of one read one after another, in id order, while other
   * groups run beside them. `true` reads with `read_grouped` (pgmq 1.8), which fills a read from one
   * group first; `'round-robin'` with `read_grouped_rr` (pgmq 1.9), which takes the groups in turn
   * and so spreads `concurrency` across them. After a failure that will be retried, the rest of that
   * group's read is made visible again unrun, and the group waits for the retry. Default false.
   */
  fifo?: boolean | 'round-robin';
  /**
   * Wake as soon as a message is sent when the queue has pgmq's insert notifications enabled
   * (`enableNotifyInsert`, pgmq 1.7): the consumer holds one pool connection in LISTEN. Without
   * them, or with `false`, or when the client was given a single connection rather than a pool,
   * it polls every `pollIntervalMs`. Default true.
   */
  listen?: boolean;
}
