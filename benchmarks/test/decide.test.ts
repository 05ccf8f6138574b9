import { describe, expect, it } from 'vitest';
import { decide } from '../gate/decide.js';
import { GATE_ROUNDS } from '../gate/gate.js';
import { seededRandom } from '../../test/harness/seeded-random.js';

/** Normal noise from two uniforms (Box-Muller). */
function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** One simulated gate check: n paired losses around `trueLoss` with normal noise of that spread. */
function simulate(next: () => number, trueLoss: number, noise: number, n: number) {
  const samples = Array.from({ length: n }, () => trueLoss + noise * gaussian(next));
  return decide({ id: 'loss', label: 'loss', samples, budget: 0.01, unit: 'share' });
}

describe('the gate decision', () => {
  it('fails only when the lower bound of the median is over the budget', () => {
    const over = decide({
      id: 'x',
      label: 'x',
      samples: [0.03, 0.04, 0.05, 0.035, 0.045, 0.04, 0.05],
      budget: 0.01,
      unit: 'share',
    });
    expect(over).toMatchObject({ verdict: 'fail', certainty: 'over' });
    const noisy = decide({
      id: 'x',
      label: 'x',
      samples: [-0.02, 0.03, 0.0, 0.025, -0.01, 0.04, 0.005],
      budget: 0.01,
      unit: 'share',
    });
    expect(noisy).toMatchObject({ verdict: 'pass', certainty: 'within-noise' });
    const clear = decide({
      id: 'x',
      label: 'x',
      samples: [0.001, 0.002, 0.0, 0.003, 0.001, 0.002, 0.004],
      budget: 0.01,
      unit: 'share',
    });
    expect(clear).toMatchObject({ verdict: 'pass', certainty: 'clear' });
  });

  it('refuses to decide on too few samples for a 99% bound', () => {
    // Six samples all fall on one side of the median with probability 1/64 > 1%.
    expect(() => decide({ id: 'x', label: 'x', samples: [1, 2, 3, 4, 5, 6], budget: 0, unit: 'µs' })).toThrow(
      /too few/,
    );
    expect(
      decide({ id: 'x', label: 'x', samples: [1, 2, 3, 4, 5, 6, 7], budget: 0, unit: 'µs' }).lowerBound,
    ).toBe(1);
  });

  // The gate's own shape: GATE_ROUNDS paired losses per check. With a round-to-round spread of
  // 1.5 points (standard deviation), which a quiet machine gives real workers, it separates a 3%
  // regression from noise; the loaded development machine spreads ten times wider, and then no
  // number of rounds the CI budget allows would.
  it('at the gate’s rounds and a quiet machine’s noise, a 3% regression fails nearly always and noise alone nearly never', () => {
    const next = seededRandom(6);
    const runs = 2000;
    const failRate = (trueLoss: number) => {
      let failures = 0;
      for (let i = 0; i < runs; i++)
        if (simulate(next, trueLoss, 0.015, GATE_ROUNDS).verdict === 'fail') failures++;
      return failures / runs;
    };
    // Within budget: 0.5% lost; just over it: 1.2%.
    expect(failRate(0.005)).toBeLessThan(0.01);
    expect(failRate(0.012)).toBeLessThan(0.05);
    // Either of those with a 3% regression on top.
    expect(failRate(0.035)).toBeGreaterThan(0.75);
    expect(failRate(0.042)).toBeGreaterThan(0.9);
  }, 30_000);
});
