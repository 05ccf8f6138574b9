import { INSTRUMENTS, type InstrumentDescriptor } from '@queuetel/core';

/** The collector's instruments, by role; each is described in core's instrument registry. */
export const HEALTH_INSTRUMENTS = {
  jobs: INSTRUMENTS.queueJobs,
  oldestAge: INSTRUMENTS.queueOldestAge,
  newestAge: INSTRUMENTS.queueNewestAge,
  deadLetterJobs: INSTRUMENTS.queueDeadLetterJobs,
  enqueued: INSTRUMENTS.queueEnqueued,
  completed: INSTRUMENTS.queueCompleted,
  workersLive: INSTRUMENTS.workersLive,
  staleness: INSTRUMENTS.collectorStaleness,
  leader: INSTRUMENTS.collectorLeader,
  duration: INSTRUMENTS.collectorDuration,
  errors: INSTRUMENTS.collectorErrors,
  ended: INSTRUMENTS.queueEnded,
} as const;

/**
 * The instruments read from the latest collection, in the order they are reported: every one but
 * the two the collector records as it runs.
 */
export const OBSERVED_INSTRUMENTS: readonly InstrumentDescriptor[] = Object.values(HEALTH_INSTRUMENTS).filter(
  (instrument) => instrument !== HEALTH_INSTRUMENTS.duration && instrument !== HEALTH_INSTRUMENTS.errors,
);
