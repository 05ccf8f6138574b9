import type { Attributes } from '@opentelemetry/api';
import { getBooleanFromEnv, getNumberFromEnv, getStringFromEnv } from '@opentelemetry/core';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { DEFAULT_CARDINALITY_LIMIT, QueuetelConfigError } from '@queuetel/core';
import { expectBoolean, expectKnownKeys, expectWholeNumber, typeName } from '@queuetel/core/internal';

type Sampler = NodeSDKConfiguration['sampler'];

/**
 * Options of {@link startTelemetry}. Every field is optional; each one given overrides the
 * standard `OTEL_*` environment variable it names, and the variable overrides the default.
 */
export interface TelemetryOptions {
  /** `service.name` of every span and metric. Default: `OTEL_SERVICE_NAME`. One of the two is required. */
  serviceName?: string;
  /** Resource attributes added to every span and metric, over those in `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Attributes;
  /**
   * Base URL of the OTLP receiver, such as `http://otel-collector:4318`, in place of
   * `OTEL_EXPORTER_OTLP_ENDPOINT` (the signal-specific variables still win, as the specification
   * says). Which exporters and which protocol stay the environment's choice: `OTEL_TRACES_EXPORTER`,
   * `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER`, `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf` by default).
   */
  endpoint?: string;
  /** Headers sent with every export, such as an API key, over those in `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /** Which traces to record. Default: `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, else parent-based always-on. */
  sampler?: Sampler;
  /** Milliseconds between metric exports. Default: `OTEL_METRIC_EXPORT_INTERVAL`, else 5000. */
  metricExportIntervalMillis?: number;
  /**
   * Milliseconds an export may take before it is given up, in place of `OTEL_EXPORTER_OTLP_TIMEOUT`
   * (default 10000); a metric export also stops at the export interval.
   */
  exportTimeoutMillis?: number;
  /** Series each queuetel instrument may hold on the Meter API path before the SDK folds the rest. Default: 2000. */
  cardinalityLimit?: number;
  /** Flush and shut down on SIGTERM and SIGINT. Default: false. */
  flushOnSignals?: boolean;
  /** Milliseconds `shutdown()` waits for the last export before it returns anyway. Default: 5000. */
  shutdownTimeoutMillis?: number;
  /** Other OpenTelemetry instrumentations to register, such as HTTP or pg. */
  instrumentations?: NodeSDKConfiguration['instrumentations'];
}

/**
 * The default metric export interval. Dashboards may be at most 10 s behind a job: 5 s here, at
 * most 0.2 s in the collector's batch processor and 2 s until Prometheus scrapes leave room for a
 * 2 s dashboard refresh. docs/collector.md has the whole budget.
 */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS = 5000;
/** How long `shutdown()` waits for the last export by default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;

/** The options with the environment applied and every default filled in. */
export interface ResolvedTelemetryOptions {
  readonly serviceName: string | undefined;
  readonly resourceAttributes: Attributes;
  /** Set only when given explicitly; otherwise the exporters read the environment themselves. */
  readonly endpoint: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly sampler: Sampler | undefined;
  readonly metricExportIntervalMillis: number;
  readonly exportTimeoutMillis: number | undefined;
  readonly cardinalityLimit: number;
  readonly flushOnSignals: boolean;
  readonly shutdownTimeoutMillis: number;
  readonly instrumentations: NodeSDKConfiguration['instrumentations'];
  /** `OTEL_SDK_DISABLED`: start nothing. */
  readonly disabled: boolean;
}

const KNOWN_KEYS: readonly string[] = [
  'serviceName',
  'resourceAttributes',
  'endpoint',
  'headers',
  'sampler',
  'metricExportIntervalMillis',
  'exportTimeoutMillis',
  'cardinalityLimit',
  'flushOnSignals',
  'shutdownTimeoutMillis',
  'instrumentations',
] satisfies (keyof TelemetryOptions)[];

