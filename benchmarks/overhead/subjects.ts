import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type Attributes } from '@opentelemetry/api';
import { instrumentPgBoss, type PgBossInstrumentationOptions, type PgBossJob } from '@queuetel/pg-boss';
import { PgBoss } from 'pg-boss';
// pg-boss 12.38's own telemetry module, driven the way its worker drives it for each fetched batch.
// Not a public entry point; pg-boss has no exports map, so the file is importable by its path.
import BuiltInTelemetry from 'pg-boss/dist/telemetry.js';
import { createBenchSdk, type BenchSdk } from '../lib/otel-sdk.js';
import { spin } from '../lib/spin.js';
import { BENCH_LABELS, jobLabels } from '../lib/workload.js';
import { pgBossJob, producerCarrier } from './jobs.js';

/** What every subject's handler does: nothing, asynchronously, as a bare async handler would. */
type JobHandler = (job: PgBossJob<unknown>) => Promise<void>;

/** One way of running a job through a handler, measured against the bare handler. */
export interface Subject {
  /** Stable id, used as the key in the results file. */
  readonly id: string;
  readonly label: string;
  /**
   * `baseline` is the bare handler; `queuetel` a mode of ours; `peer` someone else's; `floor` what
   * the OpenTelemetry SDK alone costs for the span queuetel makes.
   */
  readonly group: 'baseline' | 'queuetel' | 'peer' | 'floor';
  /** What the subject records per job, for the report. */
  readonly description: string;
  /** Processes one fresh job, number `i`. */
  run(i: number): Promise<unknown>;
  /** Checks the telemetry really was recorded for `jobs` jobs; returns what is wrong, if anything. */
  verify(jobs: number): Promise<string[]>;
  close(): Promise<void>;
}

export interface SubjectOptions {
  /**
   * Microseconds of busy CPU added to every job of queuetel's modes. A benchmark-harness switch for
   * proving the gate catches a regression; the product has no such thing.
   */
  readonly regressionMicros: number;
}

const QUEUE = 'bench';
const UNUSED_URL = 'postgres://127.0.0.1:1/unused';

/** Every subject the overhead suite can measure, in report order; `bare` is the baseline. */
const FACTORIES: Record<string, (options: SubjectOptions) => Subject | Promise<Subject>> = {
  bare: () => bare(),
  full: (options) =>
    queuetel(
      'full',
      'queuetel: full',
      'sampled process span with producer link, job metrics, 3 labels',
      options,
      {
        sampled: true,
      },
    ),
  'metrics-only': (options) =>
    queuetel('metrics-only', 'queuetel: metrics only', 'job metrics with 3 labels, no spans', options, {
      sampled: true,
      instrumentation: { tracing: false },
    }),
  unsampled: (options) =>
    queuetel('unsampled', 'queuetel: unsampled', 'spans on but not sampled, job metrics, 3 labels', options, {
      sampled: false,
    }),
  'meter-metrics-only': (options) =>
    queuetel(
      'meter-metrics-only',
      'queuetel: Meter API, metrics only',
      'job metrics through the plain Meter API (no metric producer), 3 labels',
      options,
      { sampled: true, instrumentation: { tracing: false }, meterPath: true },
    ),
  'pg-boss-built-in': () => builtIn(),
  'queuetel-on-built-in': (options) => queuetelOnBuiltIn(options),
  'naive-wrapper': () => naiveWrapper(),
  'span-floor': () => spanFloor(),
  'send-stamp': () => producer('send-stamp', true),
  'send-span': () => producer('send-span', false),
};

export const SUBJECT_IDS: readonly string[] = Object.keys(FACTORIES);

/** The named subjects (all by default), the baseline always first. */
export async function createSubjects(
  options: SubjectOptions,
  ids: readonly string[] = SUBJECT_IDS,
): Promise<Subject[]> {
  for (const id of ids) if (!FACTORIES[id]) throw new Error(`unknown overhead subject '${id}'`);
  return Promise.all(
    ['bare', ...ids.filter((id) => id !== 'bare')].map(async (id) => FACTORIES[id]!(options)),
  );
}

function bare(): Subject {
  let processed = 0;
  const handler: JobHandler = async () => {
    processed++;
  };
  // The carrier is built in every subject, so all of them allocate the same job.
  const carrier = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
  return {
    id: 'bare',
    label: 'bare handler',
    group: 'baseline',
    description: 'the handler called directly, no telemetry',
    run: (i) => handler(pgBossJob(i, carrier)),
    verify: (jobs) => Promise.resolve(processed >= jobs ? [] : [`bare processed ${processed} of ${jobs}`]),
    close: () => Promise.resolve(),
  };
}

