import {
  ATTR_DEAD_LETTER_QUEUE,
  ATTR_ERROR_TYPE,
  ATTR_JOB_OUTCOME,
  ATTR_LABEL_KEY,
  ATTR_LABEL_REASON,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_QUEUE_STATE,
  ATTR_WORKER_KIND,
} from '../names.js';

/**
 * How an instrument aggregates: `counter` only goes up; `updown` may go down; `gauge` is a reading;
 * `histogram` records a distribution. It decides the Prometheus type and the `_total` suffix.
 */
export type InstrumentKind = 'counter' | 'updown' | 'gauge' | 'histogram';

/**
 * Who records an instrument: `job` the instrumentation, per job (Lane B); `messaging` the
 * instrumentation too, under the messaging conventions' names; `queue` the queue-health collector,
 * from the database (Lane A).
 */
export type InstrumentLane = 'job' | 'messaging' | 'queue';

/** Everything there is to know about one instrument. Views, docs and dashboards derive from it. */
export interface InstrumentDescriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
  readonly lane: InstrumentLane;
  /** Explicit bucket boundaries, for histograms. */
  readonly buckets?: readonly number[];
  /**
   * Attributes besides the ones every instrument of its lane carries (`messaging.system`, the
   * queue, the domain labels or the queue's schema).
   */
  readonly attributes: readonly string[];
  /** Series the SDK keeps before it folds the rest into one `otel.metric.overflow` series. */
  readonly cardinalityLimit: number;
}

/**
 * The SDK's series backstop for every queuetel instrument. The label caps of an instrumentation (500
 * label combinations by default) are what bound series in practice; this leaves room for about four
 * outcome and `error.type` variants per combination.
 */
export const DEFAULT_CARDINALITY_LIMIT = 2000;

/** The bucket boundaries, in seconds, that the messaging conventions advise for durations. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/**
 * Bucket boundaries, in seconds, for time spent waiting in a queue: from 5 ms to 6 hours, since a
 * backed-up queue holds jobs for hours and the interesting question is then "how many hours".
 */
export const WAIT_TIME_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 21600,
]);

type Entry = Omit<InstrumentDescriptor, 'attributes' | 'cardinalityLimit'> &
  Partial<Pick<InstrumentDescriptor, 'attributes'>>;

function instrument<const E extends Entry>(entry: E): E & InstrumentDescriptor {
  return Object.freeze({ attributes: [], cardinalityLimit: DEFAULT_CARDINALITY_LIMIT, ...entry });
}

/**
 * Every instrument queuetel records, or reads names from, by role: the one place a metric's name,
 * kind, unit, buckets, limit and meaning are written down.
 */
