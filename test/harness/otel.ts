import { context, propagation, type Attributes, type AttributeValue } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  TracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { QueuetelMetricProducer } from '@queuetel/core';

let contextInstalled = false;

/** The global context manager and W3C propagator a Node SDK would register. Once per process. */
export function installGlobalContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

/** A metric reader that collects only when a test asks it to: no timers, no flakiness. */
export class ManualMetricReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Which way job metrics reach the SDK: queuetel's pre-aggregating producer, or the Meter API. */
export type MetricsPath = 'producer' | 'meter';

export interface TestTelemetry {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  /** Set on the producer path; pass it to the instrumentation as `metricProducer`. */
  readonly metricProducer: QueuetelMetricProducer | undefined;
  /** The instrumentation options that route spans and metrics here. */
  readonly providers: {
    tracerProvider: TracerProvider;
    meterProvider?: MeterProvider;
    metricProducer?: QueuetelMetricProducer;
  };
  spans(): ReadableSpan[];
  resetSpans(): void;
  collect(): Promise<MetricsSnapshot>;
  shutdown(): Promise<void>;
}

/** The real OpenTelemetry SDK with an in-memory span exporter and a manual metric reader. */
export function createTestTelemetry(path: MetricsPath = 'producer'): TestTelemetry {
  installGlobalContext();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const metricProducer = path === 'producer' ? new QueuetelMetricProducer() : undefined;
  const reader = new ManualMetricReader(metricProducer ? { metricProducers: [metricProducer] } : {});
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    metricProducer,
    providers: metricProducer ? { tracerProvider, metricProducer } : { tracerProvider, meterProvider },
    spans: () => exporter.getFinishedSpans(),
    resetSpans: () => exporter.reset(),
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
      return new MetricsSnapshot(resourceMetrics);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** One data point, flattened for assertions. */
export interface Point {
  readonly attributes: Attributes;
  readonly value: number;
  readonly histogram?: Histogram;
}

/** What one collection returned, with lookups by metric name and attributes. */
export class MetricsSnapshot {
  constructor(readonly resourceMetrics: ResourceMetrics) {}

  metric(name: string): MetricData | undefined {
    for (const scope of this.resourceMetrics.scopeMetrics) {
      const found = scope.metrics.find((metric) => metric.descriptor.name === name);
      if (found) return found;
    }
    return undefined;
  }

  names(): string[] {
    return this.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
  }

  /** Points of a metric whose attributes include every pair in `where`. */
  points(name: string, where: Attributes = {}): Point[] {
    const metric = this.metric(name);
    if (!metric) return [];
    const points: Point[] = [];
    for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
      if (!matches(point.attributes, where)) continue;
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        const histogram = point.value as Histogram;
        points.push({ attributes: point.attributes, value: histogram.count, histogram });
      } else {
        points.push({ attributes: point.attributes, value: point.value as number });
      }
    }
    return points;
  }

  /** The sum of a counter's matching points, or the count of a histogram's. */
  total(name: string, where: Attributes = {}): number {
    return this.points(name, where).reduce((sum, point) => sum + point.value, 0);
  }

  /** The distinct values one attribute takes across a metric's points. */
  valuesOf(name: string, attribute: string): AttributeValue[] {
    return [...new Set(this.points(name).map((point) => point.attributes[attribute]!))];
  }
}

function matches(attributes: Attributes, where: Attributes): boolean {
  return Object.entries(where).every(([key, value]) => attributes[key] === value);
}