interface QueuetelSetup {
  readonly sampled: boolean;
  readonly instrumentation?: PgBossInstrumentationOptions;
  /** Job metrics through the Meter API rather than queuetel's metric producer. */
  readonly meterPath?: boolean;
  /** pg-boss's own telemetry is on; queuetel enriches its span. */
  readonly builtIn?: boolean;
}

/**
 * The handler pg-boss's worker would call, as `instrumentPgBoss(boss).eachJob(...)` builds it. The
 * PgBoss instance is real but never started: its `work()` is replaced, before instrumenting, by one
 * that keeps the handler it is given, so the benchmark can call it with one job at a time.
 */
async function instrumentedHandler(
  sdk: BenchSdk,
  setup: QueuetelSetup,
  handler: JobHandler,
): Promise<(jobs: PgBossJob<unknown>[]) => Promise<unknown>> {
  const boss = new PgBoss({
    connectionString: UNUSED_URL,
    openTelemetry: setup.builtIn
      ? { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider }
      : { enabled: false },
  });
  let captured: ((jobs: PgBossJob<unknown>[]) => Promise<unknown>) | undefined;
  // work() reads the queue's retry policy once before it starts the worker; the bench queue's is
  // the one its jobs carry.
  Object.defineProperty(boss, 'getQueue', {
    configurable: true,
    writable: true,
    value: () => Promise.resolve({ name: QUEUE, retryLimit: 2, deadLetter: null }),
  });
  Object.defineProperty(boss, 'work', {
    configurable: true,
    writable: true,
    value: (_name: string, _options: object, batchHandler: typeof captured) => {
      captured = batchHandler;
      return Promise.resolve('bench-worker');
    },
  });
  const instrumentation = instrumentPgBoss(boss, {
    tracerProvider: sdk.tracerProvider,
    ...(setup.meterPath ? { meterProvider: sdk.meterProvider } : { metricProducer: sdk.metricProducer }),
    labels: BENCH_LABELS,
    builtInTelemetry: setup.builtIn === true,
    ...setup.instrumentation,
  });
  await boss.work(QUEUE, { batchSize: 1 }, instrumentation.eachJob(handler));
  if (!captured) throw new Error('instrumentPgBoss did not pass a handler to work()');
  return captured;
}

async function queuetel(
  id: string,
  label: string,
  description: string,
  options: SubjectOptions,
  setup: QueuetelSetup,
): Promise<Subject> {
  const sdk = createBenchSdk({ sampled: setup.sampled });
  const carrier = producerCarrier(sdk.tracerProvider);
  let processed = 0;
  const regression = options.regressionMicros;
  const handler: JobHandler = async () => {
    if (regression > 0) spin(regression);
    processed++;
  };
  const run = await instrumentedHandler(sdk, setup, handler);
  const tracing = setup.instrumentation?.tracing !== false;
  return {
    id,
    label,
    group: 'queuetel',
    description,
    run: (i) => run([pgBossJob(i, carrier)]),
    verify: async (jobs) => {
      const problems = await verifyMetrics(sdk, 'queuetel.job.attempts', processed, jobs);
      if (tracing && setup.sampled) problems.push(...(await verifySpans(sdk, processed)));
      if (tracing && !setup.sampled && sdk.spanExporter.exported > 1) {
        problems.push(`${id}: ${sdk.spanExporter.exported} spans exported though none is sampled`);
      }
      return problems;
    },
    close: () => sdk.shutdown(),
  };
}

/**
 * pg-boss 12.38's built-in telemetry, as its worker runs it around each batch: `consumed()` then
 * `process()`, which makes the batch's CONSUMER span (a child of the producer for a batch of one)
 * and records `messaging.process.duration`.
 */
function builtIn(): Subject {
  const sdk = createBenchSdk({ sampled: true });
  const telemetry = new BuiltInTelemetry(
    { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagateContext: true },
    'pgboss',
    () => null,
  );
  const carrier = producerCarrier(sdk.tracerProvider);
  let processed = 0;
  const handler: JobHandler = async () => {
    processed++;
  };
  return {
    id: 'pg-boss-built-in',
    label: 'pg-boss 12.38 built-in',
    group: 'peer',
    description: "pg-boss's own process span per batch (here of one) and its process metrics",
    run: async (i) => {
      const job = pgBossJob(i, undefined);
      telemetry.consumed(QUEUE, 1);
      await telemetry.process(
        QUEUE,
        [job],
        () => carrier,
        async () => {
          await handler(job);
          return undefined;
        },
      );
    },
    verify: async (jobs) => [
      ...(await verifyMetrics(sdk, 'messaging.client.consumed.messages', processed, jobs)),
      ...(await verifySpans(sdk, processed)),
    ],
    close: () => sdk.shutdown(),
  };
}

