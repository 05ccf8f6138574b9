import { TraceFlags } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { MeterProvider, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { exemplarsOf, INSTRUMENTS, QueuetelMetricProducer } from '@queuetel/core';
import { metricReadersFromEnv } from '../src/metric-readers.js';

const SAMPLED = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };

describe('metricReadersFromEnv', () => {
  const before = process.env.OTEL_METRICS_EXPORTER;
  afterEach(() => {
    if (before === undefined) delete process.env.OTEL_METRICS_EXPORTER;
    else process.env.OTEL_METRICS_EXPORTER = before;
  });

  it("gives each reader every exemplar once: one reader's export takes none from another", async () => {
    process.env.OTEL_METRICS_EXPORTER = 'console,prometheus';
    const producer = new QueuetelMetricProducer();
    const histogram = producer.storeFor({ name: 'readers-test' }).histogram(INSTRUMENTS.jobDuration, {});
    const { readers } = metricReadersFromEnv({ metricProducers: [producer], prometheusServer: false });
    expect(readers).toHaveLength(2);
    const provider = new MeterProvider({ readers });
    const exemplarCount = async (reader: MetricReader) => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.find((scope) => scope.scope.name === 'readers-test')!
        .metrics[0]!;
      return exemplarsOf(metric.dataPoints[0] as DataPoint<Histogram>)?.length ?? 0;
    };
    try {
      histogram.record(0.3, SAMPLED);
      expect(await exemplarCount(readers[0]!)).toBe(1);
      expect(await exemplarCount(readers[0]!)).toBe(0);
      expect(await exemplarCount(readers[1]!)).toBe(1);
      expect(await exemplarCount(readers[1]!)).toBe(0);
    } finally {
      await provider.shutdown();
    }
  });
});
