import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  exemplarsOf,
  INSTRUMENTS,
  QueuetelMetricProducer,
  type HistogramMetricData,
  type ScopeMetrics,
} from '@queuetel/core';
import { AggregationStore } from '@queuetel/core/internal';

function spanContext(n: number, traceFlags = TraceFlags.SAMPLED): SpanContext {
  return { traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), traceFlags };
}

function pointOf(scopeMetrics: ScopeMetrics) {
  return (scopeMetrics.metrics[0] as HistogramMetricData).dataPoints[0]!;
}

function collectPoint(store: AggregationStore) {
  return pointOf(store.toScopeMetrics([0, 0]));
}

describe('exemplars of the job histograms', () => {
  it('keep the latest sampled recording of each bucket, with its trace, span and time', () => {
    const store = new AggregationStore({ name: 'exemplar-test' });
    const histogram = store.histogram(INSTRUMENTS.jobDuration, { 'messaging.destination.name': 'q' });
    const before = Date.now();
    histogram.record(0.001, spanContext(1));
    histogram.record(0.002, spanContext(2)); // same bucket as 0.001: replaces it
    histogram.record(3, spanContext(3));
    histogram.record(4); // no span: counted, no exemplar
    const point = collectPoint(store);
    expect(point.value.count).toBe(4);
    const exemplars = exemplarsOf(point)!;
    expect(exemplars.map((e) => [e.value, e.traceId.slice(-1), e.spanId.slice(-1)])).toEqual([
      [0.002, '2', '2'],
      [3, '3', '3'],
    ]);
    for (const exemplar of exemplars) {
      const ms = exemplar.time[0] * 1000 + exemplar.time[1] / 1e6;
      expect(ms).toBeGreaterThanOrEqual(before - 1);
      expect(ms).toBeLessThanOrEqual(Date.now() + 1);
    }
    // Invisible to JSON and to a copy of the point, as the SDK's data point types have no such field.
    expect(JSON.stringify(point)).not.toContain('traceId');
    expect(exemplarsOf({ ...point })).toBeUndefined();
  });

  it('go out once: each collection carries those recorded since the one before', () => {
    const store = new AggregationStore({ name: 'exemplar-test' });
    const histogram = store.histogram(INSTRUMENTS.jobWaitTime, {});
    histogram.record(1, spanContext(7));
    const first = performance.now();
    expect(exemplarsOf(pointOf(store.toScopeMetrics([0, 0], 0)))).toHaveLength(1);
    // Nothing sampled since: the next collection has the bucket's count but no exemplar.
    expect(exemplarsOf(pointOf(store.toScopeMetrics([0, 0], performance.now())))).toBeUndefined();
    histogram.record(1.5, spanContext(8));
    expect(exemplarsOf(pointOf(store.toScopeMetrics([0, 0], first)))![0]!.spanId.slice(-1)).toBe('8');
  });

  it('reach every reader once, each reader counting from its own collections', async () => {
    const producer = new QueuetelMetricProducer();
    const histogram = producer.storeFor({ name: 'exemplar-test' }).histogram(INSTRUMENTS.jobDuration, {});
    const readers = [producer.forReader(), producer.forReader()];
    const exemplarCount = async (reader: { collect: QueuetelMetricProducer['collect'] }) => {
      const { resourceMetrics } = await reader.collect();
      const point = (resourceMetrics.scopeMetrics[0]!.metrics[0] as HistogramMetricData).dataPoints[0]!;
      return exemplarsOf(point)?.length ?? 0;
    };
    histogram.record(0.2, spanContext(1));
    expect(await exemplarCount(readers[0]!)).toBe(1);
    expect(await exemplarCount(readers[0]!)).toBe(0);
    // The second reader has not collected yet: the first one's collection took nothing from it.
    expect(await exemplarCount(readers[1]!)).toBe(1);
    expect(await exemplarCount(readers[1]!)).toBe(0);
    // The producer used directly is a reader of its own.
    expect(await exemplarCount(producer)).toBe(1);
    expect(await exemplarCount(producer)).toBe(0);
  });

  it('are absent from a histogram that never saw a sampled span', () => {
    const store = new AggregationStore({ name: 'exemplar-test' });
    store.histogram(INSTRUMENTS.jobDuration, {}).record(1);
    expect(exemplarsOf(collectPoint(store))).toBeUndefined();
  });
});
