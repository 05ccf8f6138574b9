import {
  ROOT_CONTEXT,
  SpanKind,
  context,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  TraceFlags,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { LabelSet } from './labels/label-set.js';
import {
  JobMetrics,
  type JobSeries,
  type QueueMetrics,
  type QueueStarts,
  type SeriesNode,
} from './metrics/job-metrics.js';
import type { BoundCounter, BoundHistogram } from './metrics/sink.js';
import { MeterSink } from './metrics/meter-sink.js';
import { NOOP_SINK, type MetricSink } from './metrics/sink.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_JOB_ATTEMPT,
  ATTR_JOB_OUTCOME,
  ATTR_JOB_RETRY_COUNT,
  ATTR_JOB_WAIT_TIME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  JOB_OUTCOMES,
  OPERATION_TYPE,
  spanName,
  type JobOutcome,
} from './names.js';
import type { ResolvedOptions } from './options.js';
import { OnceReporter } from './safe.js';
import { extractCarrier, injectCarrier, type Carrier, type ExtractedContext } from './tracing/carrier.js';
import { errorTypeOf, messageOf, recordFailure, recordQueueFailure } from './tracing/errors.js';

/** What an adapter can tell about one job without any I/O. */
export interface JobFacts {
  /** The id the queue gave the job. */
  readonly id: string;
  /** Which attempt this is, counting from 1; undefined when the queue does not say. */
  readonly attempt: number | undefined;
  /** Seconds from when the job became eligible to run until it started; undefined when unknown. */
  readonly waitSeconds: number | undefined;
}

/** How one attempt ended, as the adapter classifies it. */
export interface Verdict {
  readonly outcome: JobOutcome;
  /** Overrides the `error.type` taken from the thrown value, for failures the queue itself names. */
  readonly errorType?: string;
}

/** A handler's failure. Wrapped, because a handler may throw `undefined` and still have failed. */
export interface Failure {
  readonly error: unknown;
}

/** The queue-specific half of an instrumentation. */
export interface QueueAdapter<Job> {
  /** The `messaging.system` value. */
  readonly system: string;
  /** The instrumentation scope spans and metrics are reported under. */
  readonly scope: { readonly name: string; readonly version?: string };
  facts(job: Job): JobFacts;
  /** The raw trace carrier stored with a job, whatever shape it has. */
  carrier(job: Job): unknown;
  /**
   * The producer's context, when the adapter has already extracted it from the carrier (once per
   * job, when it was read); core then uses it rather than extracting the carrier again.
   */
  extracted?(job: Job): ExtractedContext | undefined;
  /**
   * How an attempt ended. `failure` is undefined when the handler returned; `seconds` is how long
   * it ran, which tells a job that outlived its time limit.
   */
  verdict(job: Job, failure: Failure | undefined, seconds: number): Verdict;
}

/**
 * Which span covers a group of jobs being processed:
 * - `own`: queuetel starts a CONSUMER `process {queue}` span for the group;
 * - `enrich`: a span someone else started covers exactly this group; queuetel adds to it;
 * - `event`: a span someone else started covers a larger batch; each job's labels are summarised on
 *   it and a failed job becomes an event on it;
 * - `none`: no span, metrics only.
 */
export type SpanPlan =
  | { readonly kind: 'own' }
  | { readonly kind: 'enrich'; readonly span: Span }
  | { readonly kind: 'event'; readonly span: Span }
  | { readonly kind: 'none' };

/** What a client operation's result says, for its span and metrics. */
export interface OperationSummary {
  /** Messages the operation covered; a span is only made when this is above zero or it failed. */
  readonly messageCount: number;
  readonly messageId?: string | undefined;
  /** Carriers of the messages, to link the span to their producers. */
  readonly carriers?: readonly unknown[];
  /** The producers' contexts, already extracted: used instead of `carriers` when given. */
  readonly producers?: readonly (ExtractedContext | undefined)[];
  /**
   * Spans to link to instead of the producers, whatever `producerRelationship` says: a settle of
   * several messages at once links to the process span of each.
   */
  readonly linked?: readonly SpanContext[];
}

