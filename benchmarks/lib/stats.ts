/**
 * The statistics every suite shares. Samples from a shared, noisy machine are skewed and have
 * outliers, so everything here is rank-based: medians, quantiles, and distribution-free confidence
 * bounds for a median from order statistics, which assume only that the samples are independent.
 */

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The q-quantile (0..1) with linear interpolation between closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const position = (s.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return s[below]! + (s[above]! - s[below]!) * (position - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** P(X <= k) for X ~ Binomial(n, 1/2). */
export function binomialHalfCdf(n: number, k: number): number {
  if (k < 0) return 0;
  let term = Math.pow(0.5, n); // P(X = 0)
  let total = term;
  for (let i = 1; i <= Math.min(k, n); i++) {
    term = (term * (n - i + 1)) / i;
    total += term;
  }
  return Math.min(1, total);
}

/**
 * A one-sided lower confidence bound for the median: the k-th smallest sample, with k the largest
 * rank for which fewer than k samples fall below the true median with probability at most
 * `1 - confidence`. Undefined when there are too few samples to give that confidence at all.
 */
export function medianLowerBound(values: readonly number[], confidence: number): number | undefined {
  const rank = boundRank(values.length, confidence);
  return rank === undefined ? undefined : sorted(values)[rank - 1];
}

/** The matching one-sided upper bound: the k-th largest sample. */
export function medianUpperBound(values: readonly number[], confidence: number): number | undefined {
  const rank = boundRank(values.length, confidence);
  return rank === undefined ? undefined : sorted(values)[values.length - rank];
}

function boundRank(n: number, confidence: number): number | undefined {
  const alpha = 1 - confidence;
  let rank: number | undefined;
  // The k-th smallest lies above the median only if at most k-1 samples fall below it.
  for (let k = 1; k <= n; k++) {
    if (binomialHalfCdf(n, k - 1) <= alpha) rank = k;
    else break;
  }
  return rank;
}

/** A centre and spread for a set of repeated measurements, as the results files store them. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  /** 25th and 75th percentiles. */
  readonly q1: number;
  readonly q3: number;
  readonly min: number;
  readonly max: number;
  /** A two-sided 90% confidence interval for the median (each side 95%), when n allows one. */
  readonly low: number | null;
  readonly high: number | null;
  /** The measurements themselves, in the order they were made. */
  readonly values: readonly number[];
}

export function summarize(values: readonly number[]): Summary {
  const s = sorted(values);
  return {
    n: s.length,
    median: median(s),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    low: medianLowerBound(s, 0.95) ?? null,
    high: medianUpperBound(s, 0.95) ?? null,
    values: [...values],
  };
}

/** `b[i] / a[i]` for each pair. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`unpaired samples: ${a.length} and ${b.length}`);
  return a.map((value, i) => b[i]! / value);
}
