import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { InstrumentDescriptor } from './instruments.js';

/** A counter or up-down counter bound to one attribute set. */
export interface BoundCounter {
  add(value: number): void;
}

/** A histogram bound to one attribute set. */
export interface BoundHistogram {
  /**
   * `sampled` is the context of the sampled span the value belongs to, if there is one; a sink that
   * keeps exemplars keeps it as one, timed `at` (a `performance.now()` reading the caller already
   * made, which saves reading the clock again; now when absent).
   */
  record(value: number, sampled?: SpanContext, at?: number): void;
}

/**
 * Where job metrics go. Instruments are bound to an attribute set once, when a label combination
 * is first seen, so the per-job path never builds or hashes an attribute set.
 */
export interface MetricSink {
  counter(instrument: InstrumentDescriptor, attributes: Attributes): BoundCounter;
  histogram(instrument: InstrumentDescriptor, attributes: Attributes): BoundHistogram;
}

const NOOP_HANDLE: BoundCounter & BoundHistogram = Object.freeze({
  add: () => {},
  record: () => {},
});

/** The sink used when metrics are switched off. */
export const NOOP_SINK: MetricSink = Object.freeze({
  counter: () => NOOP_HANDLE,
  histogram: () => NOOP_HANDLE,
});
