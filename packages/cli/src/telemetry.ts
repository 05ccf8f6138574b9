import { randomUUID } from 'node:crypto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { QueuetelMetricProducer } from '@queuetel/core';
import { metricReadersFromEnv } from '@queuetel/node';

/** The collector's own SDK: where its metrics go, and how to flush and stop it. */
export interface CollectorTelemetry {
  /** Hand this to the collector: its gauges reach every reader through it. */
  readonly producer: QueuetelMetricProducer;
  /** Set when Prometheus is on: serves `/metrics` from the sidecar's own HTTP server. */
  readonly prometheus: PrometheusExporter | undefined;
  /** The OTLP protocol, for the start-up line; undefined when OTLP is off. */
  readonly otlp: string | undefined;
  /** Exports a last time and stops. */
  shutdown(): Promise<void>;
}

/** Dashboards should lag at most 10 s: collect every 5 s, export every 5 s. */
const DEFAULT_EXPORT_INTERVAL_MS = 5_000;

/**
 * The metrics SDK the sidecar runs, with the readers `OTEL_METRICS_EXPORTER` chooses, built by the
 * same function as `startTelemetry()`'s (`otlp` by default over `http/protobuf`, or `grpc`,
 * `http/json`; `prometheus`, `console`, `none`). A Prometheus reader starts no server of its own:
 * the sidecar serves `/metrics` beside `/health`. `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`
 * make the resource; each instance gets its own `service.instance.id`, so that the leader's series
 * and the standbys' stay apart.
 */
export function startCollectorTelemetry(options: {
  prometheus: boolean;
  producer: QueuetelMetricProducer;
}): CollectorTelemetry {
  const { producer } = options;
  const chosen = metricReadersFromEnv({
    metricProducers: [producer],
    defaultExportIntervalMillis: DEFAULT_EXPORT_INTERVAL_MS,
    prometheusServer: false,
  });
  const readers: MetricReader[] = [...chosen.readers];
  let prometheus = chosen.prometheus;
  if (options.prometheus && !prometheus) {
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
    otlp: chosen.otlpProtocol,
    shutdown: () => provider.shutdown(),
  };
}
