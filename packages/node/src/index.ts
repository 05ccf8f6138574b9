export { startTelemetry, TelemetryAlreadyStartedError, type Telemetry } from './start-telemetry.js';
export {
  DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  type TelemetryOptions,
} from './options.js';
export { queuetelViews } from './views.js';
export { DEFAULT_CARDINALITY_LIMIT } from '@queuetel/core';
