import type { Attributes } from '@opentelemetry/api';
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

  constructor(
    readonly attributes: Attributes,
    readonly boundaries: readonly number[],
  ) {
    this.#bounds = Float64Array.from(boundaries);
    this.counts = new Float64Array(boundaries.length + 1);
  }

  record(value: number): void {
    const bounds = this.#bounds;
    // A linear scan: with at most a couple of dozen boundaries it beats a binary search.
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}
