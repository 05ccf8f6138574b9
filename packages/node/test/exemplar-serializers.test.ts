import { ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { attachExemplars } from '@queuetel/core/internal';
import { decodeProtobufRequest } from '../../../test/harness/otlp-proto.js';
import { exemplarJsonSerializer, exemplarProtobufSerializer } from '../src/exemplars/serializers.js';

const EXEMPLAR = {
  value: 0.5,
  time: [1_700_000_000, 5] as [number, number],
  traceId: 'ab'.repeat(16),
  spanId: 'cd'.repeat(8),
};

function request(attributes: HistogramMetricData['dataPoints'][number]['attributes']): ResourceMetrics {
  const point = attachExemplars(
    {
      startTime: [1_700_000_000, 0] as [number, number],
      endTime: [1_700_000_001, 0] as [number, number],
      attributes,
      value: { buckets: { boundaries: [1], counts: [1, 0] }, sum: 0.5, count: 1, min: 0.5, max: 0.5 },
    },
    [EXEMPLAR],
  );
  const histogram: HistogramMetricData = {
    descriptor: { name: 'queuetel.job.duration', description: 'd', unit: 's', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [point],
  };
  return {
    resource: resourceFromAttributes({ 'service.name': 'serializer-test' }),
    scopeMetrics: [{ scope: { name: '@queuetel/core', version: '0.1.0' }, metrics: [histogram] }],
  };
}

type Decoded = {
  resourceMetrics: {
    resource: { attributes: unknown[] };
    scopeMetrics: {
      scope: { name: string };
      metrics: { histogram: { dataPoints: { exemplars?: object[] }[] } }[];
    }[];
  }[];
};

describe("queuetel's metric serializers", () => {
  it('protobuf: the SDK encoding with the exemplars added, as a decoder of the OTLP schema reads it', () => {
    const metrics = request({ 'messaging.destination.name': 'q' });
    const decoded = decodeProtobufRequest(
      'metrics',
      exemplarProtobufSerializer.serializeRequest(metrics)!,
    ) as Decoded;
    const stock = decodeProtobufRequest(
      'metrics',
      ProtobufMetricsSerializer.serializeRequest(metrics)!,
    ) as Decoded;
    const [resource] = decoded.resourceMetrics.filter((r) => r.scopeMetrics?.length);
    expect(resource!.resource).toEqual(stock.resourceMetrics[0]!.resource);
    const point = resource!.scopeMetrics[0]!.metrics[0]!.histogram.dataPoints[0]!;
    expect(point.exemplars).toEqual([
      {
        // Read back as a JavaScript number, so to the nearest double.
        timeUnixNano: Number(1_700_000_000_000_000_005n),
        asDouble: 0.5,
        traceId: EXEMPLAR.traceId,
        spanId: EXEMPLAR.spanId,
      },
    ]);
    // Apart from the exemplars, the point is the one the SDK writes.
    const { exemplars: _, ...rest } = point;
    expect(rest).toEqual(stock.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.histogram.dataPoints[0]);
  });

  it('json: the SDK encoding with the exemplars added', () => {
    const metrics = request({ 'messaging.destination.name': 'q' });
    const decoded = JSON.parse(
      new TextDecoder().decode(exemplarJsonSerializer.serializeRequest(metrics)),
    ) as Decoded;
    expect(
      decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.histogram.dataPoints[0]!.exemplars,
    ).toEqual([
      {
        timeUnixNano: '1700000000000000005',
        asDouble: 0.5,
        traceId: EXEMPLAR.traceId,
        spanId: EXEMPLAR.spanId,
      },
    ]);
  });

  it('falls back to exactly the SDK encoding when the exemplars cannot be written', () => {
    // An array attribute is one this encoder leaves to the SDK: the export goes out, without exemplars.
    const metrics = request({ 'messaging.destination.name': ['a', 'b'] });
    expect(exemplarProtobufSerializer.serializeRequest(metrics)).toEqual(
      ProtobufMetricsSerializer.serializeRequest(metrics),
    );
  });
});