/** A job whose handler failed in {@link QueueConsumer.processEach}, with what it threw. */
export interface JobFailure<Job> {
  readonly job: Job;
  readonly error: unknown;
}

/** Classifies one attempt; see {@link QueueAdapter.verdict}. */
export type VerdictOf<Job> = QueueAdapter<Job>['verdict'];

interface JobRun<Job> {
  readonly job: Job;
  readonly facts: JobFacts;
  readonly labels: readonly string[];
  readonly series: JobSeries;
  /** How the attempt ended, decided once when it ends; the metric and the span both read it. */
  outcome: JobOutcome;
  /** Set when the attempt counts as an error: the handler failed, or the queue gave up on it. */
  errorType: string | undefined;
}

/** What every process span of one queue starts with. */
interface SpanStart {
  readonly name: string;
  readonly attributes: Attributes;
}

/** A group of attempts once started: its own span, if it has one, and the context exemplars link to. */
interface Started {
  readonly span: { readonly span: Span; readonly context: Context } | undefined;
  readonly sampled: SpanContext | undefined;
}

/**
 * The label values seen so far by a batch span the jobs of one `event` plan report to, one set per
 * label key: the span is touched only when a job brings a value not seen yet.
 */
type BatchLabels = Set<string>[];

/**
 * The processing side of one queue, made once when a consumer of it starts (`work()`,
 * `consume()`): what every job of the queue shares is resolved here, not per job.
 */
export interface QueueConsumer<Job> {
  readonly queue: string;
  /**
   * Runs `fn` as the processing of `jobs`, under the span `plan` asks for, and records every job's
   * metrics. Resolves or rejects exactly as `fn` does. `verdict`, when given, classifies the
   * attempts instead of the adapter: for a caller that decided beforehand what a failure means.
   */
  process<T>(
    jobs: readonly Job[],
    plan: SpanPlan,
    fn: () => T | Promise<T>,
    verdict?: VerdictOf<Job>,
  ): Promise<T>;
  /**
   * Runs `run` on each of `jobs` in turn, each job an attempt of its own under `plan` (`own`: a span
   * per job; `event`: the batch span someone else started, which gathers the jobs' labels and
   * failures; `none`). Resolves once every job has run, to the jobs whose `run` failed, in order, each
   * with its own error; never rejects.
   */
  processEach(jobs: readonly Job[], plan: SpanPlan, run: (job: Job) => unknown): Promise<JobFailure<Job>[]>;
  /** Counts messages delivered to the application (`messaging.client.consumed.messages`). */
  consumed(count: number): void;
  /**
   * Counts the outcome of an earlier attempt of `job` that no worker recorded, such as one whose
   * worker died: the queue's own state, read on the job's next attempt, says how it ended. Its
   * duration is unknown, so only `queuetel.job.outcomes` counts it.
   */
  lost(job: Job, verdict: Verdict): void;
}

/** What a queue's consumer resolves once. */
interface QueueHandle {
  readonly metrics: QueueMetrics;
  readonly starts: QueueStarts;
  readonly seriesRoot: SeriesNode;
  readonly spanStart: SpanStart;
  // Bound on first use: an instrumentation that leaves the messaging metrics to the queue reports none.
  consumed: BoundCounter | undefined;
  processed: BoundHistogram | undefined;
}

const UNKNOWN_FACTS: JobFacts = Object.freeze({ id: '', attempt: undefined, waitSeconds: undefined });

/**
 * The queue-neutral engine of every queuetel instrumentation: spans that follow the messaging
 * conventions, and per-job metrics with bounded labels. Adapters supply what is specific to a queue
 * through {@link QueueAdapter}. Nothing here ever throws into a job: failures of telemetry are
 * reported once through `diag`, and a handler's own error is rethrown unchanged.
 */
export class JobTelemetry<Job> {
  readonly options: ResolvedOptions<Job>;
  readonly labels: LabelSet<Job>;
  readonly metrics: JobMetrics;
  readonly reporter = new OnceReporter();
  readonly #adapter: QueueAdapter<Job>;
  readonly #adapterVerdict: VerdictOf<Job>;
  readonly #tracer: Tracer;