/** Checks the options once, reads the environment, and fills in the defaults. */
export function resolveTelemetryOptions(options: TelemetryOptions | undefined): ResolvedTelemetryOptions {
  if (options === undefined) options = {};
  expectKnownKeys(undefined, options, KNOWN_KEYS);
  const o = options;

  if (o.serviceName !== undefined && (typeof o.serviceName !== 'string' || o.serviceName.trim() === '')) {
    throw new QueuetelConfigError(
      'serviceName',
      `must be a non-empty string, got ${typeName(o.serviceName)}`,
    );
  }
  if (o.serviceName === undefined && !serviceNameInEnvironment()) {
    throw new QueuetelConfigError(
      'serviceName',
      'is required: pass it, or set OTEL_SERVICE_NAME, so that dashboards can tell this service from others',
    );
  }
  checkAttributes(o.resourceAttributes);
  const base = o.endpoint === undefined ? undefined : checkEndpoint(o.endpoint);
  checkHeaders(o.headers);
  if (
    o.sampler !== undefined &&
    typeof (o.sampler as { shouldSample?: unknown })?.shouldSample !== 'function'
  ) {
    throw new QueuetelConfigError('sampler', 'must be a Sampler, with a shouldSample() method');
  }
  expectWholeNumber('metricExportIntervalMillis', o.metricExportIntervalMillis, 100, 86_400_000);
  expectWholeNumber('exportTimeoutMillis', o.exportTimeoutMillis, 1, 600_000);
  expectWholeNumber('cardinalityLimit', o.cardinalityLimit, 1, 1_000_000);
  expectBoolean('flushOnSignals', o.flushOnSignals);
  expectWholeNumber('shutdownTimeoutMillis', o.shutdownTimeoutMillis, 0, 600_000);
  if (o.instrumentations !== undefined && !Array.isArray(o.instrumentations)) {
    throw new QueuetelConfigError(
      'instrumentations',
      `must be an array, got ${typeName(o.instrumentations)}`,
    );
  }

  const interval =
    o.metricExportIntervalMillis ??
    positive(getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL')) ??
    DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS;

  return {
    serviceName: o.serviceName,
    resourceAttributes: { ...o.resourceAttributes },
    endpoint: base,
    headers: o.headers && { ...o.headers },
    sampler: o.sampler,
    metricExportIntervalMillis: interval,
    exportTimeoutMillis: o.exportTimeoutMillis,
    cardinalityLimit: o.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT,
    flushOnSignals: o.flushOnSignals ?? false,
    shutdownTimeoutMillis: o.shutdownTimeoutMillis ?? DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
    instrumentations: o.instrumentations ?? [],
    disabled: getBooleanFromEnv('OTEL_SDK_DISABLED'),
  };
}

function serviceNameInEnvironment(): boolean {
  if (getStringFromEnv('OTEL_SERVICE_NAME')) return true;
  const attributes = getStringFromEnv('OTEL_RESOURCE_ATTRIBUTES') ?? '';
  return attributes.split(',').some((pair) => {
    const [key, value] = pair.split('=', 2);
    return key?.trim() === 'service.name' && (value ?? '').trim() !== '';
  });
}

function checkEndpoint(endpoint: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new QueuetelConfigError(
      'endpoint',
      `must be an http:// or https:// URL such as 'http://localhost:4318', got ${typeName(endpoint)}`,
    );
  }
  // The signal paths are appended, as they are to OTEL_EXPORTER_OTLP_ENDPOINT.
  return url.href.replace(/\/+$/, '');
}

function checkHeaders(headers: unknown): void {
  if (headers === undefined) return;
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
    throw new QueuetelConfigError('headers', `must be an object of strings, got ${typeName(headers)}`);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw new QueuetelConfigError(`headers.${name}`, `must be a string, got ${typeName(value)}`);
    }
  }
}

function checkAttributes(attributes: unknown): void {
  if (attributes === undefined) return;
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new QueuetelConfigError(
      'resourceAttributes',
      `must be an object of strings, numbers or booleans, got ${typeName(attributes)}`,
    );
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new QueuetelConfigError(
        `resourceAttributes.${key}`,
        `must be a string, number or boolean, got ${typeName(value)}`,
      );
    }
  }
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
