export {
  JobTelemetry,
  type Failure,
  type JobFailure,
  type JobFacts,
  type OperationSummary,
  type QueueAdapter,
  type QueueConsumer,
  type SpanPlan,
  type Verdict,
  type VerdictOf,
} from './job-telemetry.js';
export { LabelSet } from './labels/label-set.js';
export {
  createLabelGuard,
  DEFAULT_MAX_LENGTH,
  DEFAULT_MAX_VALUES,
  type LabelGuard,
} from './labels/label-guard.js';
export {
  ALL_INSTRUMENTS,
  DEFAULT_CARDINALITY_LIMIT,
  DURATION_BUCKETS,
  INSTRUMENTS,
  WAIT_TIME_BUCKETS,
  type InstrumentDescriptor,
  type InstrumentKind,
  type InstrumentLane,
} from './metrics/instruments.js';
export {
  JobMetrics,
  COMBINATION_LABEL_KEY,
  type JobSeries,
  type QueueMetrics,
} from './metrics/job-metrics.js';
export {
  QueuetelMetricProducer,
  getGlobalMetricProducer,
  setGlobalMetricProducer,
  type ReaderProducer,
} from './metrics/metric-producer.js';
export type { BoundCounter, BoundHistogram, MetricSink } from './metrics/sink.js';
export { exemplarsOf, type Exemplar } from './metrics/exemplars.js';
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
  QUEUETEL_PREFIX,
  ATTR_JOB_ATTEMPT,
  ATTR_JOB_RETRY_COUNT,
  ATTR_JOB_WAIT_TIME,
  ATTR_JOB_OUTCOME,
  ATTR_LABEL_KEY,
  ATTR_LABEL_REASON,
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
  ATTR_QUEUE_SCHEMA,
} from './names.js';
export { resolveOptions, type ResolvedOptions } from './options.js';
export { QueuetelConfigError } from './validation.js';
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
