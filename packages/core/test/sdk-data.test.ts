import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult as SdkCollectionResult,
  type MetricProducer,
  type ScopeMetrics as SdkScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CUMULATIVE,
  GAUGE_POINT,
  HISTOGRAM_POINT,
  QueuetelMetricProducer,
  SUM_POINT,
  type CollectionResult,
  type ScopeMetrics,
} from '@queuetel/core';

// Core declares the SDK's data shapes itself (the SDK is an optional peer); these hold them to the
// installed SDK's own, whichever line CI installed.
describe("core's copy of the metrics SDK's data shapes", () => {
  it("uses the SDK's enum values for point types and temporality", () => {
    expect(SUM_POINT).toBe(DataPointType.SUM);
    expect(GAUGE_POINT).toBe(DataPointType.GAUGE);
    expect(HISTOGRAM_POINT).toBe(DataPointType.HISTOGRAM);
    expect(CUMULATIVE).toBe(AggregationTemporality.CUMULATIVE);
  });

  it("is assignable to the SDK's types, so the producer goes straight into a reader", () => {
    expectTypeOf<ScopeMetrics>().toExtend<SdkScopeMetrics>();
    expectTypeOf<CollectionResult>().toExtend<SdkCollectionResult>();
    expectTypeOf<QueuetelMetricProducer>().toExtend<MetricProducer>();
    expect(typeof new QueuetelMetricProducer().collect).toBe('function');
  });
});
