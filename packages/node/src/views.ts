import { AggregationType, InstrumentType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import {
  DURATION_BUCKETS,
  METRIC_COLLECTOR_DURATION,
  METRIC_COLLECTOR_ERRORS,
  METRIC_COLLECTOR_LEADER,
  METRIC_COLLECTOR_STALENESS,
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
  METRIC_QUEUE_COMPLETED,
  METRIC_QUEUE_DEAD_LETTER_JOBS,
  METRIC_QUEUE_ENQUEUED,
  METRIC_QUEUE_JOBS,
  METRIC_QUEUE_NEWEST_AGE,
  METRIC_QUEUE_OLDEST_AGE,
  METRIC_WORKERS_LIVE,
  WAIT_TIME_BUCKETS,
} from '@queuetel/core';

/**
 * Series each queuetel instrument may hold before the SDK folds the rest into one
 * `otel.metric.overflow` series. The label caps of an instrumentation (500 label combinations by
 * default) are what bound series in practice; this is the backstop behind them, with room for
 * about four outcome and `error.type` variants per combination.
 */
export const DEFAULT_CARDINALITY_LIMIT = 2000;

/** Histograms in seconds that take the messaging conventions' advised buckets (5 ms to 10 s). */
const DURATION_HISTOGRAMS = [
  METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
  METRIC_MESSAGING_PROCESS_DURATION,
  METRIC_JOB_DURATION,
  METRIC_COLLECTOR_DURATION,
];

/** Histograms of time spent waiting in a queue, which runs to hours when a queue backs up. */
const WAIT_HISTOGRAMS = [METRIC_JOB_WAIT_TIME];

/** Every other instrument queuetel (or pg-boss, for the messaging names) records. */
const OTHER_INSTRUMENTS = [
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_JOB_ATTEMPTS,
  METRIC_JOB_OUTCOMES,
  METRIC_JOB_IN_FLIGHT,
  METRIC_LABEL_FOLDED,
  METRIC_QUEUE_JOBS,
  METRIC_QUEUE_OLDEST_AGE,
  METRIC_QUEUE_NEWEST_AGE,
  METRIC_QUEUE_DEAD_LETTER_JOBS,
  METRIC_QUEUE_ENQUEUED,
  METRIC_QUEUE_COMPLETED,
  METRIC_WORKERS_LIVE,
  METRIC_COLLECTOR_ERRORS,
  METRIC_COLLECTOR_STALENESS,
  METRIC_COLLECTOR_LEADER,
];

/**
 * The SDK views for queuetel's instruments and the messaging-convention instruments: explicit
 * buckets for every histogram in seconds and a cardinality limit for each.
 *
 * Views apply to metrics recorded through the Meter API: pg-boss's built-in telemetry,
 * instrumentations given an explicit `meterProvider`, and the queue-health gauges. Metrics that
 * take queuetel's pre-aggregated path already carry these buckets and are bounded by the label caps.
 *
 * Exactly one view matches each instrument, because the SDK makes one stream per matching view
 * and two would report the metric twice.
 */
export function queuetelViews(cardinalityLimit = DEFAULT_CARDINALITY_LIMIT): ViewOptions[] {
  const histogram = (name: string, boundaries: readonly number[]): ViewOptions => ({
    instrumentName: name,
    // Only a histogram can take bucket boundaries; an instrument of another kind under the same
    // name keeps the SDK's default rather than failing.
    instrumentType: InstrumentType.HISTOGRAM,
    aggregation: {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: { boundaries: [...boundaries] },
    },
    aggregationCardinalityLimit: cardinalityLimit,
  });
  return [
    ...DURATION_HISTOGRAMS.map((name) => histogram(name, DURATION_BUCKETS)),
    ...WAIT_HISTOGRAMS.map((name) => histogram(name, WAIT_TIME_BUCKETS)),
    ...OTHER_INSTRUMENTS.map((name) => ({
      instrumentName: name,
      aggregationCardinalityLimit: cardinalityLimit,
    })),
  ];
}