  constructor(options: ResolvedOptions<Job>, adapter: QueueAdapter<Job>) {
    this.options = options;
    this.#adapter = adapter;
    this.#adapterVerdict = adapter.verdict.bind(adapter);
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    this.#tracer = provider.getTracer(adapter.scope.name, adapter.scope.version);
    this.metrics = new JobMetrics({
      sink: chooseSink(options, adapter.scope),
      system: adapter.system,
      labelKeys: Object.keys(options.labels),
      maxLabelCombinations: options.maxLabelCombinations,
      maxQueues: options.maxQueues,
    });
    this.labels = new LabelSet(
      options.labels,
      (key, reason) => this.metrics.fold(key, reason),
      this.reporter,
    );
  }

  get tracer(): Tracer {
    return this.#tracer;
  }

  /** The consumer of one queue; make it once, when the worker for the queue starts. */
  consumer(queue: string): QueueConsumer<Job> {
    const metrics = this.metrics.queue(queue);
    const handle: QueueHandle = {
      metrics,
      starts: metrics.starts(),
      seriesRoot: this.metrics.seriesRoot(metrics),
      spanStart: {
        name: spanName('process', queue),
        attributes: Object.freeze(this.#operationAttributes(queue, 'process', OPERATION_TYPE.process)),
      },
      consumed: undefined,
      processed: undefined,
    };
    return {
      queue,
      process: (jobs, plan, fn, verdict) => this.#process(handle, jobs, plan, fn, verdict),
      processEach: (jobs, plan, run) => this.#processEach(handle, jobs, plan, run),
      consumed: (count) => (handle.consumed ??= handle.metrics.consumed()).add(count),
      lost: (job, verdict) => this.#lost(handle, job, verdict),
    };
  }

  #lost(handle: QueueHandle, _job: Job, verdict: Verdict): void {
    try {
      // Per queue only: with no duration known, the attempt has no place in the labelled histogram.
      handle.metrics.outcomes(verdict.outcome, verdict.errorType).add(1);
    } catch (error) {
      this.reporter.report('lost', 'counting a lost attempt failed', error);
    }
  }

