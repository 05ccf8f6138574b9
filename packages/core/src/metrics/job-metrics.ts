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
  /** Per queue, the series its combinations past the cap share; see {@link JobMetrics.series}. */
  readonly #overflowSeries = new Map<QueueMetrics, JobSeries>();
  /** The duration handles every overflow series shares, so each is budgeted once. */
  readonly #overflowDurations = new Map<string, BoundHistogram>();
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
      return this.#overflowSeriesOf(queue);
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
      queue,
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

  /**
   * The series a queue's combinations past the cap share. Their wait times and durations go to one
   * overflow series whatever the queue; their outcomes still count on their own queue, which carries
   * no labels to fold, so the per-queue outcomes stay exact past the cap.
   */
  #overflowSeriesOf(queue: QueueMetrics): JobSeries {
    let series = this.#overflowSeries.get(queue);
    if (!series) {
      series = new JobSeries(
        this.#config,
        queue,
        LABEL_MARKERS.overflow,
        this.#overflowValues,
        (raw) => this.errorType(raw),
        this.#budget,
        this.#overflowDurations,
      );
      this.#overflowSeries.set(queue, series);
    }
    return series;
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
   * The job metrics kept per queue, not per label combination: attempts and jobs in flight (and the
   * outcomes, {@link QueueMetrics.outcomes}). The duration histogram already counts ended attempts
   * by label, outcome and error type (its count is that count, as `http.server.request.duration`'s
   * is the HTTP conventions' request count), so labelled counters would re-send a dozen
   * near-identical series every export. Wait times stay per label combination: how long one
   * project's or endpoint's jobs wait is a question the queue's own figure cannot answer.
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
      };
    }
    return this.#starts;
  }

  /**
   * `queuetel.job.outcomes`: how the queue's attempts ended, without domain labels; they sum to its
   * attempts. An attempt no worker saw end (see `QueueConsumer.lost`) is counted here only: it has no
   * duration. Past the budget, new series share one whose queue and outcome are `_overflow`.
   */
  outcomes(outcome: JobOutcome, errorType: string | undefined): BoundCounter {
    const bounded = errorType === undefined ? undefined : this.#boundErrorType(errorType);
    const id = bounded === undefined ? `outcome:${outcome}` : `outcome:${outcome}\u0001${bounded}`;
    let counter = this.#handles.get(id) as BoundCounter | undefined;
    if (!counter) {
      const instrument = INSTRUMENTS.jobOutcomes;
      if (!this.#budget.take(instrument.name)) {
        return this.#budget.overflow(instrument.name, () =>
          this.#config.sink.counter(instrument, {
            [ATTR_MESSAGING_SYSTEM]: this.#config.system,
            [ATTR_MESSAGING_DESTINATION_NAME]: LABEL_MARKERS.overflow,
            [ATTR_JOB_OUTCOME]: LABEL_MARKERS.overflow,
          }),
        );
      }
      const attributes: Attributes = {
        [ATTR_MESSAGING_SYSTEM]: this.#config.system,
        [ATTR_MESSAGING_DESTINATION_NAME]: this.name,
        [ATTR_JOB_OUTCOME]: outcome,
      };
      if (bounded !== undefined) attributes[ATTR_ERROR_TYPE] = bounded;
      counter = this.#config.sink.counter(instrument, attributes);
      this.#handles.set(id, counter);
    }
    return counter;
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
}

/**
 * The Lane B metrics of one queue and label combination: wait time and duration carry its labels;
 * the outcomes it hands out are its queue's.
 */
export class JobSeries {
  readonly attributes: Attributes;
  readonly waitTime: BoundHistogram;
  readonly #sink: MetricSink;
  readonly #queue: QueueMetrics;
  readonly #ends = new Map<string, JobEnd>();
  readonly #durations: Map<string, BoundHistogram>;
  readonly #boundErrorType: ErrorTypeBound;
  readonly #budget: SeriesBudget;

  /**
   * `destination` is the queue's name, or `_overflow` for a series past the cap, whose `durations`
   * are shared with every other overflow series.
   */
  constructor(
    config: JobMetricsConfig,
    queue: QueueMetrics,
    destination: string,
    labelValues: readonly string[],
    boundErrorType: ErrorTypeBound,
    budget: SeriesBudget,
    durations = new Map<string, BoundHistogram>(),
  ) {
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: config.system,
      [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    };
    config.labelKeys.forEach((key, i) => (attributes[key] = labelValues[i]));
    this.attributes = Object.freeze(attributes);
    this.#sink = config.sink;
    this.#queue = queue;
    this.#durations = durations;
    this.#boundErrorType = boundErrorType;
    this.#budget = budget;
    this.waitTime = config.sink.histogram(INSTRUMENTS.jobWaitTime, attributes);
  }

  /** The handles that record how an attempt ended. */
  end(outcome: JobOutcome, errorType: string | undefined): JobEnd {
    const bounded = errorType === undefined ? undefined : this.#boundErrorType(errorType);
    const id = bounded === undefined ? outcome : `${outcome}\u0001${bounded}`;
    const cached = this.#ends.get(id);
    if (cached) return cached;
    const end: JobEnd = {
      outcomes: this.#queue.outcomes(outcome, bounded),
      duration: this.#duration(id, outcome, bounded),
    };
    // A handle into an overflow series is resolved again on every end, so that each recording there
    // is counted as folded; only ends whose two handles are series of their own are kept.
    if (!this.#budget.folds(end.outcomes) && !this.#budget.folds(end.duration)) this.#ends.set(id, end);
    return end;
  }

  /**
   * Outcomes and error types multiply the label combinations: each new pair is one more duration
   * series, so it is made only while the instrumentation's budget lasts.
   */
  #duration(id: string, outcome: JobOutcome, errorType: string | undefined): BoundHistogram {
    let duration = this.#durations.get(id);
    if (duration) return duration;
    const instrument = INSTRUMENTS.jobDuration;
    if (!this.#budget.take(instrument.name)) {
      return this.#budget.overflow(instrument.name, (attributes) =>
        this.#sink.histogram(instrument, { ...attributes, [ATTR_JOB_OUTCOME]: LABEL_MARKERS.overflow }),
      );
    }
    const attributes: Attributes = { ...this.attributes, [ATTR_JOB_OUTCOME]: outcome };
    if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
    duration = this.#sink.histogram(instrument, attributes);
    this.#durations.set(id, duration);
    return duration;
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

  /** Whether `handle` is an overflow series, whose every recording counts one fold. */
  folds(handle: unknown): boolean {
    for (const overflow of this.#overflows.values()) if (overflow === handle) return true;
    return false;
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
