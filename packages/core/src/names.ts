/**
 * Every attribute and span name queuetel emits, spelled once; metric names are in the
 * instrument registry, metrics/instruments.ts.
 *
 * The messaging names are local copies of the OpenTelemetry messaging semantic conventions
 * (status: development). They live in the `incubating` entry point of
 * `@opentelemetry/semantic-conventions`, which libraries are told not to depend on, so they are
 * copied here instead. queuetel's own names share the `queuetel.` prefix.
 */

// ---------------------------------------------------------------------------------------------
// Messaging semantic conventions: attributes
// ---------------------------------------------------------------------------------------------

/** The messaging system, such as `pg-boss` or `pgmq`. Required on every messaging span. */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
/** The operation as the system names it: `send`, `process`, `receive`, `archive`, ... */
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
/** The operation's kind among `send`, `receive`, `process`, `settle` and `create`. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
/** The queue a message was sent to or read from. */
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
/** The id the system gave one message. Only on single-message spans; never on metrics. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** How many messages a batch operation covered. Only on batch spans. */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
/** A low-cardinality class of error, such as an exception's type name; `_OTHER` when unknown. */
export const ATTR_ERROR_TYPE = 'error.type';

/** The `error.type` value for a failure whose class cannot be named (a thrown string, say). */
export const ERROR_TYPE_OTHER = '_OTHER';
/** The `error.type` value for a job that ran past its time limit. */
export const ERROR_TYPE_TIMEOUT = 'timeout';

/** `messaging.operation.type` values. */
export const OPERATION_TYPE = {
  send: 'send',
  receive: 'receive',
  process: 'process',
  settle: 'settle',
} as const;

// ---------------------------------------------------------------------------------------------
// queuetel's own names
// ---------------------------------------------------------------------------------------------

/** The prefix of every name queuetel defines itself. */
export const QUEUETEL_PREFIX = 'queuetel.';

/** Span attribute, int: which attempt this is, counting from 1. Never a metric attribute. */
export const ATTR_JOB_ATTEMPT = 'queuetel.job.attempt';
/** Span attribute, int: retries before this attempt (attempt - 1). Never a metric attribute. */
export const ATTR_JOB_RETRY_COUNT = 'queuetel.job.retry_count';
/** Span attribute, double seconds: how long the job waited once eligible. */
export const ATTR_JOB_WAIT_TIME = 'queuetel.job.wait_time';
/** Span and metric attribute: how an attempt ended; one of {@link JOB_OUTCOMES}. */
export const ATTR_JOB_OUTCOME = 'queuetel.job.outcome';
/** Metric attribute of the fold counter: the label key whose value was folded. */
export const ATTR_LABEL_KEY = 'queuetel.label.key';
/** Metric attribute of the fold counter: why the value was folded. */
export const ATTR_LABEL_REASON = 'queuetel.label.reason';

/**
 * How an attempt ended. Every attempt ends in exactly one, so the outcomes sum to the attempts,
 * and each job ends in exactly one terminal outcome (all but `retried`).
 */
export const JOB_OUTCOMES = {
  /** The handler returned. */
  completed: 'completed',
  /** The handler failed and the queue will run the job again. */
  retried: 'retried',
  /** The handler failed with no retries left, and there is no dead-letter queue. */
  failed: 'failed',
  /** The handler ran past the job's time limit with no retries left. */
  expired: 'expired',
  /** The job was cancelled while it ran. Flow control, not an error. */
  cancelled: 'cancelled',
  /** The handler failed with no retries left, and the job went to a dead-letter queue. */
  dead_lettered: 'dead_lettered',
} as const;

export type JobOutcome = (typeof JOB_OUTCOMES)[keyof typeof JOB_OUTCOMES];

/** Why a label value was folded: the `queuetel.label.reason` values. */
export const FOLD_REASONS = {
  /** The key already holds its cap of distinct values. */
  overflow: 'overflow',
  /** The value is not in the key's fixed set of allowed values. */
  other: 'other',
  /** The value is of the wrong type, empty, or too long. */
  invalid: 'invalid',
  /** Reading the value threw. */
  error: 'error',
  /** The instrumentation already tracks its cap of label combinations. */
  series_limit: 'series_limit',
} as const;

export type FoldReason = (typeof FOLD_REASONS)[keyof typeof FOLD_REASONS];

/**
 * The documented markers a label value is replaced with. Each starts with an underscore so that a
 * dashboard can tell them from real values.
 */