  /**
   * A group's path: read each job's facts and labels, find its series, run, record once. Written
   * with `then` rather than as an async function: an async function's suspended frame costs a job
   * several hundred bytes of garbage more than the two callbacks do.
   */
  #process<T>(
    handle: QueueHandle,
    jobs: readonly Job[],
    plan: SpanPlan,
    fn: () => T | Promise<T>,
    verdict: VerdictOf<Job> | undefined,
  ): Promise<T> {
    const verdictOf = verdict ?? this.#adapterVerdict;
    const runs = this.#beginAll(handle, jobs);
    const startedAt = performance.now();
    const started = this.#start(handle, runs, plan, startedAt);
    const batchLabels = plan.kind === 'event' ? newBatchLabels(this.labels.size) : undefined;
    const end = (failure: Failure | undefined) => {
      handle.starts.inFlight.add(-runs.length);
      this.#end(
        handle,
        jobs,
        runs,
        plan,
        started,
        failure,
        startedAt,
        performance.now(),
        verdictOf,
        batchLabels,
      );
    };
    let result: T | Promise<T>;
    try {
      result = started.span ? context.with(started.span.context, fn) : fn();
    } catch (error) {
      end({ error });
      // The handler's own value, whatever it is, as the async function this replaces would reject.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(
      (value) => {
        end(undefined);
        return value;
      },
      (error: unknown) => {
        end({ error });
        throw error;
      },
    );
  }

  /**
   * The jobs of a batch, run one after the other. The batch is counted as it starts and as it ends:
   * pg-boss holds its jobs from the fetch until the batch handler returns, so they are in flight
   * together, and a job's wait ends when the batch is taken, as pg-boss's own `startedOn` says.
   */
  async #processEach(
    handle: QueueHandle,
    jobs: readonly Job[],
    plan: SpanPlan,
    run: (job: Job) => unknown,
  ): Promise<JobFailure<Job>[]> {
    const runs = this.#beginAll(handle, jobs);
    const batchLabels = plan.kind === 'event' ? newBatchLabels(this.labels.size) : undefined;
    try {
      return plan.kind === 'own' && this.options.tracing
        ? await this.#runEachInItsSpan(handle, jobs, runs, plan, run, batchLabels)
        : await this.#runEachThenRecord(handle, jobs, runs, plan, run, batchLabels);
    } finally {
      handle.starts.inFlight.add(-runs.length);
    }
  }

  /** Each job of a batch in a span of its own, recorded as it ends. */
  async #runEachInItsSpan(
    handle: QueueHandle,
    jobs: readonly Job[],
    runs: readonly JobRun<Job>[],
    plan: SpanPlan,
    run: (job: Job) => unknown,
    batchLabels: BatchLabels | undefined,
  ): Promise<JobFailure<Job>[]> {
    const failures: JobFailure<Job>[] = [];
    // One clock reading between two jobs ends the one and starts the next: the clock is read once
    // per job rather than twice, and a job's duration takes in the little recorded between them.
    let startedAt = performance.now();
    for (let i = 0; i < runs.length; i++) {
      const job = jobs[i]!;
      const own = [runs[i]!];
      const started = this.#start(handle, own, plan, startedAt);
      let failure: Failure | undefined;
      try {
        await (started.span ? context.with(started.span.context, run, undefined, job) : run(job));
      } catch (error) {
        failure = { error };
        failures.push({ job, error });
      }
      const endedAt = performance.now();
      this.#end(
        handle,
        [job],
        own,
        plan,
        started,
        failure,
        startedAt,
        endedAt,
        this.#adapterVerdict,
        batchLabels,
      );
      startedAt = endedAt;
    }
    return failures;
  }

  /**
   * The jobs of a batch without a span each: run one after the other with only the clock read
   * between them, then recorded together once the last has ended.
   */
  async #runEachThenRecord(
    handle: QueueHandle,
    jobs: readonly Job[],
    runs: readonly JobRun<Job>[],
    plan: SpanPlan,
    run: (job: Job) => unknown,
    batchLabels: BatchLabels | undefined,
  ): Promise<JobFailure<Job>[]> {
    const failures: JobFailure<Job>[] = [];
    const failed = new Array<Failure | undefined>(runs.length);
    const endedAt = new Float64Array(runs.length);
    let startedAt = performance.now();
    const started = this.#start(handle, runs, plan, startedAt);
    for (let i = 0; i < runs.length; i++) {
      const job = jobs[i]!;
      try {
        await run(job);
      } catch (error) {
        failed[i] = { error };
        failures.push({ job, error });
      }
      endedAt[i] = performance.now();
    }
    for (let i = 0; i < runs.length; i++) {
      const at = endedAt[i]!;
      const ended: Ended = {
        failure: failed[i],
        seconds: (at - startedAt) / 1000,
        at,
        sampled: started.sampled,
      };
      this.#finishGuarded(runs[i]!, ended, plan, this.#adapterVerdict, batchLabels);
      startedAt = at;
    }
    return failures;
  }

  /** Reads each job of a group and counts the group's attempts as started. */
  #beginAll(handle: QueueHandle, jobs: readonly Job[]): JobRun<Job>[] {
    const runs = new Array<JobRun<Job>>(jobs.length);
    for (let i = 0; i < jobs.length; i++) runs[i] = this.#begin(handle, jobs[i]!);
    handle.starts.attempts.add(runs.length);
    handle.starts.inFlight.add(runs.length);
    return runs;
  }

  /** Starts a group's attempts: opens the span the plan asks for, records wait times. */
  #start(handle: QueueHandle, runs: readonly JobRun<Job>[], plan: SpanPlan, startedAt: number): Started {
    const span = this.#openSpan(handle.spanStart, runs, plan);
    // The histograms keep the values of sampled jobs as exemplars: the link from a slow bucket to the
    // trace of a job in it. Wait time is recorded here, once the job's span exists, for that reason.
    const sampled = sampledContext(
      span?.span ?? (plan.kind === 'none' || plan.kind === 'own' ? undefined : plan.span),
    );
    for (const run of runs) {
      const wait = run.facts.waitSeconds;
      if (wait !== undefined) run.series.waitTime.record(wait, sampled, startedAt);
    }
    return { span, sampled };
  }

  /**
   * Ends a group's attempts: each job's verdict and metrics, then the span. Each job and the span
   * are finished apart, so that one failure to record leaves no other job in flight and no span open.
   */
  #end(
    handle: QueueHandle,
    jobs: readonly Job[],
    runs: readonly JobRun<Job>[],
    plan: SpanPlan,
    started: Started,
    failure: Failure | undefined,
    startedAt: number,
    endedAt: number,
    verdictOf: VerdictOf<Job>,
    batchLabels: BatchLabels | undefined,
  ): void {
    const seconds = (endedAt - startedAt) / 1000;
    const ended: Ended = { failure, seconds, at: endedAt, sampled: started.sampled };
    for (const run of runs) this.#finishGuarded(run, ended, plan, verdictOf, batchLabels);
    if (started.span) this.#closeSpan(started.span.span, handle, jobs, runs, ended);
  }

  /**
   * Runs a producer call in a PRODUCER span and hands `fn` the trace context to store with the
   * messages, or undefined when tracing is off or there is nothing to propagate.
   */
  async send<T>(
    queue: string,
    operation: string,
    messageCount: number,
    fn: (carrier: Carrier | undefined) => T | Promise<T>,
    messageIdOf?: (result: T) => string | null | undefined,
  ): Promise<T> {
    const queueMetrics = this.metrics.queue(queue);
    let span: Span | undefined;
    let spanContext: Context | undefined;
    let carrier: Carrier | undefined;
    if (this.options.tracing) {
      const attributes = this.#operationAttributes(queue, operation, OPERATION_TYPE.send);
      if (messageCount > 1) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = messageCount;
      span = this.#tracer.startSpan(spanName(operation, queue), { kind: SpanKind.PRODUCER, attributes });
      spanContext = trace.setSpan(context.active(), span);
      carrier = injectCarrier(spanContext, this.options.propagator);
    }
    const startedAt = performance.now();
    let errorType: string | undefined;
    try {
      const result = spanContext ? await context.with(spanContext, () => fn(carrier)) : await fn(carrier);
      if (span && messageCount === 1 && messageIdOf) {
        const id = safely(() => messageIdOf(result));
        if (id) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, id);
      }
      return result;
    } catch (error) {
      errorType = errorTypeOf(error);
      if (span) recordFailure(span, error, errorType, this.options.exceptionMessages);
      throw error;
    } finally {
      try {
        queueMetrics.operationDuration(operation, errorType).record((performance.now() - startedAt) / 1000);
        if (messageCount > 0) queueMetrics.sent(operation, errorType).add(messageCount);
        span?.end();
      } catch (error) {
        this.reporter.report('send:finish', 'recording a send failed', error);
      }
    }
  }

  /**
   * Runs a receive or settle call. Its span is made once the call returns, and only when it
   * covered at least one message or failed: an empty poll is a metric, never a span.
   */
  async operation<T>(
    queue: string,
    operation: string,
    operationType: 'receive' | 'settle',
    fn: () => T | Promise<T>,
    summarize: (result: T) => OperationSummary,
  ): Promise<T> {
    const queueMetrics = this.metrics.queue(queue);
    const startTime = Date.now();
    const startedAt = performance.now();
    let summary: OperationSummary = { messageCount: 0 };
    let failure: Failure | undefined;
    try {
      const result = await fn();
      summary = safely(() => summarize(result)) ?? summary;
      return result;
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      try {
        const errorType = failure ? errorTypeOf(failure.error) : undefined;
        queueMetrics.operationDuration(operation, errorType).record((performance.now() - startedAt) / 1000);
        if (this.options.tracing && (summary.messageCount > 0 || failure)) {
          this.#operationSpan(queue, operation, operationType, startTime, summary, failure, errorType);
        }
      } catch (error) {
        this.reporter.report('operation:finish', `recording a ${operation} failed`, error);
      }
    }
  }

  #operationSpan(
    queue: string,
    operation: string,
    operationType: string,
    startTime: number,
    summary: OperationSummary,
    failure: Failure | undefined,
    errorType: string | undefined,
  ): void {
    const attributes = this.#operationAttributes(queue, operation, operationType);
    if (summary.messageCount === 1 && summary.messageId) {
      attributes[ATTR_MESSAGING_MESSAGE_ID] = summary.messageId;
    } else if (summary.messageCount > 1) {
      attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = summary.messageCount;
    }
    const links = summary.linked
      ? summary.linked.map((spanContext): Link => ({ context: spanContext }))
      : this.options.producerRelationship === 'none'
        ? []
        : summary.producers
          ? toLinks(summary.producers)
          : this.#links(summary.carriers ?? []);
    const span = this.#tracer.startSpan(spanName(operation, queue), {
      kind: SpanKind.CLIENT,
      attributes,
      links,
      startTime,
    });
    if (failure) recordFailure(span, failure.error, errorType!, this.options.exceptionMessages);
    span.end();
  }

  #begin(handle: QueueHandle, job: Job): JobRun<Job> {
    let facts = UNKNOWN_FACTS;
    try {
      facts = this.#adapter.facts(job);
    } catch (error) {
      this.reporter.report('facts', `reading a ${this.#adapter.system} job's metadata failed`, error);
    }
    const labels = this.labels.read(job);
    const series = this.metrics.series(handle.metrics, labels, handle.seriesRoot);
    return { job, facts, labels, series, outcome: JOB_OUTCOMES.completed, errorType: undefined };
  }

  /** {@link #finish}, whose failure is reported and costs no other job its record. */
  #finishGuarded(
    run: JobRun<Job>,
    ended: Ended,
    plan: SpanPlan,
    verdictOf: VerdictOf<Job>,
    batchLabels: BatchLabels | undefined,
  ): void {
    try {
      this.#finish(run, ended, plan, verdictOf, batchLabels);
    } catch (error) {
      this.reporter.report('process:finish', 'recording the end of a job failed', error);
    }
  }

  /** Decides how the attempt ended, once, and records it on the job's metrics and a foreign span. */
  #finish(
    run: JobRun<Job>,
    ended: Ended,
    plan: SpanPlan,
    verdictOf: VerdictOf<Job>,
    batchLabels: BatchLabels | undefined,
  ): void {
    const { failure } = ended;
    let verdict: Verdict;
    try {
      verdict = verdictOf(run.job, failure, ended.seconds);
    } catch (error) {
      this.reporter.report('verdict', 'classifying how a job ended failed', error);
      verdict = { outcome: failure ? JOB_OUTCOMES.failed : JOB_OUTCOMES.completed };
    }
    // The queue may name an error the handler never threw, such as running past its time limit.
    const errorType = verdict.errorType ?? (failure ? errorTypeOf(failure.error) : undefined);
    run.outcome = verdict.outcome;
    run.errorType = errorType;
    const end = run.series.end(verdict.outcome, errorType);
    end.outcomes.add(1);
    end.duration.record(ended.seconds, ended.sampled, ended.at);
    if (plan.kind === 'enrich') {
      plan.span.setAttribute(ATTR_JOB_OUTCOME, verdict.outcome);
    } else if (plan.kind === 'event' && batchLabels && this.options.tracing) {
      this.#addBatchLabels(plan.span, run.labels, batchLabels);
    }
    if (plan.kind === 'event' && errorType !== undefined) {
      const attributes: Attributes = {
        [ATTR_MESSAGING_MESSAGE_ID]: run.facts.id,
        [ATTR_JOB_OUTCOME]: verdict.outcome,
        [ATTR_ERROR_TYPE]: errorType,
      };
      if (failure && this.options.exceptionMessages)
        attributes['exception.message'] = messageOf(failure.error);
      // Recorded once the batch is over: the event keeps the time the job itself ended.
      plan.span.addEvent('queuetel.job.failed', attributes, performance.timeOrigin + ended.at);
    }
  }

  /** Starts the group's own span, or adds to the span someone else started. */
  #openSpan(
    start: SpanStart,
    runs: readonly JobRun<Job>[],
    plan: SpanPlan,
  ): { span: Span; context: Context } | undefined {
    if (!this.options.tracing) return undefined;
    if (plan.kind === 'enrich') {
      if (plan.span.isRecording()) this.#addJobAttributes(plan.span, runs);
      return undefined;
    }
    if (plan.kind !== 'own') return undefined;

    let parent: Context = ROOT_CONTEXT;
    let links: Link[] | undefined;
    const relationship = this.options.producerRelationship;
    if (relationship === 'child' && runs.length === 1) {
      // The whole extracted context, so baggage sent with the job reaches the handler too.
      const extracted = this.#extract(runs[0]!.job);
      if (extracted) parent = extracted.context;
    } else if (relationship !== 'none') {
      links = this.#jobLinks(runs);
    }
    // The parent is chosen explicitly, never taken from the active context: a worker loop runs in
    // whatever context started it, which has nothing to do with the job.
    const span = this.#tracer.startSpan(
      start.name,
      { kind: SpanKind.CONSUMER, attributes: start.attributes, links },
      parent,
    );
    // The job's own attributes are added only to a span that records. The SDK copies and checks
    // attributes given at creation twice before the span keeps them, so the few a sampler may want
    // (system, operation, destination) go in at creation and the rest once, here; an unsampled span
    // costs none of them.
    if (span.isRecording()) this.#addJobAttributes(span, runs);
    if (this.options.startHook && span.isRecording()) {
      const hook = this.options.startHook;
      this.#callHook('startHook', () =>
        hook(
          span,
          runs.map((run) => run.job),
        ),
      );
    }
    return { span, context: trace.setSpan(parent, span) };
  }

  /** Ends the group's own span with the verdict its jobs were given. */
  #closeSpan(
    span: Span,
    handle: QueueHandle,
    jobs: readonly Job[],
    runs: readonly JobRun<Job>[],
    ended: Ended,
  ): void {
    try {
      const { failure } = ended;
      const { outcome, errorType } = groupVerdict(runs);
      if (outcome !== undefined) span.setAttribute(ATTR_JOB_OUTCOME, outcome);
      if (errorType !== undefined) {
        if (failure) recordFailure(span, failure.error, errorType, this.options.exceptionMessages);
        else recordQueueFailure(span, errorType);
      }
      const duration =
        errorType === undefined
          ? (handle.processed ??= handle.metrics.processDuration(undefined))
          : handle.metrics.processDuration(errorType);
      duration.record(ended.seconds, ended.sampled, ended.at);
      if (this.options.endHook && span.isRecording()) {
        const hook = this.options.endHook;
        this.#callHook('endHook', () => hook(span, jobs, failure?.error));
      }
    } catch (error) {
      this.reporter.report('process:finish', 'recording the end of a job failed', error);
    } finally {
      span.end();
    }
  }

  /**
   * Adds what describes the jobs of a group to its span: per-job attributes for one job, the shared
   * labels for many. Set one by one rather than as an object: the SDK would walk an object key by
   * key anyway, and building it first is one more allocation per job.
   */
  #addJobAttributes(span: Span, runs: readonly JobRun<Job>[]): void {
    const keys = this.labels.keys;
    if (runs.length === 1) {
      const { facts, labels } = runs[0]!;
      if (facts.id) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, facts.id);
      if (facts.attempt !== undefined) {
        span.setAttribute(ATTR_JOB_ATTEMPT, facts.attempt);
        span.setAttribute(ATTR_JOB_RETRY_COUNT, facts.attempt - 1);
      }
      if (facts.waitSeconds !== undefined) span.setAttribute(ATTR_JOB_WAIT_TIME, facts.waitSeconds);
      for (let i = 0; i < keys.length; i++) span.setAttribute(keys[i]!, labels[i]!);
      return;
    }
    span.setAttribute(ATTR_MESSAGING_BATCH_MESSAGE_COUNT, runs.length);
    // A label every job of the batch agrees on is a string; one that varies, its distinct values.
    for (let i = 0; i < keys.length; i++) {
      const values = new Set<string>();
      for (const run of runs) values.add(run.labels[i]!);
      span.setAttribute(keys[i]!, values.size === 1 ? runs[0]!.labels[i]! : [...values]);
    }
  }

  /**
   * Adds one job's labels to the span of the batch it runs in (pg-boss's, when each job has its own
   * process): a label as a string while the jobs so far agree on it, then as the distinct values.
   * The span is touched only when a job brings a value not seen yet in the batch.
   */
  #addBatchLabels(span: Span, labels: readonly string[], seen: BatchLabels): void {
    if (labels.length === 0 || !span.isRecording()) return;
    const keys = this.labels.keys;
    for (let i = 0; i < labels.length; i++) {
      const values = seen[i]!;
      if (values.has(labels[i]!)) continue;
      values.add(labels[i]!);
      span.setAttribute(keys[i]!, values.size === 1 ? labels[i]! : [...values]);
    }
  }

  #operationAttributes(queue: string, operation: string, operationType: string): Attributes {
    return {
      [ATTR_MESSAGING_SYSTEM]: this.#adapter.system,
      [ATTR_MESSAGING_OPERATION_NAME]: operation,
      [ATTR_MESSAGING_OPERATION_TYPE]: operationType,
      [ATTR_MESSAGING_DESTINATION_NAME]: queue,
    };
  }

  #extract(job: Job): ExtractedContext | undefined {
    const adapter = this.#adapter;
    if (adapter.extracted) return safely(() => adapter.extracted!(job));
    const carrier = safely(() => adapter.carrier(job));
    return extractCarrier(carrier, this.options.propagator);
  }

  /** Links to the producers of a group's jobs, if any can be read. */
  #jobLinks(runs: readonly JobRun<Job>[]): Link[] | undefined {
    if (runs.length === 1) {
      const extracted = this.#extract(runs[0]!.job);
      return extracted ? [{ context: extracted.spanContext }] : undefined;
    }
    return toLinks(runs.map((run) => this.#extract(run.job)));
  }

  #links(carriers: readonly unknown[]): Link[] {
    return toLinks(carriers.map((carrier) => extractCarrier(carrier, this.options.propagator)));
  }

  #callHook(name: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.reporter.report(`hook:${name}`, `the ${name} threw; it was ignored`, error);
    }
  }
}

