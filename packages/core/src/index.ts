export {
  JobTelemetry,
  type Failure,
  type JobFacts,
  type OperationSummary,
  type QueueAdapter,
  type SpanPlan,
  type Verdict,
} from './job-telemetry.js';
export { LabelSet } from './labels/label-set.js';
export {
  createLabelGuard,
  DEFAULT_MAX_LENGTH,
  DEFAULT_MAX_VALUES,
  type LabelGuard,
} from './labels/label-guard.js';
export { AggregationStore } from './metrics/aggregation-store.js';
export { INSTRUMENTS, type InstrumentDescriptor } from './metrics/instruments.js';
export {
  JobMetrics,
  COMBINATION_LABEL_KEY,
  type JobSeries,
  type QueueMetrics,
} from './metrics/job-metrics.js';
export { MeterSink } from './metrics/meter-sink.js';
export {
  QueuetelMetricProducer,
  getGlobalMetricProducer,
  setGlobalMetricProducer,
} from './metrics/metric-producer.js';
export type { BoundCounter, BoundHistogram, MetricSink } from './metrics/sink.js';
export type { MetricSource } from './metrics/metric-source.js';
export {
  CUMULATIVE,
  GAUGE_POINT,
  HISTOGRAM_POINT,
  SUM_POINT,
  type CollectionResult,
  type DataPoint,
  type GaugeMetricData,
  type HistogramMetricData,
  type HistogramValue,
  type MetricData,
  type ScopeMetrics,
  type SumMetricData,
} from './metrics/sdk-data.js';
export {
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_ERROR_TYPE,
  ERROR_TYPE_OTHER,
  ERROR_TYPE_TIMEOUT,
  OPERATION_TYPE,
  METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
  METRIC_MESSAGING_PROCESS_DURATION,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  DURATION_BUCKETS,
  WAIT_TIME_BUCKETS,
  QUEUETEL_PREFIX,
  ATTR_JOB_ATTEMPT,
  ATTR_JOB_RETRY_COUNT,
  ATTR_JOB_WAIT_TIME,
  ATTR_JOB_OUTCOME,
  ATTR_LABEL_KEY,
  ATTR_LABEL_REASON,
  METRIC_JOB_DURATION,
  METRIC_JOB_WAIT_TIME,
  METRIC_JOB_ATTEMPTS,
  METRIC_JOB_OUTCOMES,
  METRIC_JOB_IN_FLIGHT,
  METRIC_LABEL_FOLDED,
  JOB_OUTCOMES,
  type JobOutcome,
  FOLD_REASONS,
  type FoldReason,
  LABEL_MARKERS,
  LABEL_KEY_PATTERN,
  RESERVED_LABEL_KEYS,
  RESERVED_LABEL_PREFIXES,
  spanName,
  ATTR_QUEUE_STATE,
  ATTR_DEAD_LETTER_QUEUE,
  ATTR_WORKER_KIND,
  QUEUE_STATES,
  WORKER_KINDS,
  METRIC_QUEUE_JOBS,
  METRIC_QUEUE_OLDEST_AGE,
  METRIC_QUEUE_NEWEST_AGE,
  METRIC_QUEUE_DEAD_LETTER_JOBS,
  METRIC_QUEUE_ENQUEUED,
  METRIC_QUEUE_COMPLETED,
  METRIC_WORKERS_LIVE,
  METRIC_COLLECTOR_DURATION,
  METRIC_COLLECTOR_ERRORS,
  METRIC_COLLECTOR_STALENESS,
  METRIC_COLLECTOR_LEADER,
  ATTR_QUEUE_SCHEMA,
} from './names.js';
export {
  QueuetelConfigError,
  expectBoolean,
  expectFunction,
  expectOneOf,
  expectWholeNumber,
  resolveOptions,
  typeName,
  type ResolvedOptions,
} from './options.js';
export { OnceReporter, describe } from './safe.js';
export { extractCarrier, injectCarrier, type Carrier, type ExtractedContext } from './tracing/carrier.js';
export { errorTypeOf, messageOf, recordFailure } from './tracing/errors.js';
export type {
  EndHook,
  InstrumentationOptions,
  LabelDefinition,
  LabelDefinitions,
  LabelScalar,
  ProducerRelationship,
  StartHook,
  ValueSource,
} from './types.js';
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
