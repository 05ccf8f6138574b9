import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_JOB_OUTCOME,
  ATTR_LABEL_KEY,
  ATTR_LABEL_REASON,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_SYSTEM,
  ERROR_TYPE_OTHER,
  FOLD_REASONS,
  LABEL_MARKERS,
  type FoldReason,
  type JobOutcome,
} from '../names.js';
import { INSTRUMENTS } from './instruments.js';
import type { BoundCounter, BoundHistogram, MetricSink } from './sink.js';

/** Distinct `error.type` values tracked before new ones are recorded as `_OTHER`. */
const MAX_ERROR_TYPES = 50;

/** The label key the fold counter names when the combination cap, not one key, was hit. */
export const COMBINATION_LABEL_KEY = '_combination';

export interface JobMetricsConfig {
  readonly sink: MetricSink;
  readonly system: string;
  readonly labelKeys: readonly string[];
  readonly maxLabelCombinations: number;
  readonly maxQueues: number;
}

/**
 * The metrics of one instrumentation, bound per queue and per label combination. Everything that
 * costs (attribute sets, cells, map entries) happens the first time a combination is seen; after
 * that a job touches only bound handles.
 */
export class JobMetrics {
  readonly #config: JobMetricsConfig;
  readonly #queues = new Map<string, QueueMetrics>();
  #overflowQueue: QueueMetrics | undefined;
  readonly #seriesIndex = new Map<string, SeriesNode>();
  #seriesCount = 0;
  #overflowSeries: JobSeries | undefined;
  readonly #budget: SeriesBudget;
  readonly #folds = new Map<string, BoundCounter>();
  readonly #errorTypes = new Set<string>();
  readonly #overflowValues: readonly string[];

  constructor(config: JobMetricsConfig) {
    this.#config = config;
    this.#overflowValues = config.labelKeys.map(() => LABEL_MARKERS.overflow);
    this.#budget = new SeriesBudget(config, (instrument) => this.fold(instrument, FOLD_REASONS.series_limit));
  }

  /** Counts one label value replaced by a marker. */
  fold(key: string, reason: FoldReason): void {
    const id = `${key}\u0001${reason}`;
    let counter = this.#folds.get(id);
    if (!counter) {
      counter = this.#config.sink.counter(INSTRUMENTS.labelFolded, {
        [ATTR_MESSAGING_SYSTEM]: this.#config.system,
        [ATTR_LABEL_KEY]: key,
        [ATTR_LABEL_REASON]: reason,
      });
      this.#folds.set(id, counter);
    }
    counter.add(1);
  }

  /** The messaging metrics of one queue. Past `maxQueues` names, new ones share `_overflow`. */
  queue(name: string): QueueMetrics {
    let queue = this.#queues.get(name);
    if (queue) return queue;
    if (this.#queues.size >= this.#config.maxQueues) {
      this.fold(ATTR_MESSAGING_DESTINATION_NAME, FOLD_REASONS.overflow);
      this.#overflowQueue ??= new QueueMetrics(
        this.#config,
        LABEL_MARKERS.overflow,
        (raw) => this.errorType(raw),
        this.#budget,
      );
      return this.#overflowQueue;
    }
    queue = new QueueMetrics(this.#config, name, (raw) => this.errorType(raw), this.#budget);
    this.#queues.set(name, queue);
    return queue;
  }

  /** Where the series of one queue are indexed; a consumer of the queue looks it up once. */
  seriesRoot(queue: QueueMetrics): SeriesNode {
    let root = this.#seriesIndex.get(queue.name);
    if (!root) {
      root = {};
      this.#seriesIndex.set(queue.name, root);
    }
    return root;
  }

  /** The job metrics of one queue and label combination. */
  series(
    queue: QueueMetrics,
    labelValues: readonly string[],
    root: SeriesNode | undefined = this.#seriesIndex.get(queue.name),
  ): JobSeries {
    // One map per label, walked value by value, rather than one map keyed by the values joined into
    // a string: a job builds and hashes no new string here. The walk only reads; nodes are added
    // when a series is created, so combinations refused by the cap leave nothing behind.
    let node = root;
    for (let i = 0; node !== undefined && i < labelValues.length; i++) node = node.next?.get(labelValues[i]!);
    return node?.series ?? this.#addSeries(queue, labelValues);
  }

  #addSeries(queue: QueueMetrics, labelValues: readonly string[]): JobSeries {
    if (this.#seriesCount >= this.#config.maxLabelCombinations) {
      this.fold(COMBINATION_LABEL_KEY, FOLD_REASONS.series_limit);
      return this.#overflowSeriesOf();
    }
    let node = this.#seriesIndex.get(queue.name);
    if (!node) {
      node = {};
      this.#seriesIndex.set(queue.name, node);
    }
    for (const value of labelValues) {
      node.next ??= new Map();
      let child = node.next.get(value);
      if (!child) {
        child = {};
        node.next.set(value, child);
      }
      node = child;
    }
    this.#seriesCount++;
    node.series = new JobSeries(
      this.#config,
      queue.name,
      labelValues,
      (raw) => this.errorType(raw),
      this.#budget,
    );
    return node.series;
  }

  /** Bounds the distinct `error.type` values, which come from code but are not declared anywhere. */
  errorType(raw: string): string {
    if (this.#errorTypes.has(raw)) return raw;
    if (this.#errorTypes.size >= MAX_ERROR_TYPES) return ERROR_TYPE_OTHER;
    this.#errorTypes.add(raw);
    return raw;
  }

  /** The one series every combination past the cap shares, whatever its queue. */
  #overflowSeriesOf(): JobSeries {
    this.#overflowSeries ??= new JobSeries(
      this.#config,
      LABEL_MARKERS.overflow,
      this.#overflowValues,
      (raw) => this.errorType(raw),
      this.#budget,
    );
    return this.#overflowSeries;
  }
}

