/**
 * `@queuetel/core/internal`: what queuetel's own packages share and users never need: option
 * checks, diagnostics, the heartbeat's SQL, carriers, error classes and the aggregation store.
 * Nothing here is covered by semver.
 */
export {
  QueuetelConfigError,
  expectBoolean,
  expectFunction,
  expectKnownKeys,
  expectOneOf,
  expectWholeNumber,
  typeName,
} from './validation.js';
export { OnceReporter, describe } from './safe.js';
export { extractCarrier, injectCarrier, type Carrier, type ExtractedContext } from './tracing/carrier.js';
export { runTraced, runUntraced } from './tracing/polling.js';
export { errorTypeOf, messageOf, recordFailure, recordQueueFailure } from './tracing/errors.js';
export { PG_BOSS_EXPIRY_MESSAGES, PG_BOSS_EXPIRY_OUTPUTS } from './pg-boss-expiry.js';
export { AggregationStore } from './metrics/aggregation-store.js';
export { attachExemplars } from './metrics/exemplars.js';
export { MeterSink } from './metrics/meter-sink.js';
export {
  beatHeartbeat,
  CREATE_HEARTBEAT_TABLE,
  HEARTBEAT_QUIET_BEATS,
  HEARTBEAT_TABLE,
  LIVE_HEARTBEAT,
  type HeartbeatAnnouncement,
  type HeartbeatBeat,
  type HeartbeatDatabase,
} from './heartbeat.js';
