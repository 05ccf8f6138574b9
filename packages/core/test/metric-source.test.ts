import { DataPointType } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { QueuetelMetricProducer, type MetricSource } from '@queuetel/core';
import { CUMULATIVE } from '../src/metrics/sdk-data.js';

const gaugeSource = (value: number): MetricSource => ({
  collect: (endTime) => ({
    scope: { name: 'gauges' },
    metrics: [
      {
        descriptor: { name: 'queue.depth', description: '', unit: '{job}', valueType: 1 },
        aggregationTemporality: CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: [{ startTime: endTime, endTime, attributes: {}, value }],
      },
    ],
  }),
});

describe('metric sources on the producer', () => {
  it('are collected beside the job metrics until removed', async () => {
    const producer = new QueuetelMetricProducer();
    producer.storeFor({ name: 'jobs' });
    const remove = producer.addSource(gaugeSource(7));
    const first = await producer.collect();
    expect(first.resourceMetrics.scopeMetrics.map((s) => s.scope.name)).toEqual(['jobs', 'gauges']);
    expect(first.resourceMetrics.scopeMetrics[1]!.metrics[0]!.dataPoints[0]!.value).toBe(7);
    remove();
    const second = await producer.collect();
    expect(second.resourceMetrics.scopeMetrics.map((s) => s.scope.name)).toEqual(['jobs']);
  });

  it('keep a source that throws from costing the others their data', async () => {
    const producer = new QueuetelMetricProducer();
    const broken = new Error('source broke');
    producer.addSource({
      collect: () => {
        throw broken;
      },
    });
    producer.addSource(gaugeSource(3));
    const result = await producer.collect();
    expect(result.errors).toEqual([broken]);
    expect(result.resourceMetrics.scopeMetrics.map((s) => s.scope.name)).toEqual(['gauges']);
  });
});
