import type { HrTime } from '@opentelemetry/api';
import type { ScopeMetrics } from './sdk-data.js';

/**
 * Metrics that reach the SDK through a {@link QueuetelMetricProducer} besides the job metrics, such
 * as the queue-health gauges. Asked for its data at each collection, a source reports exactly the
 * points it has then: unlike an observable instrument, a series it no longer reports is gone, with
 * no last value repeated.
 */
export interface MetricSource {
  collect(endTime: HrTime): ScopeMetrics;
}