type ErrorTypeBound = (raw: string) => string;

/** A level of the series index: each label value leads to the next level; the last holds the series. */
export interface SeriesNode {
  next?: Map<string, SeriesNode>;
  series?: JobSeries;
}

/**
 * The messaging-convention metrics of one queue; they carry no domain labels. Each is bound on
 * first use, so an instrumentation that leaves them to someone else reports none of them.
 */
export class QueueMetrics {
  readonly #config: JobMetricsConfig;
  readonly #handles = new Map<string, BoundCounter | BoundHistogram>();
  readonly #boundErrorType: ErrorTypeBound;
  readonly #budget: SeriesBudget;
  #starts: QueueStarts | undefined;

  constructor(
    config: JobMetricsConfig,
    readonly name: string,
    boundErrorType: ErrorTypeBound,
    budget: SeriesBudget,
  ) {
    this.#config = config;
    this.#boundErrorType = boundErrorType;
    this.#budget = budget;
  }

  /**
   * The job metrics kept per queue, not per label combination: attempts and jobs in flight, which the
   * outcomes already count by label, and wait times, since the jobs of one queue wait in one line.
   * Labelled copies would re-send a dozen near-identical series every export.
   */
  starts(): QueueStarts {
    if (!this.#starts) {
      const attributes: Attributes = Object.freeze({
        [ATTR_MESSAGING_SYSTEM]: this.#config.system,
        [ATTR_MESSAGING_DESTINATION_NAME]: this.name,
      });
      this.#starts = {
        attempts: this.#config.sink.counter(INSTRUMENTS.jobAttempts, attributes),
        inFlight: this.#config.sink.counter(INSTRUMENTS.jobInFlight, attributes),
        waitTime: this.#config.sink.histogram(INSTRUMENTS.jobWaitTime, attributes),
      };
    }
    return this.#starts;
  }

  /** `messaging.client.consumed.messages`: messages delivered to the application. */
  consumed(): BoundCounter {
    return this.#handle(INSTRUMENTS.consumedMessages.name, 'consumed', 'process', undefined, (attributes) =>
      this.#config.sink.counter(INSTRUMENTS.consumedMessages, attributes),
    ) as BoundCounter;
  }

  /** `messaging.process.duration`, per process span. */
  processDuration(errorType: string | undefined): BoundHistogram {
    return this.#handle(INSTRUMENTS.processDuration.name, 'process', 'process', errorType, (attributes) =>
      this.#config.sink.histogram(INSTRUMENTS.processDuration, attributes),
    ) as BoundHistogram;
  }

  /** `messaging.client.operation.duration` for a send, receive or settle call. */
  operationDuration(operation: string, errorType: string | undefined): BoundHistogram {
    return this.#handle(
      INSTRUMENTS.operationDuration.name,
      `duration:${operation}`,
      operation,
      errorType,
      (attributes) => this.#config.sink.histogram(INSTRUMENTS.operationDuration, attributes),
    ) as BoundHistogram;
  }

  /** `messaging.client.sent.messages` for one send operation. */
  sent(operation: string, errorType: string | undefined): BoundCounter {
    return this.#handle(
      INSTRUMENTS.sentMessages.name,
      `sent:${operation}`,
      operation,
      errorType,
      (attributes) => this.#config.sink.counter(INSTRUMENTS.sentMessages, attributes),
    ) as BoundCounter;
  }

  #handle(
    instrument: string,
    role: string,
    operation: string,
    errorType: string | undefined,
    bind: (attributes: Attributes) => BoundCounter | BoundHistogram,
  ): BoundCounter | BoundHistogram {
    const bounded = errorType === undefined ? undefined : this.#boundErrorType(errorType);
    const id = bounded === undefined ? role : `${role}\u0001${bounded}`;
    let handle = this.#handles.get(id);
    if (!handle) {
      if (!this.#budget.take(instrument)) {
        return this.#budget.overflow(instrument, (attributes) =>
          bind({ ...attributes, [ATTR_MESSAGING_OPERATION_NAME]: LABEL_MARKERS.overflow }),
        );
      }
      const attributes: Attributes = {
        [ATTR_MESSAGING_SYSTEM]: this.#config.system,
        [ATTR_MESSAGING_OPERATION_NAME]: operation,
        [ATTR_MESSAGING_DESTINATION_NAME]: this.name,
      };
      if (bounded !== undefined) attributes[ATTR_ERROR_TYPE] = bounded;
      handle = bind(attributes);
      this.#handles.set(id, handle);
    }
    return handle;
  }
}

