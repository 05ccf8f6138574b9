import { median, medianLowerBound, medianUpperBound } from '../lib/stats.js';

/**
 * The gate's statistics, apart from any measuring so they can be tested on their own.
 *
 * Each check has repeated, paired measurements of an overhead (µs per job, or a share of throughput
 * lost) and a budget. It fails only when the overhead is above the budget *beyond the noise*: when
 * even a one-sided 99% lower confidence bound of the median is over the budget. The bound comes
 * from order statistics (the k-th smallest sample), so it needs no assumption about the shape of
 * the noise, only that the pairs are independent. A regression three times the budget moves nearly
 * every pair above it and fails; noise around an overhead under the budget cannot push the k-th
 * smallest sample over it, except with the 1% chance the bound allows. 99% rather than 95%: a gate
 * that runs on every CI build must not cry wolf one build in twenty.
 */
export const CONFIDENCE = 0.99;

export interface CheckInput {
  readonly id: string;
  readonly label: string;
  /** The repeated measurements, one per pair. */
  readonly samples: readonly number[];
  readonly budget: number;
  readonly unit: string;
}

export interface CheckResult {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly budget: number;
  readonly n: number;
  readonly median: number;
  /** The one-sided bounds of the median at {@link CONFIDENCE}; null when there are too few samples. */
  readonly lowerBound: number | null;
  readonly upperBound: number | null;
  /** `fail`: above the budget beyond the noise; `pass`: not. */
  readonly verdict: 'pass' | 'fail';
  /** `clear` when the upper bound is under the budget too, `within-noise` when the budget lies inside the interval. */
  readonly certainty: 'clear' | 'within-noise' | 'over';
}

export function decide(check: CheckInput): CheckResult {
  const lowerBound = medianLowerBound(check.samples, CONFIDENCE) ?? null;
  const upperBound = medianUpperBound(check.samples, CONFIDENCE) ?? null;
  if (lowerBound === null || upperBound === null) {
    throw new Error(
      `${check.label}: ${check.samples.length} samples are too few for a ${CONFIDENCE * 100}% bound`,
    );
  }
  const over = lowerBound > check.budget;
  return {
    id: check.id,
    label: check.label,
    unit: check.unit,
    budget: check.budget,
    n: check.samples.length,
    median: median(check.samples),
    lowerBound,
    upperBound,
    verdict: over ? 'fail' : 'pass',
    certainty: over ? 'over' : upperBound <= check.budget ? 'clear' : 'within-noise',
  };
}
