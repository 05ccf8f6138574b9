export {
  startTelemetry,
  ExistingSdkError,
  TelemetryAlreadyStartedError,
  type Telemetry,
} from './start-telemetry.js';
export {
  queuetelMetrics,
  withQueuetel,
  type QueuetelMetrics,
  type QueuetelMetricsOptions,
} from './compose.js';
export { metricReadersFromEnv, type EnvMetricReaders, type MetricReaderOptions } from './metric-readers.js';
export {
  DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  type TelemetryOptions,
} from './options.js';
export { queuetelViews } from './views.js';
export { DEFAULT_CARDINALITY_LIMIT } from '@queuetel/core';
