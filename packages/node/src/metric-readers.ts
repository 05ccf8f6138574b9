import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { QueuetelMetricProducer } from '@queuetel/core';
import {
  ConsoleMetricExporter,
  PeriodicExportingMetricReader,
  type MetricProducer,
  type MetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { ExemplarMetricExporter } from './exemplars/metric-exporter.js';

/** What {@link metricReadersFromEnv} builds. */
export interface EnvMetricReaders {
  readonly readers: MetricReader[];
  /** The Prometheus reader, when `OTEL_METRICS_EXPORTER` names it, for an application that serves `/metrics` itself. */
  readonly prometheus: PrometheusExporter | undefined;
  /** The OTLP protocol metrics go over, when `OTEL_METRICS_EXPORTER` names `otlp`. */
  readonly otlpProtocol: string | undefined;
}

export interface MetricReaderOptions {
  /** Producers every reader also collects from, such as queuetel's pre-aggregated job metrics. */
  readonly metricProducers: MetricProducer[];
  /** Milliseconds between pushes when neither the caller nor `OTEL_METRIC_EXPORT_INTERVAL` says; the SDK's is 60000. */
  readonly defaultExportIntervalMillis?: number;
  /** Overrides `OTEL_METRIC_EXPORT_INTERVAL`. */
  readonly exportIntervalMillis?: number;
  /** Overrides `OTEL_METRIC_EXPORT_TIMEOUT`. */
  readonly exportTimeoutMillis?: number;
  /** When false, a Prometheus reader starts no HTTP server of its own. Default: true, as the SDK does. */
  readonly prometheusServer?: boolean;
}

const SDK_DEFAULT_EXPORT_INTERVAL_MILLIS = 60_000;
const SDK_DEFAULT_EXPORT_TIMEOUT_MILLIS = 30_000;

/**
 * The metric readers the Node SDK would build from `OTEL_METRICS_EXPORTER` (`otlp` by default;
 * `prometheus`, `console`, `none`), with the same variables and defaults, and with queuetel's
 * producers attached, which the SDK's own readers cannot take: `NodeSDKConfiguration` has no
 * `metricProducers`. The OTLP protocol is `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, else
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf` as the specification says; each exporter reads
 * its own endpoint, headers, timeout and TLS variables.
 */
export function metricReadersFromEnv(options: MetricReaderOptions): EnvMetricReaders {
  const names = [...new Set(getStringListFromEnv('OTEL_METRICS_EXPORTER') ?? [])];
  if (names.length === 0) names.push('otlp');
  if (names.includes('none')) return { readers: [], prometheus: undefined, otlpProtocol: undefined };

  const { metricProducers } = options;
  const interval =
    options.exportIntervalMillis ??
    positive(getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL')) ??
    options.defaultExportIntervalMillis ??
    SDK_DEFAULT_EXPORT_INTERVAL_MILLIS;
  const timeout =
    options.exportTimeoutMillis ??
    positive(getNumberFromEnv('OTEL_METRIC_EXPORT_TIMEOUT')) ??
    SDK_DEFAULT_EXPORT_TIMEOUT_MILLIS;
  const periodic = (exporter: PushMetricExporter): MetricReader =>
    new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: interval,
      // The SDK refuses a timeout longer than the interval between exports.
      exportTimeoutMillis: Math.min(timeout, interval),
      metricProducers: forOneReader(metricProducers),
    });

  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  let otlpProtocol: string | undefined;
  for (const name of names) {
    switch (name) {
      case 'otlp':
        otlpProtocol = otlpMetricsProtocol();
        readers.push(periodic(otlpMetricExporter(otlpProtocol)));
        break;
      case 'console':
        readers.push(periodic(new ConsoleMetricExporter()));
        break;
      case 'prometheus':
        prometheus = new PrometheusExporter({
          host: getStringFromEnv('OTEL_EXPORTER_PROMETHEUS_HOST'),
          port: getNumberFromEnv('OTEL_EXPORTER_PROMETHEUS_PORT'),
          preventServerStart: options.prometheusServer === false,
          metricProducers: forOneReader(metricProducers),
        });
        // The exporter pins its own patch release of sdk-metrics, so its MetricReader is a twin of
        // this package's to TypeScript (private fields make classes nominal); at run time they agree.
        readers.push(prometheus as unknown as MetricReader);
        break;
      default:
        diag.warn(
          `queuetel: OTEL_METRICS_EXPORTER value '${name}' is not supported; use otlp, prometheus, console or none`,
        );
    }
  }
  return { readers, prometheus, otlpProtocol };
}

/** The OTLP protocol of metrics, as the specification defines its variables and default. */
export function otlpMetricsProtocol(): string {
  return (
    (
      getStringFromEnv('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL') ??
      getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')
    )?.trim() || 'http/protobuf'
  );
}

/** The SDK's OTLP exporter for `protocol`, with the exemplars of queuetel's job histograms. */
function otlpMetricExporter(protocol: string): PushMetricExporter {
  switch (protocol) {
    case 'grpc':
    case 'http/json':
    case 'http/protobuf':
      return new ExemplarMetricExporter(protocol);
    default:
      diag.warn(`queuetel: OTLP protocol '${protocol}' is not supported; using http/protobuf`);
      return new ExemplarMetricExporter('http/protobuf');
  }
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The producers as one reader should hold them: queuetel's own as a view of that reader's, so that
 * each reader gets every exemplar once (see `QueuetelMetricProducer.forReader`).
 */
function forOneReader(producers: readonly MetricProducer[]): MetricProducer[] {
  return producers.map((producer) =>
    producer instanceof QueuetelMetricProducer ? (producer.forReader() as MetricProducer) : producer,
  );
}