export const LABEL_MARKERS = {
  /** The job had no value for the key (undefined or null). */
  missing: '_missing',
  /** The value had the wrong type, was empty, or was longer than the key allows. */
  invalid: '_invalid',
  /** The extractor or normaliser threw. */
  error: '_error',
  /** The value is not one of the key's allowed values. */
  other: '_other',
  /** The key already holds its cap of distinct values, or the combination cap was reached. */
  overflow: '_overflow',
} as const;

/** Label keys are plain snake_case words, which keeps them apart from every dotted semconv name. */
export const LABEL_KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Label keys that would meet another label of the same name downstream, each with where it comes
 * from. A dotted attribute reaches Prometheus with its dots as underscores, so `service_name` is
 * `service.name` there, and `error_type` is queuetel's own `error.type`.
 */
export const RESERVED_LABEL_KEYS: Readonly<Record<string, string>> = {
  job: "Prometheus's target label (and service.name in OTLP ingestion)",
  instance: "Prometheus's target label (and service.instance.id in OTLP ingestion)",
  le: 'the bucket bound of every Prometheus histogram series',
  quantile: 'the quantile of every Prometheus summary series',
  service_name: 'service.name, a resource attribute Prometheus promotes to a label',
  service_namespace: 'service.namespace, a resource attribute Prometheus promotes to a label',
  service_instance_id: 'service.instance.id, a resource attribute Prometheus promotes to a label',
  service_version: 'service.version, a resource attribute Prometheus promotes to a label',
  error_type: "error.type, which queuetel records on failed jobs' metrics",
};

/**
 * Prefixes of label keys that belong to others: the Prometheus exporter's `otel_scope_*` labels and
 * the SDK's `otel.metric.overflow`, the `messaging.*` attributes, and queuetel's own `queuetel.*`.
 * (A leading `_`, as in Prometheus's reserved `__name__`, is already refused by the pattern.)
 */
export const RESERVED_LABEL_PREFIXES: Readonly<Record<string, string>> = {
  otel_: "the OpenTelemetry SDK's and exporters' own labels, such as otel_scope_name",
  messaging_: 'the messaging.* attributes every queuetel metric carries',
  queuetel_: "queuetel's own queuetel.* attributes",
};

/** Span name of a messaging operation: `{operation} {destination}`. */
export function spanName(operation: string, destination: string): string {
  return `${operation} ${destination}`;
}

// ---------------------------------------------------------------------------------------------
// queuetel's own names: Lane A, queue-state gauges read from the database by one elected collector
// ---------------------------------------------------------------------------------------------

/** Gauge attribute: which state a count of jobs is in; one of {@link QUEUE_STATES}. */
export const ATTR_QUEUE_STATE = 'queuetel.queue.state';
/** Gauge attribute: the dead-letter queue a source queue's failed jobs go to. */
export const ATTR_DEAD_LETTER_QUEUE = 'queuetel.dead_letter.name';
/** Gauge attribute: what kind of worker is counted; one of {@link WORKER_KINDS}. */
export const ATTR_WORKER_KIND = 'queuetel.worker.kind';

/** The `queuetel.queue.state` values. Not every queue system has every state. */
export const QUEUE_STATES = {
  /** Waiting and eligible to run now (pg-boss created or retry past startAfter; pgmq visible). */
  ready: 'ready',
  /** Waiting for a later start time (pg-boss startAfter in the future; pgmq delayed). */
  deferred: 'deferred',
  /** Failed and waiting to be retried. */
  retry: 'retry',
  /** Claimed by a worker and running (pgmq: read and still invisible). */
  active: 'active',
  /** Failed for good and kept. */
  failed: 'failed',
  /** Held back by a dependency or a group limit (pg-boss 12 where it has them). */
  blocked: 'blocked',
} as const;

/** The `queuetel.worker.kind` values. */
export const WORKER_KINDS = {
  /** A pg-boss instance, from pg-boss 12's instance registry. */
  pgBossInstance: 'pg-boss-instance',
  /** A queuetel consumer announcing itself with a heartbeat. */
  consumer: 'queuetel-consumer',
} as const;

// ---------------------------------------------------------------------------------------------
// queuetel's own names: Lane A, added with the collector
// ---------------------------------------------------------------------------------------------

/**
 * Gauge attribute on every Lane A queue gauge: where the queue lives, the pg-boss schema (such as
 * `pgboss`) or `pgmq`. Two pg-boss schemas in one database may hold queues of the same name, and
 * without it their series would collide.
 */
export const ATTR_QUEUE_SCHEMA = 'queuetel.queue.schema';
