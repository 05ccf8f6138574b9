import {
  DURATION_BUCKETS,
  METRIC_JOB_ATTEMPTS,
  METRIC_JOB_DURATION,
  METRIC_JOB_IN_FLIGHT,
  METRIC_JOB_OUTCOMES,
  METRIC_JOB_WAIT_TIME,
  METRIC_LABEL_FOLDED,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_PROCESS_DURATION,
  WAIT_TIME_BUCKETS,
} from '../names.js';

/** What a sink needs to know to create one instrument. */
export interface InstrumentDescriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** `counter` only goes up; `updown` may go down; `histogram` records a distribution. */
  readonly kind: 'counter' | 'updown' | 'histogram';
  /** Explicit bucket boundaries, for histograms. */
  readonly buckets?: readonly number[];
}

/** The instruments behind every job metric, by role. */
export const INSTRUMENTS = {
  jobDuration: {
    name: METRIC_JOB_DURATION,
    description: 'How long a handler ran for one job, by outcome.',
    unit: 's',
    kind: 'histogram',
    buckets: DURATION_BUCKETS,
  },
  jobWaitTime: {
    name: METRIC_JOB_WAIT_TIME,
    description: 'How long a job waited between becoming eligible to run and starting.',
    unit: 's',
    kind: 'histogram',
    buckets: WAIT_TIME_BUCKETS,
  },
  jobAttempts: {
    name: METRIC_JOB_ATTEMPTS,
    description: 'Handler runs, one per job per attempt.',
    unit: '{attempt}',
    kind: 'counter',
  },
  jobOutcomes: {
    name: METRIC_JOB_OUTCOMES,
    description: 'How attempts ended, by outcome; the outcomes sum to the attempts.',
    unit: '{attempt}',
    kind: 'counter',
  },
  jobInFlight: {
    name: METRIC_JOB_IN_FLIGHT,
    description: 'Jobs whose handler is running now.',
    unit: '{job}',
    kind: 'updown',
  },
  labelFolded: {
    name: METRIC_LABEL_FOLDED,
    description: 'Label values replaced by a marker, by label key and reason.',
    unit: '{value}',
    kind: 'counter',
  },
  operationDuration: {
    name: METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
    description: 'Duration of a messaging operation initiated by a producer or consumer client.',
    unit: 's',
    kind: 'histogram',
    buckets: DURATION_BUCKETS,
  },
  processDuration: {
    name: METRIC_MESSAGING_PROCESS_DURATION,
    description: 'Duration of a processing operation.',
    unit: 's',
    kind: 'histogram',
    buckets: DURATION_BUCKETS,
  },
  sentMessages: {
    name: METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
    description: 'Messages a producer attempted to send.',
    unit: '{message}',
    kind: 'counter',
  },
  consumedMessages: {
    name: METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
    description: 'Messages delivered to the application.',
    unit: '{message}',
    kind: 'counter',
  },
} as const satisfies Record<string, InstrumentDescriptor>;
