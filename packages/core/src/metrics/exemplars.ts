import type { HrTime } from '@opentelemetry/api';

/** One recorded value of a histogram, with the sampled span it was recorded in. */
export interface Exemplar {
  readonly value: number;
  readonly time: HrTime;
  /** 32 lowercase hex digits, as `SpanContext.traceId`. */
  readonly traceId: string;
  /** 16 lowercase hex digits, as `SpanContext.spanId`. */
  readonly spanId: string;
}

// The SDK's data point types have no room for exemplars, so they ride on a side property that every
// copy of this package (ESM and CommonJS) finds by the same global symbol, and that
// JSON.stringify and the SDK's serializers never see.
const EXEMPLARS = Symbol.for('queuetel.exemplars');

/** Attaches `exemplars` to a produced data point; returns the point. */
export function attachExemplars<Point extends object>(point: Point, exemplars: readonly Exemplar[]): Point {
  Object.defineProperty(point, EXEMPLARS, { value: exemplars, enumerable: false });
  return point;
}

/** The exemplars queuetel attached to a data point, if any. */
export function exemplarsOf(point: object): readonly Exemplar[] | undefined {
  return (point as { [EXEMPLARS]?: readonly Exemplar[] })[EXEMPLARS];
}
