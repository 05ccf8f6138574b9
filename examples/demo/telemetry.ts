/**
 * The demo's OpenTelemetry SDK, set up the way an application that already has a NodeSDK adds
 * queuetel to it: queuetelMetrics() gives the producer for every reader and the views, and makes the
 * producer the global one. Two readers: one in this process that the live view collects from every second, and,
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set, one exporting over OTLP/HTTP beside it (with traces).
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  MetricReader,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { setGlobalMetricProducer } from '@queuetel/core';
import { queuetelMetrics } from '@queuetel/node';

/** A reader that exports nowhere: the live view calls collect() on it when it draws. */
class InProcessReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface DemoTelemetry {
  /** Where OTLP goes, when it goes anywhere. */
  readonly otlpEndpoint: string | undefined;
  /** Everything the SDK holds now: queuetel's job metrics and the queue-health gauges. */
  collect(): Promise<ResourceMetrics>;
  /** Flushes the last spans and metrics to OTLP and stops the SDK. */
  shutdown(): Promise<void>;
}

export function startDemoTelemetry(): DemoTelemetry {
  const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const { metricProducer: producer, views } = queuetelMetrics();
  const inProcess = new InProcessReader({ metricProducers: [producer] });
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'queuetel-demo',
    metricReaders: otlpEndpoint
      ? [
          inProcess,
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter(),
            exportIntervalMillis: 2000,
            metricProducers: [producer],
          }),
        ]
      : [inProcess],
    views,
    // No exporter named, no spans: the SDK would otherwise send them to localhost:4318 by default.
    spanProcessors: otlpEndpoint ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] : [],
    logRecordProcessors: [],
  });
  sdk.start();
  return {
    otlpEndpoint,
    async collect() {
      return (await inProcess.collect()).resourceMetrics;
    },
    async shutdown() {
      setGlobalMetricProducer(undefined);
      await sdk.shutdown();
    },
  };
}
