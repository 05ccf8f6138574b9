import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  Observable,
} from '@opentelemetry/api';
import {
  ATTR_DEAD_LETTER_QUEUE,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ATTR_QUEUE_SCHEMA,
  ATTR_QUEUE_STATE,
  ATTR_WORKER_KIND,
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
import type { HealthSnapshot, QueueSnapshot } from '../snapshot.js';

/** What the gauges show when the SDK reads them. */
export interface GaugeView {
  /** The queues to report: the latest good collection while this instance leads, else nothing. */
  readonly snapshot: HealthSnapshot | undefined;
  readonly leader: boolean;
  /** Seconds since the last good collection, when this instance is the one to say so. */
  readonly stalenessSeconds: number | undefined;
}

/**
 * The Lane A instruments. The queue gauges are observable: they are read from the latest collection
 * when the SDK collects, and report nothing at all when there is no fresh one (the database is down,
 * or another instance leads), so a dashboard shows a gap rather than a stale number.
 */
export class HealthGauges {
  readonly #meter: Meter;
  readonly #duration: Histogram;
  readonly #errors: Counter;
  readonly #observables: Observable[];
  readonly #callback: BatchObservableCallback;

  constructor(meter: Meter, view: () => GaugeView) {
    this.#meter = meter;
    const jobs = meter.createObservableGauge(METRIC_QUEUE_JOBS, {
      description: 'Jobs in a queue, by state.',
      unit: '{job}',
    });
    const oldestAge = meter.createObservableGauge(METRIC_QUEUE_OLDEST_AGE, {
      description: 'How long the oldest job ready to run has waited; 0 when none waits.',
      unit: 's',
    });
    const newestAge = meter.createObservableGauge(METRIC_QUEUE_NEWEST_AGE, {
      description: 'How long ago the newest job of a queue was enqueued.',
      unit: 's',
    });
    const deadLetter = meter.createObservableGauge(METRIC_QUEUE_DEAD_LETTER_JOBS, {
      description: "Jobs waiting in a queue's dead-letter queue.",
      unit: '{job}',
    });
    const enqueued = meter.createObservableCounter(METRIC_QUEUE_ENQUEUED, {
      description: 'Jobs enqueued on a queue, where the queue system keeps the total.',
      unit: '{job}',
    });
    const completed = meter.createObservableCounter(METRIC_QUEUE_COMPLETED, {
      description: 'Jobs completed on a queue, where the queue system keeps the total.',
      unit: '{job}',
    });
    const workers = meter.createObservableGauge(METRIC_WORKERS_LIVE, {
      description: 'Live workers of a queue, by kind.',
      unit: '{worker}',
    });
    const staleness = meter.createObservableGauge(METRIC_COLLECTOR_STALENESS, {
      description: 'Time since the last good collection of the queue-state gauges.',
      unit: 's',
    });
    const leader = meter.createObservableGauge(METRIC_COLLECTOR_LEADER, {
      description: 'Whether this instance holds the collector lock: 1 if so, else 0.',
      unit: '{instance}',
    });
    this.#duration = meter.createHistogram(METRIC_COLLECTOR_DURATION, {
      description: 'How long one collection of the queue-state gauges took.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.#errors = meter.createCounter(METRIC_COLLECTOR_ERRORS, {
      description: 'Collections that failed, by error type.',
      unit: '{error}',
    });
    this.#observables = [
      jobs,
      oldestAge,
      newestAge,
      deadLetter,
      enqueued,
      completed,
      workers,
      staleness,
      leader,
    ];

    this.#callback = (result) => {
      const { snapshot, leader: leads, stalenessSeconds } = view();
      result.observe(leader, leads ? 1 : 0);
      if (stalenessSeconds !== undefined) result.observe(staleness, stalenessSeconds);
      if (!snapshot) return;
      for (const queue of snapshot.queues) {
        const attributes = queueAttributes(queue);
        for (const [state, count] of Object.entries(queue.jobs)) {
          result.observe(jobs, count, { ...attributes, [ATTR_QUEUE_STATE]: state });
        }
        // With no counts known, an age of 0 would read as "nothing waits": say nothing instead.
        if (Object.keys(queue.jobs).length > 0) result.observe(oldestAge, queue.oldestAgeSeconds, attributes);
        if (queue.newestAgeSeconds !== undefined)
          result.observe(newestAge, queue.newestAgeSeconds, attributes);
        if (queue.deadLetter) {
          result.observe(deadLetter, queue.deadLetter.jobs, {
            ...attributes,
            [ATTR_DEAD_LETTER_QUEUE]: queue.deadLetter.name,
          });
        }
        if (queue.enqueued !== undefined) result.observe(enqueued, queue.enqueued, attributes);
        if (queue.completed !== undefined) result.observe(completed, queue.completed, attributes);
        for (const [kind, count] of Object.entries(queue.workers)) {
          result.observe(workers, count, { ...attributes, [ATTR_WORKER_KIND]: kind });
        }
      }
    };
    meter.addBatchObservableCallback(this.#callback, this.#observables);
  }

  recordCollection(durationSeconds: number): void {
    this.#duration.record(durationSeconds);
  }

  recordError(errorType: string): void {
    this.#errors.add(1, { [ATTR_ERROR_TYPE]: errorType });
  }

  /** Stops reporting: a stopped collector leaves no series behind. */
  detach(): void {
    this.#meter.removeBatchObservableCallback(this.#callback, this.#observables);
  }
}

/** The attributes every gauge of one queue carries. */
export function queueAttributes(queue: QueueSnapshot): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: queue.system,
    [ATTR_MESSAGING_DESTINATION_NAME]: queue.name,
    [ATTR_QUEUE_SCHEMA]: queue.schema,
  };
}