/** queuetel with pg-boss's telemetry on: pg-boss makes the span, queuetel adds its attributes and metrics. */
async function queuetelOnBuiltIn(options: SubjectOptions): Promise<Subject> {
  const sdk = createBenchSdk({ sampled: true });
  const telemetry = new BuiltInTelemetry(
    { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagateContext: true },
    'pgboss',
    () => null,
  );
  const carrier = producerCarrier(sdk.tracerProvider);
  let processed = 0;
  const regression = options.regressionMicros;
  const run = await instrumentedHandler(sdk, { sampled: true, builtIn: true }, async () => {
    if (regression > 0) spin(regression);
    processed++;
  });
  return {
    id: 'queuetel-on-built-in',
    label: 'queuetel + pg-boss built-in',
    group: 'queuetel',
    description: "pg-boss's own span, enriched by queuetel, plus queuetel's job metrics",
    run: async (i) => {
      const jobs = [pgBossJob(i, undefined)];
      telemetry.consumed(QUEUE, 1);
      await telemetry.process(
        QUEUE,
        jobs,
        () => carrier,
        async () => {
          await run(jobs);
          return undefined;
        },
      );
    },
    verify: async (jobs) => [
      ...(await verifyMetrics(sdk, 'queuetel.job.attempts', processed, jobs)),
      ...(await verifySpans(sdk, processed)),
    ],
    close: () => sdk.shutdown(),
  };
}

/**
 * The producer side: `boss.send()` through queuetel, on a real PgBoss whose own `send` is replaced,
 * before instrumenting, by one that resolves at once with an id, so that only what queuetel adds
 * around the call is timed (the database round trip it saves costs about as much as the bare handler).
 * Beside pg-boss's built-in telemetry queuetel only stamps the job's eligibility into its data; with
 * it off, queuetel also makes the PRODUCER span, carries its context and records the send metrics.
 */
async function producer(id: 'send-stamp' | 'send-span', builtIn: boolean): Promise<Subject> {
  const sdk = createBenchSdk({ sampled: true });
  const boss = new PgBoss({
    connectionString: UNUSED_URL,
    openTelemetry: builtIn
      ? { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider }
      : { enabled: false },
  });
  let sent = 0;
  let stamped = 0;
  Object.defineProperty(boss, 'send', {
    configurable: true,
    writable: true,
    value: (_name: string, data: { __queuetel?: unknown }) => {
      sent++;
      if (data.__queuetel !== undefined) stamped++;
      return Promise.resolve(IDS_FOR_SENDS[sent & 4095]);
    },
  });
  instrumentPgBoss(boss, {
    tracerProvider: sdk.tracerProvider,
    metricProducer: sdk.metricProducer,
    labels: BENCH_LABELS,
    builtInTelemetry: builtIn,
  });
  return {
    id,
    label: builtIn ? 'queuetel `send()` beside built-in' : 'queuetel `send()`, built-in off',
    group: 'queuetel',
    description: builtIn
      ? "the eligibility stamp in the job's data (pg-boss makes the span)"
      : 'PRODUCER span, trace context and eligibility in the data, send metrics',
    run: (i) => boss.send(QUEUE, jobLabels(i)),
    verify: async (jobs) => {
      const problems = stamped >= jobs ? [] : [`${id}: ${stamped} of ${jobs} sends were stamped`];
      if (!builtIn) {
        problems.push(...(await verifyMetrics(sdk, 'messaging.client.sent.messages', sent, jobs)));
        problems.push(...(await verifySpans(sdk, sent)));
      }
      return problems;
    },
    close: () => sdk.shutdown(),
  };
}

const IDS_FOR_SENDS = Array.from({ length: 4096 }, (_, i) => `send-${i}`);

/**
 * What a user might write by hand: `startActiveSpan` around the handler, then one histogram record
 * and one counter add through the Meter API, each with the queue and the three labels.
 */
