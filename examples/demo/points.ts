import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** One data point of a collection, flattened: a sum's or gauge's value, or a histogram's buckets. */
export interface Point {
  readonly name: string;
  readonly attributes: Attributes;
  /** The value of a sum or gauge; the count of a histogram. */
  readonly value: number;
  readonly histogram?: { readonly boundaries: readonly number[]; readonly counts: readonly number[] };
}

export function flatten(collected: ResourceMetrics): Point[] {
  const points: Point[] = [];
  for (const scope of collected.scopeMetrics) {
    for (const metric of scope.metrics) {
      const name = metric.descriptor.name;
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        for (const point of metric.dataPoints) {
          const { buckets, count } = point.value;
          points.push({ name, attributes: point.attributes, value: count, histogram: buckets });
        }
      } else if (metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) {
        for (const point of metric.dataPoints) {
          points.push({ name, attributes: point.attributes, value: point.value });
        }
      }
    }
  }
  return points;
}
