import {
  ATTR_DEAD_LETTER_QUEUE,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ATTR_QUEUE_STATE,
  ATTR_WORKER_KIND,
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
import type { MetricKind } from '@queuetel/node';

/** A metric as the SDK exports it: enough to know its Prometheus name and labels. */
export interface EmittedMetric {
  readonly name: string;
  readonly unit: string;
  readonly kind: MetricKind;
  readonly attributes: readonly string[];
}

const QUEUE = [ATTR_MESSAGING_SYSTEM, ATTR_MESSAGING_DESTINATION_NAME];

/**
 * The Lane A queue-state metrics, as core's names.ts defines their names, kinds and units, and with
 * the attributes its doc comments give them (every queue gauge also names its system and queue).
 *
 * The queue-health collector that emits them is being built beside this; until it lands, the
 * dashboard and alert names are checked against this list. To check them against real emission,
 * replace this function's body with the metrics an OtlpReceiver (test/harness/otlp-receiver.ts)
 * gets from a running collector, as test/node/otlp-export.test.ts does for Lane B.
 */
export function laneAMetrics(): EmittedMetric[] {
  return [
    { name: METRIC_QUEUE_JOBS, unit: '{job}', kind: 'gauge', attributes: [...QUEUE, ATTR_QUEUE_STATE] },
    { name: METRIC_QUEUE_OLDEST_AGE, unit: 's', kind: 'gauge', attributes: QUEUE },
    { name: METRIC_QUEUE_NEWEST_AGE, unit: 's', kind: 'gauge', attributes: QUEUE },
    {
      name: METRIC_QUEUE_DEAD_LETTER_JOBS,
      unit: '{job}',
      kind: 'gauge',
      attributes: [...QUEUE, ATTR_DEAD_LETTER_QUEUE],
    },
    { name: METRIC_QUEUE_ENQUEUED, unit: '{job}', kind: 'counter', attributes: QUEUE },
    { name: METRIC_QUEUE_COMPLETED, unit: '{job}', kind: 'counter', attributes: QUEUE },
    { name: METRIC_WORKERS_LIVE, unit: '{worker}', kind: 'gauge', attributes: [...QUEUE, ATTR_WORKER_KIND] },
    { name: METRIC_COLLECTOR_DURATION, unit: 's', kind: 'histogram', attributes: [] },
    { name: METRIC_COLLECTOR_ERRORS, unit: '{error}', kind: 'counter', attributes: [ATTR_ERROR_TYPE] },
    { name: METRIC_COLLECTOR_STALENESS, unit: 's', kind: 'gauge', attributes: [] },
    { name: METRIC_COLLECTOR_LEADER, unit: '{instance}', kind: 'gauge', attributes: [] },
  ];
}
