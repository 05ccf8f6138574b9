import { randomUUID } from 'node:crypto';
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { QueuetelMetricProducer } from '@queuetel/core';
import { UsageError } from './exit-codes.js';

/** The collector's own SDK: where its metrics go, and how to flush and stop it. */
export interface CollectorTelemetry {
  /** Hand this to the collector: its gauges reach every reader through it. */
  readonly producer: QueuetelMetricProducer;
  /** Set when Prometheus is on: serves `/metrics` from the sidecar's own HTTP server. */
  readonly prometheus: PrometheusExporter | undefined;
  /** Where OTLP goes, for the start-up line; undefined when OTLP is off. */
  readonly otlp: string | undefined;
  /** Exports a last time and stops. */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Dashboards should lag at most 10 s: collect every 5 s, export every 5 s. */
const DEFAULT_EXPORT_INTERVAL_MS = 5_000;

/**
 * The SDK the sidecar runs, configured the standard way: `OTEL_METRICS_EXPORTER` picks the exporters
 * (`otlp` by default), the `OTEL_EXPORTER_OTLP_*` variables configure OTLP/HTTP (the exporters read
 * them themselves), `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` the resource. Each instance
 * gets its own `service.instance.id`, so that the leader's series and the standbys' stay apart.
 */
export function startCollectorTelemetry(
  env: Env,
  options: { prometheus: boolean; producer: QueuetelMetricProducer },
): CollectorTelemetry {
  const wanted = new Set(
    (env.OTEL_METRICS_EXPORTER ?? 'otlp')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
  for (const name of wanted) {
    if (!['otlp', 'prometheus', 'none'].includes(name)) {
      throw new UsageError(
        `OTEL_METRICS_EXPORTER: '${name}' is not supported; use otlp, prometheus or none`,
        'collect',
      );
    }
  }
  const { producer } = options;
  const readers: MetricReader[] = [];
  let otlp: string | undefined;
  if (wanted.has('otlp') && !wanted.has('none')) {
    const protocol =
      env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
    if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
      throw new UsageError(
        `OTEL_EXPORTER_OTLP_PROTOCOL: '${protocol}' is not supported; use http/protobuf or http/json`,
        'collect',
      );
    }
    const exporter = protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
    const interval =
      millisOf('OTEL_METRIC_EXPORT_INTERVAL', env.OTEL_METRIC_EXPORT_INTERVAL) ?? DEFAULT_EXPORT_INTERVAL_MS;
    const timeout = Math.min(
      millisOf('OTEL_METRIC_EXPORT_TIMEOUT', env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 3_000,
      interval,
    );
    readers.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: interval,
        exportTimeoutMillis: timeout,
        metricProducers: [producer],
      }),
    );
    otlp = `${env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'} (${protocol}, every ${interval} ms)`;
  }
  let prometheus: PrometheusExporter | undefined;
  if (options.prometheus || wanted.has('prometheus')) {
    prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] });
    // The exporter pins its own patch release of sdk-metrics, so its MetricReader is a twin of this
    // package's to TypeScript (private fields make classes nominal); at run time the two agree.
    readers.push(prometheus as unknown as MetricReader);
  }
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        'service.name': 'queuetel-collector',
        'service.instance.id': randomUUID(),
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new MeterProvider({ resource, readers });
  return {
    producer,
    prometheus,
    otlp,
    shutdown: () => provider.shutdown(),
  };
}

function millisOf(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new UsageError(`${name} must be a whole number of milliseconds, got '${value}'`, 'collect');
  }
  return ms;
}
