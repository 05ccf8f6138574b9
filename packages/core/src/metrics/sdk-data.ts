import type { Attributes, HrTime, ValueType } from '@opentelemetry/api';

// The metrics SDK's collected data, in the shapes of @opentelemetry/sdk-metrics (2.x and 3.x alike):
// declared here rather than imported, so that core's type declarations compile where that optional
// peer is absent. The constants are the values of the SDK's enums; packages/core/test/sdk-data.test.ts
// holds them equal, and these types assignable to the SDK's own.

/** `DataPointType.HISTOGRAM`. */
export const HISTOGRAM_POINT = 0 as const;
/** `DataPointType.GAUGE`. */
export const GAUGE_POINT = 2 as const;
/** `DataPointType.SUM`. */
export const SUM_POINT = 3 as const;
/** `AggregationTemporality.CUMULATIVE`: every point queuetel produces counts from a fixed start. */
export const CUMULATIVE = 1 as const;

export interface DataPoint<Value> {
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  value: Value;
}

export interface HistogramValue {
  buckets: { boundaries: number[]; counts: number[] };
  sum?: number;
  count: number;
  min?: number;
  max?: number;
}

interface MetricDataBase {
  descriptor: { name: string; description: string; unit: string; valueType: ValueType };
  aggregationTemporality: typeof CUMULATIVE;
}

export interface SumMetricData extends MetricDataBase {
  dataPointType: typeof SUM_POINT;
  isMonotonic: boolean;
  dataPoints: DataPoint<number>[];
}

export interface GaugeMetricData extends MetricDataBase {
  dataPointType: typeof GAUGE_POINT;
  dataPoints: DataPoint<number>[];
}

export interface HistogramMetricData extends MetricDataBase {
  dataPointType: typeof HISTOGRAM_POINT;
  dataPoints: DataPoint<HistogramValue>[];
}

export type MetricData = SumMetricData | GaugeMetricData | HistogramMetricData;

export interface ScopeMetrics {
  scope: { name: string; version?: string; schemaUrl?: string };
  metrics: MetricData[];
}

/** What a metric producer's `collect()` resolves to. */
export interface CollectionResult {
  /** `resource` is never read: a reader keeps its own resource and takes only a producer's scope metrics. */
  resourceMetrics: { resource: never; scopeMetrics: ScopeMetrics[] };
  errors: unknown[];
}
