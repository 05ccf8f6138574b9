import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { countMetricPoints, startSink } from '../worker/sink.js';

/** A real export request from the metrics SDK: 3 counter series and 2 histogram series. */
async function collectedMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('sink-test');
  const counter = meter.createCounter('jobs');
  const histogram = meter.createHistogram('duration');
  for (const project of ['a', 'b', 'c']) counter.add(1, { project });
  for (const project of ['a', 'b']) histogram.record(0.1, { project });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('the OTLP sink', () => {
  it('counts the data points of a metric export in either encoding', async () => {
    const metrics = await collectedMetrics();
    const json = Buffer.from(JsonMetricsSerializer.serializeRequest(metrics)!);
    const protobuf = Buffer.from(ProtobufMetricsSerializer.serializeRequest(metrics)!);
    expect(countMetricPoints(json, true)).toBe(5);
    expect(countMetricPoints(protobuf, false)).toBe(5);
  });

  it('tallies each worker by the path its exporters post to', async () => {
    const sink = await startSink();
    try {
      const body = ProtobufMetricsSerializer.serializeRequest(await collectedMetrics())!;
      const response = await fetch(`${sink.url}/w1/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      expect(response.status).toBe(200);
      expect(sink.tally('w1').metricExports).toEqual([{ bytes: body.length, points: 5 }]);
      expect(sink.tally('w2').metricExports).toEqual([]);
    } finally {
      await sink.close();
    }
  });
});
