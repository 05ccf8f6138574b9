import * as api from '@opentelemetry/api';
import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { logs as logsBefore110 } from '@opentelemetry/api-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { QueuetelMetricProducer, getGlobalMetricProducer, setGlobalMetricProducer } from '@queuetel/core';
import { describe } from '@queuetel/core/internal';
import { metricReadersFromEnv } from './metric-readers.js';
import { resolveTelemetryOptions, type TelemetryOptions } from './options.js';
import { registeredSignals, sdkEnvironment, withEnvironment } from './sdk-environment.js';
import { flushOnSignals } from './signals.js';
import { queuetelViews } from './views.js';

/** What {@link startTelemetry} returns. */
export interface Telemetry {
  /**
   * The producer that queuetel's pre-aggregated job metrics are read from. It is also installed as
   * the global one, so instrumentations created after `startTelemetry()` use it by themselves.
   * Undefined when startTelemetry() attached to an SDK the application had already started: queuetel's
   * metrics then go through that SDK's Meter API (or the producer given to it with `withQueuetel()`).
   */
  readonly metricProducer: QueuetelMetricProducer | undefined;
  /** Whether startTelemetry() started an SDK of its own (false: it attached to one already registered). */
  readonly startedSdk: boolean;
  /**
   * Exports what is left and stops the SDK. It never rejects: an export that fails is reported
   * through OpenTelemetry's `diag` logger, and after `shutdownTimeoutMillis` it returns anyway, so
   * a dead collector cannot hold up the process's exit. Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

/** Thrown by a second {@link startTelemetry} while the first is still running. */
export class TelemetryAlreadyStartedError extends Error {
  constructor(firstCall: string | undefined) {
    super(
      'queuetel: startTelemetry() was already called in this process' +
        (firstCall ? ` (${firstCall})` : '') +
        '; call it once, at start-up, or call shutdown() on what it returned before starting again',
    );
    this.name = 'TelemetryAlreadyStartedError';
  }
}

/**
 * Thrown by {@link startTelemetry} when an OpenTelemetry SDK is already registered and options were
 * given that only an SDK of queuetel's own could honour.
 */
export class ExistingSdkError extends Error {
  constructor(signals: readonly string[], options: readonly string[]) {
    super(
      `queuetel: an OpenTelemetry SDK is already registered in this process (${signals.join(', ')}), so ` +
        `startTelemetry() can only attach to it, and ${options.map((o) => `'${o}'`).join(', ')} cannot apply ` +
        'to an SDK it did not start. Call startTelemetry() without options to attach, or give your own NodeSDK ' +
        "queuetel's metric producer and views with withQueuetel() (docs/pg-boss.md) and do not call startTelemetry()",
    );
    this.name = 'ExistingSdkError';
  }
}

// Keyed by a global symbol so that the ESM and CommonJS copies of this package agree on it.
const RUNNING = Symbol.for('queuetel.node.telemetry');
type RunningSlot = { [RUNNING]?: { readonly firstCall: string | undefined } };

/**
 * Sets up OpenTelemetry for a Node process that runs queuetel instrumentations: a NodeSDK whose
 * exporters the environment chooses as the SDK always does (`OTEL_TRACES_EXPORTER`,
 * `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER`, `OTEL_EXPORTER_OTLP_PROTOCOL`, ...), plus what
 * queuetel adds: its job metrics on the pre-aggregated path into every metric reader, views that
 * give every queuetel and messaging histogram its buckets and a cardinality limit, a 5 s metric
 * interval unless `OTEL_METRIC_EXPORT_INTERVAL` says otherwise, and a bounded shutdown.
 *
 * When the application already registered an SDK of its own, startTelemetry() attaches to it: it
 * starts nothing, and its `shutdown()` leaves that SDK running. Options then throw
 * {@link ExistingSdkError}, since they could only shape an SDK of queuetel's own.
 *
 * Call it once, before creating instrumentations. A second call, before `shutdown()`, throws
 * {@link TelemetryAlreadyStartedError}. A bad option throws a `QueuetelConfigError` naming it.
 *
 * Exports never hold up the application: spans wait in a bounded queue (2048 by default,
 * `OTEL_BSP_MAX_QUEUE_SIZE`) and are dropped when it is full, at most 30 requests per signal are in
 * flight, and every failure is reported through `diag`, never thrown.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const slot = globalThis as RunningSlot;
  if (slot[RUNNING]) throw new TelemetryAlreadyStartedError(slot[RUNNING].firstCall);

  const existing = registeredSignals();
  if (existing.length > 0) {
    const given = Object.keys(options ?? {});
    if (given.length > 0) throw new ExistingSdkError(existing, given);
    diag.info(`queuetel: attaching to the OpenTelemetry SDK already registered (${existing.join(', ')})`);
    slot[RUNNING] = { firstCall: callerOf(new Error().stack) };
    return {
      metricProducer: undefined,
      startedSdk: false,
      shutdown: () => {
        delete slot[RUNNING];
        return Promise.resolve();
      },
    };
  }

  const resolved = resolveTelemetryOptions(options);
  const metricProducer = new QueuetelMetricProducer();
  if (resolved.disabled) {
    diag.info('queuetel: OTEL_SDK_DISABLED is set; telemetry is not started');
    return { metricProducer, startedSdk: false, shutdown: () => Promise.resolve() };
  }

  // The SDK and the exporters read the environment when they are built, in start(): explicit
  // options are handed to them as the variables they stand for, for that moment only.
  const sdk = withEnvironment(sdkEnvironment(resolved), () => {
    const built = new NodeSDK({
      ...(resolved.serviceName !== undefined ? { serviceName: resolved.serviceName } : {}),
      metricReaders: metricReadersFromEnv({
        metricProducers: [metricProducer],
        exportIntervalMillis: resolved.metricExportIntervalMillis,
        ...(resolved.exportTimeoutMillis !== undefined
          ? { exportTimeoutMillis: resolved.exportTimeoutMillis }
          : {}),
      }).readers,
      views: queuetelViews(resolved.cardinalityLimit),
      ...(resolved.sampler ? { sampler: resolved.sampler } : {}),
      instrumentations: resolved.instrumentations,
    });
    built.start();
    return built;
  });
  const previousProducer = getGlobalMetricProducer();
  setGlobalMetricProducer(metricProducer);
  slot[RUNNING] = { firstCall: callerOf(new Error().stack) };

  let stopping: Promise<void> | undefined;
  let removeSignalHandlers = (): void => {};
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      removeSignalHandlers();
      if (getGlobalMetricProducer() === metricProducer) setGlobalMetricProducer(previousProducer);
      await withinTimeout(sdk.shutdown(), resolved.shutdownTimeoutMillis).then(
        (finished) => {
          if (!finished) {
            diag.warn(
              `queuetel: telemetry shutdown did not finish within ${resolved.shutdownTimeoutMillis} ms; the last export may be lost`,
            );
          }
        },
        (error: unknown) => diag.warn(`queuetel: telemetry shutdown failed: ${describe(error)}`),
      );
      // Leave the API as before start-up, so that spans and metrics made from now on are no-ops
      // rather than calls into a stopped SDK, and so that startTelemetry() may be called again.
      // Only ever for the SDK started here: an attached one is never touched.
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
      // The logs API is part of @opentelemetry/api from 1.10 (SDK 3.x) and was @opentelemetry/api-logs
      // before (SDK 2.x): whichever the installed SDK registered with, reset it.
      logsBefore110.disable();
      (api as { logs?: { disable(): void } }).logs?.disable();
      delete slot[RUNNING];
    })();
    return stopping;
  };
  if (resolved.flushOnSignals) removeSignalHandlers = flushOnSignals(shutdown);
  return { metricProducer, startedSdk: true, shutdown };
}

/** Resolves true when `promise` settles in time, false when `millis` pass first. */
function withinTimeout(promise: Promise<unknown>, millis: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), millis);
    timer.unref();
  });
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/** Where startTelemetry() was called from: the frame after its own in a stack taken inside it. */
function callerOf(stack: string | undefined): string | undefined {
  return stack?.split('\n')[2]?.trim().replace(/^at /, '');
}