function chooseSink<Job>(options: ResolvedOptions<Job>, scope: QueueAdapter<Job>['scope']): MetricSink {
  if (!options.metrics) return NOOP_SINK;
  if (options.metricProducer) return options.metricProducer.storeFor(scope);
  return MeterSink.shared(scope, options.meterProvider);
}

/**
 * The verdict of a group's span: the outcome its jobs share (none when they differ), and an error
 * when any job erred, named as the first of them was.
 */
function groupVerdict(runs: readonly JobRun<unknown>[]): { outcome?: JobOutcome; errorType?: string } {
  const first = runs[0];
  if (!first) return {};
  if (runs.length === 1) return first;
  let outcome: JobOutcome | undefined = first.outcome;
  let errorType: string | undefined;
  for (const run of runs) {
    if (run.outcome !== outcome) outcome = undefined;
    errorType ??= run.errorType;
  }
  return { outcome, errorType };
}

function toLinks(producers: readonly (ExtractedContext | undefined)[]): Link[] {
  const links: Link[] = [];
  for (const producer of producers) if (producer) links.push({ context: producer.spanContext });
  return links;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** What every job of an ended group shares: how it ended, how long it ran, and when it ended. */
interface Ended {
  readonly failure: Failure | undefined;
  readonly seconds: number;
  /** The `performance.now()` reading the group ended at: the time of its exemplars. */
  readonly at: number;
  readonly sampled: SpanContext | undefined;
}

function newBatchLabels(keys: number): BatchLabels {
  // A plain loop: Array.from over an array-like takes V8's generic path, several times slower.
  const seen = new Array<Set<string>>(keys);
  for (let i = 0; i < keys; i++) seen[i] = new Set<string>();
  return seen;
}

/** The context of `span` when its trace is sampled: the only spans worth an exemplar. */
function sampledContext(span: Span | undefined): SpanContext | undefined {
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  return (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 ? undefined : spanContext;
}