export const INSTRUMENTS = Object.freeze({
  // Lane B: recorded as each job is processed.
  jobDuration: instrument({
    name: 'queuetel.job.duration',
    lane: 'job',
    kind: 'histogram',
    unit: 's',
    buckets: DURATION_BUCKETS,
    attributes: [ATTR_JOB_OUTCOME, ATTR_ERROR_TYPE],
    description: 'How long a handler ran for one job, by outcome.',
  }),
  jobWaitTime: instrument({
    name: 'queuetel.job.wait_time',
    lane: 'job',
    kind: 'histogram',
    unit: 's',
    buckets: WAIT_TIME_BUCKETS,
    description: 'How long a job waited between becoming eligible to run and starting.',
  }),
  jobAttempts: instrument({
    name: 'queuetel.job.attempts',
    lane: 'job',
    kind: 'counter',
    unit: '{attempt}',
    description: 'Handler runs on a queue, one per job per attempt.',
  }),
  jobOutcomes: instrument({
    name: 'queuetel.job.outcomes',
    lane: 'job',
    kind: 'counter',
    unit: '{attempt}',
    attributes: [ATTR_JOB_OUTCOME, ATTR_ERROR_TYPE],
    description: 'How attempts on a queue ended, by outcome; they sum to the attempts.',
  }),
  jobInFlight: instrument({
    name: 'queuetel.job.in_flight',
    lane: 'job',
    kind: 'updown',
    unit: '{job}',
    description: 'Jobs of a queue a worker holds: running, or waiting their turn in the batch it took.',
  }),
  labelFolded: instrument({
    name: 'queuetel.label.folded',
    lane: 'job',
    kind: 'counter',
    unit: '{value}',
    attributes: [ATTR_LABEL_KEY, ATTR_LABEL_REASON],
    description: 'Label values replaced by a marker, by label key and reason.',
  }),

  // The messaging conventions' metrics (copied names; the conventions are in development). Their
  // descriptions are the conventions' own, word for word: pg-boss's built-in telemetry uses them
  // too, and one name with two descriptions in a collector makes its Prometheus exporter log a
  // conflict on every scrape.
  processDuration: instrument({
    name: 'messaging.process.duration',
    lane: 'messaging',
    kind: 'histogram',
    unit: 's',
    buckets: DURATION_BUCKETS,
    attributes: [ATTR_MESSAGING_OPERATION_NAME, ATTR_ERROR_TYPE],
    description: 'Duration of processing operation.',
  }),
  operationDuration: instrument({
    name: 'messaging.client.operation.duration',
    lane: 'messaging',
    kind: 'histogram',
    unit: 's',
    buckets: DURATION_BUCKETS,
    attributes: [ATTR_MESSAGING_OPERATION_NAME, ATTR_ERROR_TYPE],
    description: 'Duration of messaging operation initiated by a producer or consumer client.',
  }),
  sentMessages: instrument({
    name: 'messaging.client.sent.messages',
    lane: 'messaging',
    kind: 'counter',
    unit: '{message}',
    attributes: [ATTR_MESSAGING_OPERATION_NAME, ATTR_ERROR_TYPE],
    description: 'Number of messages producer attempted to send to the broker.',
  }),
  consumedMessages: instrument({
    name: 'messaging.client.consumed.messages',
    lane: 'messaging',
    kind: 'counter',
    unit: '{message}',
    attributes: [ATTR_MESSAGING_OPERATION_NAME],
    description: 'Number of messages that were delivered to the application.',
  }),

  // Lane A: queue state read from the database by one elected collector.
  queueJobs: instrument({
    name: 'queuetel.queue.jobs',
    lane: 'queue',
    kind: 'gauge',
    unit: '{job}',
    attributes: [ATTR_QUEUE_STATE],
    description: 'Jobs in a queue, by state.',
  }),
  queueOldestAge: instrument({
    name: 'queuetel.queue.oldest_age',
    lane: 'queue',
    kind: 'gauge',
    unit: 's',
    description: 'How long the oldest job ready to run has waited; 0 when none waits.',
  }),
  queueNewestAge: instrument({
    name: 'queuetel.queue.newest_age',
    lane: 'queue',
    kind: 'gauge',
    unit: 's',
    description: 'How long ago the newest job of a queue was enqueued.',
  }),
  queueDeadLetterJobs: instrument({
    name: 'queuetel.queue.dead_letter.jobs',
    lane: 'queue',
    kind: 'gauge',
    unit: '{job}',
    attributes: [ATTR_DEAD_LETTER_QUEUE],
    description: "Jobs waiting in a queue's dead-letter queue.",
  }),
  queueEnqueued: instrument({
    name: 'queuetel.queue.enqueued',
    lane: 'queue',
    kind: 'counter',
    unit: '{job}',
    description: 'Jobs enqueued on a queue, where the queue system keeps the total.',
  }),
  queueCompleted: instrument({
    name: 'queuetel.queue.completed',
    lane: 'queue',
    kind: 'counter',
    unit: '{job}',
    description: 'Jobs completed on a queue, where the queue system keeps the total.',
  }),
  workersLive: instrument({
    name: 'queuetel.workers.live',
    lane: 'queue',
    kind: 'gauge',
    unit: '{worker}',
    attributes: [ATTR_WORKER_KIND],
    description: 'Live workers of a queue, by kind.',
  }),
  collectorDuration: instrument({
    name: 'queuetel.collector.duration',
    lane: 'queue',
    kind: 'histogram',
    unit: 's',
    buckets: DURATION_BUCKETS,
    description: 'How long one collection of the queue-state gauges took.',
  }),
  collectorErrors: instrument({
    name: 'queuetel.collector.errors',
    lane: 'queue',
    kind: 'counter',
    unit: '{error}',
    attributes: [ATTR_ERROR_TYPE],
    description: 'Collections that failed, by error type.',
  }),
  collectorStaleness: instrument({
    name: 'queuetel.collector.staleness',
    lane: 'queue',
    kind: 'gauge',
    unit: 's',
    description: 'Time since the last good collection of the queue-state gauges.',
  }),
  collectorLeader: instrument({
    name: 'queuetel.collector.leader',
    lane: 'queue',
    kind: 'gauge',
    unit: '{instance}',
    description: 'Whether this instance holds the collector lock: 1 if so, else 0.',
  }),
  queueEnded: instrument({
    name: 'queuetel.queue.ended',
    lane: 'queue',
    kind: 'counter',
    unit: '{job}',
    attributes: [ATTR_JOB_OUTCOME],
    description:
      'Jobs the job table says completed or failed for good since this collector started leading, by end; with `shadowComparison`.',
  }),
});

/** Every instrument, in the registry's order. */
export const ALL_INSTRUMENTS: readonly InstrumentDescriptor[] = Object.freeze(Object.values(INSTRUMENTS));
