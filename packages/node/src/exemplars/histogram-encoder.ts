import type { AttributeValue, HrTime } from '@opentelemetry/api';
import { exemplarsOf, type Exemplar } from '@queuetel/core';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  type MetricData,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { ProtobufWriter } from './protobuf-writer.js';

// Field numbers of opentelemetry/proto/metrics/v1/metrics.proto and common/v1/common.proto.
const SCOPE_METRICS = { scope: 1, metrics: 2, schemaUrl: 3 } as const;
const SCOPE = { name: 1, version: 2 } as const;
const METRIC = { name: 1, description: 2, unit: 3, histogram: 9 } as const;
const HISTOGRAM = { dataPoints: 1, temporality: 2 } as const;
const POINT = {
  startTime: 2,
  time: 3,
  count: 4,
  sum: 5,
  bucketCounts: 6,
  explicitBounds: 7,
  exemplars: 8,
  attributes: 9,
  min: 11,
  max: 12,
} as const;
const EXEMPLAR = { time: 2, asDouble: 3, spanId: 4, traceId: 5 } as const;
const KEY_VALUE = { key: 1, value: 2 } as const;
const ANY_VALUE = { string: 1, bool: 2, int: 3, double: 4 } as const;

/** Whether `metric` is a histogram with at least one point that carries exemplars. */
export function hasExemplars(metric: MetricData): metric is HistogramMetricData {
  return (
    metric.dataPointType === DataPointType.HISTOGRAM &&
    metric.dataPoints.some((point) => (exemplarsOf(point)?.length ?? 0) > 0)
  );
}

/** One `ScopeMetrics` message holding histograms, with their exemplars. */
export function encodeScopeMetrics(
  scope: ScopeMetrics['scope'],
  metrics: readonly HistogramMetricData[],
): Uint8Array {
  const writer = new ProtobufWriter();
  const scopeWriter = new ProtobufWriter().string(SCOPE.name, scope.name);
  if (scope.version) scopeWriter.string(SCOPE.version, scope.version);
  writer.bytes(SCOPE_METRICS.scope, scopeWriter.finish());
  for (const metric of metrics) writer.bytes(SCOPE_METRICS.metrics, encodeHistogramMetric(metric));
  if (scope.schemaUrl) writer.string(SCOPE_METRICS.schemaUrl, scope.schemaUrl);
  return writer.finish();
}

function encodeHistogramMetric(metric: HistogramMetricData): Uint8Array {
  const histogram = new ProtobufWriter();
  for (const point of metric.dataPoints) {
    const value = point.value;
    const writer = new ProtobufWriter();
    for (const [key, attribute] of Object.entries(point.attributes)) {
      if (attribute === undefined) continue;
      writer.bytes(
        POINT.attributes,
        new ProtobufWriter()
          .string(KEY_VALUE.key, key)
          .bytes(KEY_VALUE.value, encodeAnyValue(key, attribute))
          .finish(),
      );
    }
    writer
      .fixed64(POINT.startTime, nanos(point.startTime))
      .fixed64(POINT.time, nanos(point.endTime))
      .fixed64(POINT.count, BigInt(value.count));
    if (value.sum !== undefined) writer.double(POINT.sum, value.sum);
    writer.packedFixed64(POINT.bucketCounts, value.buckets.counts);
    writer.packedDouble(POINT.explicitBounds, value.buckets.boundaries);
    for (const exemplar of exemplarsOf(point) ?? []) writer.bytes(POINT.exemplars, encodeExemplar(exemplar));
    if (value.min !== undefined) writer.double(POINT.min, value.min);
    if (value.max !== undefined) writer.double(POINT.max, value.max);
    histogram.bytes(HISTOGRAM.dataPoints, writer.finish());
  }
  histogram.varint(
    HISTOGRAM.temporality,
    metric.aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2,
  );
  const writer = new ProtobufWriter().string(METRIC.name, metric.descriptor.name);
  if (metric.descriptor.description) writer.string(METRIC.description, metric.descriptor.description);
  if (metric.descriptor.unit) writer.string(METRIC.unit, metric.descriptor.unit);
  return writer.bytes(METRIC.histogram, histogram.finish()).finish();
}

function encodeExemplar(exemplar: Exemplar): Uint8Array {
  return new ProtobufWriter()
    .fixed64(EXEMPLAR.time, nanos(exemplar.time))
    .double(EXEMPLAR.asDouble, exemplar.value)
    .bytes(EXEMPLAR.spanId, Buffer.from(exemplar.spanId, 'hex'))
    .bytes(EXEMPLAR.traceId, Buffer.from(exemplar.traceId, 'hex'))
    .finish();
}

function encodeAnyValue(key: string, value: AttributeValue): Uint8Array {
  const writer = new ProtobufWriter();
  switch (typeof value) {
    case 'string':
      return writer.string(ANY_VALUE.string, value).finish();
    case 'boolean':
      return writer.varint(ANY_VALUE.bool, value ? 1 : 0).finish();
    case 'number':
      // As the SDK's serializer types them, so a series keeps one identity whichever encoder wrote it.
      if (!Number.isInteger(value)) return writer.double(ANY_VALUE.double, value).finish();
      if (Number.isSafeInteger(value) && value >= 0) return writer.varint(ANY_VALUE.int, value).finish();
      break;
    default:
      break;
  }
  // Job series carry strings only; anything else is left to the SDK's serializer.
  throw new Error(`attribute '${key}' has a value this encoder does not write`);
}

/** JSON form of the exemplars of `point`, as OTLP/JSON writes them (hex ids, decimal nanoseconds). */
export function jsonExemplars(point: object): object[] | undefined {
  return exemplarsOf(point)?.map((exemplar) => ({
    timeUnixNano: nanos(exemplar.time).toString(),
    asDouble: exemplar.value,
    spanId: exemplar.spanId,
    traceId: exemplar.traceId,
  }));
}

function nanos(time: HrTime): bigint {
  return BigInt(Math.trunc(time[0])) * 1_000_000_000n + BigInt(Math.trunc(time[1]));
}
