import {
  DURATION_BUCKETS,
  METRIC_COLLECTOR_DURATION,
  METRIC_COLLECTOR_ERRORS,
  METRIC_COLLECTOR_LEADER,
  METRIC_COLLECTOR_STALENESS,
  METRIC_QUEUE_COMPLETED,
  METRIC_QUEUE_DEAD_LETTER_JOBS,
  METRIC_QUEUE_ENQUEUED,
  METRIC_QUEUE_JOBS,
  METRIC_QUEUE_NEWEST_AGE,
  METRIC_QUEUE_OLDEST_AGE,
  METRIC_WORKERS_LIVE,
} from '@queuetel/core';

/** One Lane A instrument: read from the latest collection (`gauge`, `observedCounter`) or recorded. */
export interface HealthInstrument {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: 'gauge' | 'observedCounter' | 'counter' | 'histogram';
  readonly buckets?: readonly number[];
}

/** Every instrument of the collector, by role. Names come from core's names.ts. */
export const HEALTH_INSTRUMENTS = {
  jobs: {
    name: METRIC_QUEUE_JOBS,
    description: 'Jobs in a queue, by state.',
    unit: '{job}',
    kind: 'gauge',
  },
  oldestAge: {
    name: METRIC_QUEUE_OLDEST_AGE,
    description: 'How long the oldest job ready to run has waited; 0 when none waits.',
    unit: 's',
    kind: 'gauge',
  },
  newestAge: {
    name: METRIC_QUEUE_NEWEST_AGE,
    description: 'How long ago the newest job of a queue was enqueued.',
    unit: 's',
    kind: 'gauge',
  },
  deadLetterJobs: {
    name: METRIC_QUEUE_DEAD_LETTER_JOBS,
    description: "Jobs waiting in a queue's dead-letter queue.",
    unit: '{job}',
    kind: 'gauge',
  },
  enqueued: {
    name: METRIC_QUEUE_ENQUEUED,
    description: 'Jobs enqueued on a queue, where the queue system keeps the total.',
    unit: '{job}',
    kind: 'observedCounter',
  },
  completed: {
    name: METRIC_QUEUE_COMPLETED,
    description: 'Jobs completed on a queue, where the queue system keeps the total.',
    unit: '{job}',
    kind: 'observedCounter',
  },
  workersLive: {
    name: METRIC_WORKERS_LIVE,
    description: 'Live workers of a queue, by kind.',
    unit: '{worker}',
    kind: 'gauge',
  },
  staleness: {
    name: METRIC_COLLECTOR_STALENESS,
    description: 'Time since the last good collection of the queue-state gauges.',
    unit: 's',
    kind: 'gauge',
  },
  leader: {
    name: METRIC_COLLECTOR_LEADER,
    description: 'Whether this instance holds the collector lock: 1 if so, else 0.',
    unit: '{instance}',
    kind: 'gauge',
  },
  duration: {
    name: METRIC_COLLECTOR_DURATION,
    description: 'How long one collection of the queue-state gauges took.',
    unit: 's',
    kind: 'histogram',
    buckets: DURATION_BUCKETS,
  },
  errors: {
    name: METRIC_COLLECTOR_ERRORS,
    description: 'Collections that failed, by error type.',
    unit: '{error}',
    kind: 'counter',
  },
} as const satisfies Record<string, HealthInstrument>;

/** The instruments read from the latest collection, in the order they are reported. */
export const OBSERVED_INSTRUMENTS: readonly HealthInstrument[] = Object.values(HEALTH_INSTRUMENTS).filter(
  (instrument) => instrument.kind === 'gauge' || instrument.kind === 'observedCounter',
);
