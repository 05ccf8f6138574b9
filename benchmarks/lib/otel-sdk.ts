import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  TracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { QueuetelMetricProducer } from '@queuetel/core';

let globalsInstalled = false;

/** The context manager and W3C propagator every Node SDK registers. Once per process. */
export function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

/**
 * A span exporter that drops what it is given, so a benchmark measures what the application pays
 * (span creation, the batch processor's queue) and not a network. It counts the spans, so a run can
 * prove that spans really were made.
 */
export class DiscardingSpanExporter implements SpanExporter {
  exported = 0;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A metric exporter that drops what it is given, after counting the data points. */
class DiscardingMetricExporter implements PushMetricExporter {
  points = 0;

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) this.points += metric.dataPoints.length;
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A metric reader that collects only when asked: a benchmark reads totals between rounds. */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface SdkOptions {
  /** `false` makes every root span unsampled (non-recording). */
  readonly sampled: boolean;
  /** Collect metrics on a timer, as an exporting application would, instead of on demand. */
  readonly exportIntervalMillis?: number;
}

/** The real OpenTelemetry SDK as an application would set it up, exporting nowhere. */
export interface BenchSdk {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** queuetel's fast path, wired to the same reader as the meter provider. */
  readonly metricProducer: QueuetelMetricProducer;
  readonly spanExporter: DiscardingSpanExporter;
  /** Collects every metric now; returns the number of data points. */
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

export function createBenchSdk(options: SdkOptions): BenchSdk {
  installGlobals();
  const spanExporter = new DiscardingSpanExporter();
  const tracerProvider = new TracerProvider({
    sampler: options.sampled ? new AlwaysOnSampler() : new AlwaysOffSampler(),
    spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter })],
  });
  const metricProducer = new QueuetelMetricProducer();
  const reader =
    options.exportIntervalMillis === undefined
      ? new OnDemandReader({ metricProducers: [metricProducer] })
      : new PeriodicExportingMetricReader({
          exporter: new DiscardingMetricExporter(),
          exportIntervalMillis: options.exportIntervalMillis,
          metricProducers: [metricProducer],
        });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    metricProducer,
    spanExporter,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
      return resourceMetrics;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
