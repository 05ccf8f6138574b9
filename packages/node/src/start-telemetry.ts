import * as api from '@opentelemetry/api';
import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { logs as logsBefore110 } from '@opentelemetry/api-logs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  QueuetelMetricProducer,
  describe,
  getGlobalMetricProducer,
  setGlobalMetricProducer,
} from '@queuetel/core';
import { resolveTelemetryOptions, type ResolvedTelemetryOptions, type TelemetryOptions } from './options.js';
import { flushOnSignals } from './signals.js';
import { queuetelViews } from './views.js';

/** What {@link startTelemetry} returns. */
export interface Telemetry {
  /**
   * The producer that queuetel's pre-aggregated job metrics are read from. It is also installed as
   * the global one, so instrumentations created after `startTelemetry()` use it by themselves.
   */
  readonly metricProducer: QueuetelMetricProducer;
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

// Keyed by a global symbol so that the ESM and CommonJS copies of this package agree on it.
const RUNNING = Symbol.for('queuetel.node.telemetry');
type RunningSlot = { [RUNNING]?: { readonly firstCall: string | undefined } };

/**
 * Sets up OpenTelemetry for a Node process that runs queuetel instrumentations: traces and metrics
 * go over OTLP/HTTP to a collector, queuetel's job metrics take the pre-aggregated path, and views
 * give every queuetel and messaging histogram its buckets and a cardinality limit.
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
  const resolved = resolveTelemetryOptions(options);

  const metricProducer = new QueuetelMetricProducer();
  if (resolved.disabled) {
    diag.info('queuetel: OTEL_SDK_DISABLED is set; telemetry is not started');
    return { metricProducer, shutdown: () => Promise.resolve() };
  }

  const sdk = new NodeSDK({
    // Resources are detected here rather than by the SDK, so that explicit attributes win over
    // OTEL_RESOURCE_ATTRIBUTES (the SDK would merge the environment last).
    autoDetectResources: false,
    resource: buildResource(resolved),
    traceExporter: new OTLPTraceExporter(exporterConfig(resolved, resolved.tracesUrl)),
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(exporterConfig(resolved, resolved.metricsUrl)),
        exportIntervalMillis: resolved.metricExportIntervalMillis,
        exportTimeoutMillis: resolved.metricExportTimeoutMillis,
        metricProducers: [metricProducer],
      }),
    ],
    views: queuetelViews(resolved.cardinalityLimit),
    ...(resolved.sampler ? { sampler: resolved.sampler } : {}),
    instrumentations: resolved.instrumentations,
  });
  sdk.start();
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
  return { metricProducer, shutdown };
}

function buildResource(resolved: ResolvedTelemetryOptions): Resource {
  const explicit = { ...resolved.resourceAttributes };
  if (resolved.serviceName !== undefined) explicit['service.name'] = resolved.serviceName;
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }))
    .merge(resourceFromAttributes(explicit));
}

function exporterConfig(
  resolved: ResolvedTelemetryOptions,
  url: string | undefined,
): { url?: string; headers?: Record<string, string>; timeoutMillis?: number } {
  // Only what was given explicitly: the exporters read OTEL_EXPORTER_OTLP_* for the rest.
  return {
    ...(url !== undefined ? { url } : {}),
    ...(resolved.headers ? { headers: resolved.headers } : {}),
    ...(resolved.exportTimeoutMillis !== undefined ? { timeoutMillis: resolved.exportTimeoutMillis } : {}),
  };
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
