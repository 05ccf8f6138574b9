import { describe, expect, it } from 'vitest';
import {
  binomialHalfCdf,
  median,
  medianLowerBound,
  medianUpperBound,
  pairedRatios,
  quantile,
  summarize,
} from '../lib/stats.js';

describe('benchmark statistics', () => {
  it('interpolates quantiles between ranks', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('sums the binomial(n, 1/2) distribution exactly', () => {
    expect(binomialHalfCdf(9, 1)).toBeCloseTo(10 / 512, 12);
    expect(binomialHalfCdf(9, 2)).toBeCloseTo(46 / 512, 12);
    expect(binomialHalfCdf(4, 4)).toBe(1);
    expect(binomialHalfCdf(4, -1)).toBe(0);
  });

  it('takes the k-th smallest sample as a 95% lower bound of the median', () => {
    const samples = [9, 1, 8, 2, 7, 3, 6, 4, 5];
    // P(at most 1 of 9 below the median) = 10/512 <= 5% < P(at most 2) = 46/512: the 2nd smallest.
    expect(medianLowerBound(samples, 0.95)).toBe(2);
    expect(medianUpperBound(samples, 0.95)).toBe(8);
    // Four samples cannot give 95%: all four fall on one side with probability 1/16 > 5%.
    expect(medianLowerBound([1, 2, 3, 4], 0.95)).toBeUndefined();
    expect(medianLowerBound([1, 2, 3, 4, 5], 0.95)).toBe(1);
  });

  it('summarizes with the measurements kept in their order', () => {
    const summary = summarize([5, 1, 4, 2, 3]);
    expect(summary).toMatchObject({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4, low: 1, high: 5 });
    expect(summary.values).toEqual([5, 1, 4, 2, 3]);
  });

  it('pairs ratios element by element and refuses unpaired samples', () => {
    expect(pairedRatios([2, 4], [1, 6])).toEqual([0.5, 1.5]);
    expect(() => pairedRatios([1], [1, 2])).toThrow(/unpaired/);
  });
});
