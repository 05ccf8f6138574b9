import { AggregationType, InstrumentType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { ALL_INSTRUMENTS, type InstrumentDescriptor } from '@queuetel/core';

/**
 * The SDK views for queuetel's instruments and the messaging-convention instruments, one per
 * instrument of core's registry: its buckets for a histogram and its cardinality limit, or
 * `cardinalityLimit` for all of them when given.
 *
 * Views apply to metrics recorded through the Meter API: pg-boss's built-in telemetry,
 * instrumentations given an explicit `meterProvider`, and the queue-health gauges. Metrics that
 * take queuetel's pre-aggregated path already carry these buckets and are bounded by the label caps.
 *
 * Exactly one view matches each instrument, because the SDK makes one stream per matching view
 * and two would report the metric twice.
 */
export function queuetelViews(cardinalityLimit?: number): ViewOptions[] {
  return ALL_INSTRUMENTS.map((instrument) =>
    view(instrument, cardinalityLimit ?? instrument.cardinalityLimit),
  );
}

function view(instrument: InstrumentDescriptor, limit: number): ViewOptions {
  if (!instrument.buckets) return { instrumentName: instrument.name, aggregationCardinalityLimit: limit };
  return {
    instrumentName: instrument.name,
    // Only a histogram can take bucket boundaries; an instrument of another kind under the same
    // name keeps the SDK's default rather than failing.
    instrumentType: InstrumentType.HISTOGRAM,
    aggregation: {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: { boundaries: [...instrument.buckets] },
    },
    aggregationCardinalityLimit: limit,
  };
}
