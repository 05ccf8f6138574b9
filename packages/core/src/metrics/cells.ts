import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { Exemplar } from './exemplars.js';
import type { BoundCounter, BoundHistogram } from './sink.js';

/** A running sum for one attribute set: the state of a counter or up-down counter. */
export class SumCell implements BoundCounter {
  value = 0;
  /**
   * Whether anything was ever added. A cell bound but never used is left out of exports: it would
   * only re-send a zero that nothing recorded (an up-down counter back at zero was used, and stays).
   */
  recorded = false;

  constructor(readonly attributes: Attributes) {}

  add(value: number): void {
    this.value += value;
    this.recorded = true;
  }
}

/** Whether a cell holds anything recorded; one that does not is left out of exports. */
export function isRecorded(cell: SumCell | HistogramCell): boolean {
  return cell instanceof SumCell ? cell.recorded : cell.count > 0;
}

/**
 * An explicit-bucket histogram for one attribute set. `counts[i]` holds values in
 * (boundaries[i-1], boundaries[i]]; the last slot holds everything above the last boundary, the
 * same layout the OpenTelemetry SDK and OTLP use.
 */
export class HistogramCell implements BoundHistogram {
  // Typed arrays rather than number[]: V8 scans and bumps them several times faster, which matters
  // on a path every job takes two or three times.
  readonly counts: Float64Array;
  readonly #bounds: Float64Array;
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  // The latest sampled recording of each bucket, its exemplar. Made on the first sampled recording,
  // so that a sampled job only writes three slots and a histogram without traces costs nothing.
  #sampledSpans: (SpanContext | undefined)[] | undefined;
  #sampledValues: Float64Array | undefined;
  #sampledAt: Float64Array | undefined;

  constructor(
    readonly attributes: Attributes,
    readonly boundaries: readonly number[],
  ) {
    this.#bounds = Float64Array.from(boundaries);
    this.counts = new Float64Array(boundaries.length + 1);
  }

  record(value: number, sampled?: SpanContext, at?: number): void {
    const bounds = this.#bounds;
    // A linear scan: with at most a couple of dozen boundaries it beats a binary search.
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (sampled !== undefined) this.#keep(i, value, sampled, at ?? performance.now());
  }

  #keep(bucket: number, value: number, sampled: SpanContext, at: number): void {
    if (this.#sampledSpans === undefined) {
      this.#sampledSpans = new Array<SpanContext | undefined>(this.counts.length).fill(undefined);
      this.#sampledValues = new Float64Array(this.counts.length);
      this.#sampledAt = new Float64Array(this.counts.length);
    }
    // The span context is the span's own object: keeping it costs a reference, not a copy.
    this.#sampledSpans[bucket] = sampled;
    this.#sampledValues![bucket] = value;
    // The monotonic clock: a collection's cut-off compares with it, and the wall clock may step.
    this.#sampledAt![bucket] = at;
  }

  /**
   * One exemplar per bucket that has had a sampled recording since `since` (a `performance.now()`
   * reading): the latest. A reader passes the time of its previous collection, so each exemplar is
   * exported once, as the SDK's own reservoirs do, rather than repeated until a newer one replaces it.
   */
  exemplars(since = 0): Exemplar[] {
    const spans = this.#sampledSpans;
    if (spans === undefined) return [];
    const exemplars: Exemplar[] = [];
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i];
      const at = this.#sampledAt![i]!;
      if (span === undefined || at < since) continue;
      const ms = performance.timeOrigin + at;
      const seconds = Math.floor(ms / 1000);
      exemplars.push({
        value: this.#sampledValues![i]!,
        time: [seconds, Math.round((ms - seconds * 1000) * 1e6)],
        traceId: span.traceId,
        spanId: span.spanId,
      });
    }
    return exemplars;
  }
}
