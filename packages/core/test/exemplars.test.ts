import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { exemplarsOf, INSTRUMENTS, type HistogramMetricData } from '@queuetel/core';
import { AggregationStore } from '@queuetel/core/internal';

function spanContext(n: number, traceFlags = TraceFlags.SAMPLED): SpanContext {
  return { traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), traceFlags };
}

function collectPoint(store: AggregationStore) {
  const metric = store.toScopeMetrics([0, 0]).metrics[0] as HistogramMetricData;
  return metric.dataPoints[0]!;
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

  it('are repeated at the next collection until a newer one replaces them', () => {
    const store = new AggregationStore({ name: 'exemplar-test' });
    const histogram = store.histogram(INSTRUMENTS.jobWaitTime, {});
    histogram.record(1, spanContext(7));
    expect(exemplarsOf(collectPoint(store))).toHaveLength(1);
    expect(exemplarsOf(collectPoint(store))![0]!.spanId.slice(-1)).toBe('7');
  });

  it('are absent from a histogram that never saw a sampled span', () => {
    const store = new AggregationStore({ name: 'exemplar-test' });
    store.histogram(INSTRUMENTS.jobDuration, {}).record(1);
    expect(exemplarsOf(collectPoint(store))).toBeUndefined();
  });
});
