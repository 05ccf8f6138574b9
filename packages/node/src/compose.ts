import type { ViewOptions } from '@opentelemetry/sdk-metrics';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { QueuetelMetricProducer, setGlobalMetricProducer } from '@queuetel/core';
import { QueuetelConfigError, expectWholeNumber } from '@queuetel/core/internal';
import { metricReadersFromEnv } from './metric-readers.js';
import { queuetelViews } from './views.js';

/** What a user's own SDK needs from queuetel: its producer, for each metric reader, and its views. */
export interface QueuetelMetrics {
  /**
   * Give it to a metric reader as `metricProducers: [metricProducer]`, or to each of several as
   * `[metricProducer.forReader()]` (each then gets every exemplar). Also installed as the global one.
   */
  readonly metricProducer: QueuetelMetricProducer;
  /** Add them to the MeterProvider's (or NodeSDK's) `views`. */
  readonly views: ViewOptions[];
}

export interface QueuetelMetricsOptions {
  /** Series each queuetel instrument may hold on the Meter API path. Default: each instrument's own. */
  cardinalityLimit?: number;
}

/**
 * queuetel's metric producer and views, for an SDK the application builds itself. The producer is
 * installed as the global one, so instrumentations made from now on (`PgBossInstrumentation`'s
 * instances, `instrumentPgBoss()`, pgmq consumers) take the pre-aggregated path into it.
 */
export function queuetelMetrics(options: QueuetelMetricsOptions = {}): QueuetelMetrics {
  expectWholeNumber('cardinalityLimit', options.cardinalityLimit, 1, 1_000_000);
  const metricProducer = new QueuetelMetricProducer();
  setGlobalMetricProducer(metricProducer);
  return { metricProducer, views: queuetelViews(options.cardinalityLimit) };
}

/**
 * A user's `NodeSDK` configuration with queuetel added: its views after the user's own, and the
 * metric readers `OTEL_METRICS_EXPORTER` chooses, each with queuetel's producer attached.
 *
 * ```ts
 * const sdk = new NodeSDK(withQueuetel({ instrumentations: [new PgBossInstrumentation()] }));
 * sdk.start();
 * ```
 *
 * Readers built by the application cannot take the producer afterwards: with your own
 * `metricReaders`, use {@link queuetelMetrics} and pass `metricProducers` to each reader instead.
 */
export function withQueuetel(
  config: Partial<NodeSDKConfiguration> = {},
  options: QueuetelMetricsOptions = {},
): Partial<NodeSDKConfiguration> {
  if (config.metricReaders !== undefined) {
    throw new QueuetelConfigError(
      'metricReaders',
      "are already built and cannot take queuetel's metric producer; use queuetelMetrics() and give each reader metricProducers: [metricProducer]",
    );
  }
  const { metricProducer, views } = queuetelMetrics(options);
  const { readers } = metricReadersFromEnv({ metricProducers: [metricProducer] });
  return { ...config, views: [...(config.views ?? []), ...views], metricReaders: readers };
}
