import type { Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { ALL_INSTRUMENTS, DURATION_BUCKETS, WAIT_TIME_BUCKETS } from '@queuetel/core';
import { queuetelViews } from '../src/views.js';

class ManualReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

async function collect(record: (provider: MeterProvider) => void, limit = 5): Promise<MetricData[]> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader], views: queuetelViews(limit) });
  record(provider);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
}

function boundaries(metric: MetricData | undefined): number[] {
  expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM);
  return (metric!.dataPoints[0] as DataPoint<Histogram>).value.buckets.boundaries;
}

function attributesOf(metric: MetricData | undefined): Attributes[] {
  return (metric?.dataPoints ?? []).map((point) => point.attributes);
}

describe('queuetelViews', () => {
  it('has one view, with its cardinality limit, for every instrument of the registry', () => {
    const views = queuetelViews(7);
    expect(views.map((view) => view.instrumentName)).toEqual(ALL_INSTRUMENTS.map((i) => i.name));
    expect(views.every((view) => view.aggregationCardinalityLimit === 7)).toBe(true);
    expect(queuetelViews().map((view) => view.aggregationCardinalityLimit)).toEqual(
      ALL_INSTRUMENTS.map((i) => i.cardinalityLimit),
    );
  });

  it('gives duration and wait-time histograms their buckets, even when the instrument advises none', async () => {
    const metrics = await collect((provider) => {
      const meter = provider.getMeter('someone-else');
      meter.createHistogram('messaging.process.duration', { unit: 's' }).record(0.3);
      meter.createHistogram('queuetel.collector.duration', { unit: 's' }).record(0.02);
      meter.createHistogram('queuetel.job.wait_time', { unit: 's' }).record(5400);
      meter.createHistogram('unrelated.duration', { unit: 's' }).record(1);
    });
    const byName = (name: string) => metrics.find((m) => m.descriptor.name === name);
    expect(boundaries(byName('messaging.process.duration'))).toEqual(DURATION_BUCKETS);
    expect(boundaries(byName('queuetel.collector.duration'))).toEqual(DURATION_BUCKETS);
    expect(boundaries(byName('queuetel.job.wait_time'))).toEqual(WAIT_TIME_BUCKETS);
    // Instruments that are not queuetel's keep the SDK's defaults.
    expect(boundaries(byName('unrelated.duration'))).not.toEqual(DURATION_BUCKETS);
  });

  it('caps the series of each queuetel instrument and folds the rest into the overflow series', async () => {
    const metrics = await collect((provider) => {
      const meter = provider.getMeter('someone-else');
      const attempts = meter.createCounter('queuetel.job.attempts');
      const duration = meter.createHistogram('queuetel.job.duration', { unit: 's' });
      const unrelated = meter.createCounter('unrelated.count');
      for (let i = 0; i < 12; i++) {
        attempts.add(1, { tenant: `t${i}` });
        duration.record(0.1, { tenant: `t${i}` });
        unrelated.add(1, { tenant: `t${i}` });
      }
    }, 5);
    for (const name of ['queuetel.job.attempts', 'queuetel.job.duration']) {
      const series = attributesOf(metrics.find((m) => m.descriptor.name === name));
      expect(series, name).toHaveLength(5);
      expect(
        series.filter((a) => a['otel.metric.overflow'] === true),
        name,
      ).toHaveLength(1);
    }
    expect(attributesOf(metrics.find((m) => m.descriptor.name === 'unrelated.count'))).toHaveLength(12);
  });

  it('leaves an instrument of another kind under a histogram name alone rather than failing', async () => {
    const metrics = await collect((provider) => {
      provider.getMeter('odd').createCounter('queuetel.job.duration').add(3);
    });
    const metric = metrics.find((m) => m.descriptor.name === 'queuetel.job.duration');
    expect(metric?.dataPointType).toBe(DataPointType.SUM);
    expect(metric?.dataPoints[0]?.value).toBe(3);
  });

  it('matches each instrument with exactly one view, so no metric is reported twice', () => {
    const names = queuetelViews().map((view) => view.instrumentName);
    expect(new Set(names).size).toBe(names.length);
  });
});
