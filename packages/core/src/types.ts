import type { MeterProvider, Span, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import type { QueuetelMetricProducer } from './metrics/metric-producer.js';

/**
 * Where a label's value comes from: a dotted path into the job (`'data.tenant'`,
 * `'headers.x-project'`), or a function of the job. A path is compiled once, at construction.
 */
export type ValueSource<Job> = string | ((job: Job) => unknown);

/** A scalar a label value may start as; anything else is `_invalid`. */
export type LabelScalar = string | number | boolean;

/** One bounded domain label: a key the user declares, read from every job. */
export interface LabelDefinition<Job> {
  /** Where the value comes from. */
  from: ValueSource<Job>;
  /**
   * Maps a raw value to the value recorded, for example `503` to `'5xx'`. Runs before the
   * allow-list and the cap. Return `undefined` to record the value as `_missing`.
   */
  normalize?: (value: LabelScalar) => LabelScalar | undefined;
  /** The only values recorded; any other becomes `_other`. */
  values?: readonly string[];
  /** Distinct values kept before new ones fold into `_overflow`. Default 50. */
  maxValues?: number;
  /** Longest value kept, in characters; a longer one becomes `_invalid`. Default 100. */
  maxLength?: number;
}

/** A map from label key (snake_case, such as `project` or `http_status_code`) to its definition. */
export type LabelDefinitions<Job> = Readonly<Record<string, LabelDefinition<Job>>>;

/**
 * How a process span relates to the span that sent its job.
 * - `link` (default): a new trace, linked to each job's producer, as the conventions recommend.
 * - `child`: a single job's process span continues the producer's trace. A batch span cannot have
 *   several parents, so a batch of more than one still links.
 * - `none`: neither parent nor links.
 */
export type ProducerRelationship = 'link' | 'child' | 'none';

/** Called when a process span starts; add attributes to it. Runs only for recording spans. */
export type StartHook<Job> = (span: Span, jobs: readonly Job[]) => void;

/** Called before a process span ends; `error` is what the handler threw, or undefined. */
export type EndHook<Job> = (span: Span, jobs: readonly Job[], error: unknown) => void;

/** The options every queuetel instrumentation takes. Every field is optional. */
export interface InstrumentationOptions<Job> {
  /** Where spans go. Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go through the plain Meter API. Used when no {@link metricProducer} is given and
   * none was installed globally (as `@queuetel/node` does). Default: the global meter provider.
   */
  meterProvider?: MeterProvider;
  /**
   * The fast path: job metrics are pre-aggregated in process and handed to the SDK by this producer
   * at collection time. Default: the producer installed globally, if any.
   */
  metricProducer?: QueuetelMetricProducer;
  /** How trace context is written to and read from jobs. Default: the global propagator. */
  propagator?: TextMapPropagator;
  /** The bounded domain labels, fixed for the life of the instrumentation. */
  labels?: LabelDefinitions<Job>;
  /** How a process span relates to its producer. Default `link`. */
  producerRelationship?: ProducerRelationship;
  /** Record spans. Default true. */
  tracing?: boolean;
  /** Record metrics. Default true. */
  metrics?: boolean;
  /**
   * Put a failure's message and stack on its span (the exception event and the span status). Default
   * true. `false` keeps only the error's type: for handlers whose errors may quote the data they
   * were processing.
   */
  exceptionMessages?: boolean;
  /** Adds attributes when a process span starts. A hook that throws is logged, never passed on. */
  startHook?: StartHook<Job>;
  /** Adds attributes before a process span ends. A hook that throws is logged, never passed on. */
  endHook?: EndHook<Job>;
  /**
   * Distinct combinations of queue and label values tracked before new ones fold into one
   * `_overflow` combination; also the most series any one instrument makes, plus one overflow
   * series. Default 500.
   */
  maxLabelCombinations?: number;
  /** Distinct queue names tracked before new ones fold into `_overflow`. Default 200. */
  maxQueues?: number;
  /**
   * Let database instrumentations (such as `@opentelemetry/instrumentation-pg`) trace the queue's
   * polling and bookkeeping queries: fetch loops, maintenance, LISTEN, heartbeats. They run with
   * tracing suppressed otherwise, so an idle worker makes no spans; sends and the handlers' own work
   * are traced either way. Default false.
   */
  tracePolling?: boolean;
}