function naiveWrapper(): Subject {
  const sdk = createBenchSdk({ sampled: true });
  const tracer = sdk.tracerProvider.getTracer('naive');
  const meter = sdk.meterProvider.getMeter('naive');
  const duration = meter.createHistogram('job.duration', { unit: 's' });
  const processedCounter = meter.createCounter('job.processed');
  const carrier = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
  let processed = 0;
  const handler: JobHandler = async () => {
    processed++;
  };
  return {
    id: 'naive-wrapper',
    label: 'naive hand-written wrapper',
    group: 'peer',
    description: 'startActiveSpan, one histogram record and one counter add per job, 5 attributes',
    run: (i) => {
      const job = pgBossJob(i, carrier);
      const data = job.data as { project: string; endpoint: string; status: number };
      const attributes: Attributes = {
        'messaging.system': 'pg-boss',
        'messaging.destination.name': QUEUE,
        project: data.project,
        endpoint: data.endpoint,
        http_status_code: `${String(data.status)[0]}xx`,
      };
      return tracer.startActiveSpan(
        `process ${QUEUE}`,
        { kind: SpanKind.CONSUMER, attributes: { ...attributes, 'messaging.message.id': job.id } },
        async (span) => {
          const startedAt = performance.now();
          try {
            return await handler(job);
          } finally {
            duration.record((performance.now() - startedAt) / 1000, attributes);
            processedCounter.add(1, attributes);
            span.end();
          }
        },
      );
    },
    verify: async (jobs) => [
      ...(await verifyMetrics(sdk, 'job.processed', processed, jobs)),
      ...(await verifySpans(sdk, processed)),
    ],
    close: () => sdk.shutdown(),
  };
}

/**
 * The OpenTelemetry SDK's own price for the span full mode makes, with nothing of queuetel's: the
 * carrier extracted through the global propagator, a CONSUMER span linked to it with the same eleven
 * attributes, made active around the handler, then ended. Full mode cannot cost less than this.
 */
function spanFloor(): Subject {
  const sdk = createBenchSdk({ sampled: true });
  const tracer = sdk.tracerProvider.getTracer('floor');
  const carrier = producerCarrier(sdk.tracerProvider);
  const start: Attributes = Object.freeze({
    'messaging.system': 'pg-boss',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': QUEUE,
  });
  let processed = 0;
  const handler: JobHandler = async () => {
    processed++;
  };
  return {
    id: 'span-floor',
    label: 'OTel SDK floor: the same span, by hand',
    group: 'floor',
    description: 'extract + linked CONSUMER span with the same 11 attributes + context.with, nothing else',
    run: async (i) => {
      const job = pgBossJob(i, carrier);
      const data = job.data as { project: string; endpoint: string; status: number };
      const extracted = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
      const span = tracer.startSpan(
        `process ${QUEUE}`,
        { kind: SpanKind.CONSUMER, attributes: start, links: extracted ? [{ context: extracted }] : [] },
        ROOT_CONTEXT,
      );
      span.setAttributes({
        'messaging.message.id': job.id,
        'queuetel.job.attempt': 1,
        'queuetel.job.retry_count': 0,
        'queuetel.job.wait_time': 1.48,
        project: data.project,
        endpoint: data.endpoint,
        http_status_code: '2xx',
      });
      try {
        await context.with(trace.setSpan(ROOT_CONTEXT, span), () => handler(job));
      } finally {
        span.end();
      }
    },
    verify: (jobs) =>
      verifySpans(sdk, processed).then((problems) =>
        processed >= jobs ? problems : [...problems, `span floor ran ${processed} of ${jobs}`],
      ),
    close: () => sdk.shutdown(),
  };
}

/** The named counter's total equals what the handler counted, and at least `jobs` ran. */
async function verifyMetrics(
  sdk: BenchSdk,
  name: string,
  processed: number,
  jobs: number,
): Promise<string[]> {
  const problems: string[] = [];
  if (processed < jobs) problems.push(`${name}: the handler ran ${processed} times, expected ${jobs}`);
  const metrics = await sdk.collect();
  let total = 0;
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) total += point.value as number;
    }
  }
  if (total !== processed) problems.push(`${name} totals ${total}, but ${processed} jobs ran`);
  return problems;
}

/** Every job's span reached the exporter (plus the one producer span each subject makes). */
async function verifySpans(sdk: BenchSdk, processed: number): Promise<string[]> {
  await sdk.tracerProvider.forceFlush();
  const exported = sdk.spanExporter.exported;
  return exported >= processed ? [] : [`${exported} spans exported for ${processed} jobs`];
}