/** The job metrics recorded as attempts start, per queue. */
export interface QueueStarts {
  readonly attempts: BoundCounter;
  readonly inFlight: BoundCounter;
  readonly waitTime: BoundHistogram;
}

/** The Lane B metrics of one queue and label combination. */
export class JobSeries {
  readonly attributes: Attributes;
  readonly #sink: MetricSink;
  readonly #ends = new Map<string, JobEnd>();
  readonly #boundErrorType: ErrorTypeBound;
  readonly #budget: SeriesBudget;

  constructor(
    config: JobMetricsConfig,
    queue: string,
    labelValues: readonly string[],
    boundErrorType: ErrorTypeBound,
    budget: SeriesBudget,
  ) {
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: config.system,
      [ATTR_MESSAGING_DESTINATION_NAME]: queue,
    };
    config.labelKeys.forEach((key, i) => (attributes[key] = labelValues[i]));
    this.attributes = Object.freeze(attributes);
    this.#sink = config.sink;
    this.#boundErrorType = boundErrorType;
    this.#budget = budget;
  }

  /** The handles that record how an attempt ended. */
  end(outcome: JobOutcome, errorType: string | undefined): JobEnd {
    const bounded = errorType === undefined ? undefined : this.#boundErrorType(errorType);
    const id = bounded === undefined ? outcome : `${outcome}\u0001${bounded}`;
    const end = this.#ends.get(id);
    if (end) return end;
    // Outcomes and error types multiply the label combinations: each new pair is one more series of
    // both instruments, so it is made only while the instrumentation's budget lasts.
    if (!this.#budget.take(INSTRUMENTS.jobOutcomes.name)) {
      return this.#budget.overflow(INSTRUMENTS.jobOutcomes.name, (attributes) => ({
        outcomes: this.#sink.counter(INSTRUMENTS.jobOutcomes, {
          ...attributes,
          [ATTR_JOB_OUTCOME]: LABEL_MARKERS.overflow,
        }),
        duration: this.#sink.histogram(INSTRUMENTS.jobDuration, {
          ...attributes,
          [ATTR_JOB_OUTCOME]: LABEL_MARKERS.overflow,
        }),
      }));
    }
    const attributes: Attributes = { ...this.attributes, [ATTR_JOB_OUTCOME]: outcome };
    if (bounded !== undefined) attributes[ATTR_ERROR_TYPE] = bounded;
    const made = {
      outcomes: this.#sink.counter(INSTRUMENTS.jobOutcomes, attributes),
      duration: this.#sink.histogram(INSTRUMENTS.jobDuration, attributes),
    };
    this.#ends.set(id, made);
    return made;
  }
}

export interface JobEnd {
  readonly outcomes: BoundCounter;
  readonly duration: BoundHistogram;
}

/**
 * How many series each instrument has made in one instrumentation. Queue names, label values,
 * outcomes and error types multiply; whatever they multiply to, an instrument makes at most
 * `maxLabelCombinations` series, then records into one overflow series whose every attribute but the
 * system is `_overflow`. Each recording there adds one to `queuetel.label.folded`, under the
 * instrument's name and reason `series_limit`.
 */
export class SeriesBudget {
  readonly #config: JobMetricsConfig;
  readonly #folded: (instrument: string) => void;
  readonly #made = new Map<string, number>();
  readonly #overflows = new Map<string, unknown>();
  readonly #overflowAttributes: Attributes;

  constructor(config: JobMetricsConfig, folded: (instrument: string) => void) {
    this.#config = config;
    this.#folded = folded;
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: config.system,
      [ATTR_MESSAGING_DESTINATION_NAME]: LABEL_MARKERS.overflow,
    };
    for (const key of config.labelKeys) attributes[key] = LABEL_MARKERS.overflow;
    this.#overflowAttributes = Object.freeze(attributes);
  }

  /** Whether `instrument` may make one more series; counts it when it may. */
  take(instrument: string): boolean {
    const made = this.#made.get(instrument) ?? 0;
    if (made >= this.#config.maxLabelCombinations) return false;
    this.#made.set(instrument, made + 1);
    return true;
  }

  /** The overflow series of `instrument`, made on first use by `make`; counts one fold. */
  overflow<Handle>(instrument: string, make: (attributes: Attributes) => Handle): Handle {
    this.#folded(instrument);
    let handle = this.#overflows.get(instrument) as Handle | undefined;
    if (handle === undefined) {
      handle = make(this.#overflowAttributes);
      this.#overflows.set(instrument, handle);
    }
    return handle;
  }
}
