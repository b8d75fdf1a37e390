import { describe, expect, it } from 'vitest';
import { summariseSeeds } from '../../src/core/seedSummary';
import { pairedDifference, studentTCdf, studentTQuantile, summarise } from '../../src/core/stats';

describe('seed statistics', () => {
  it("Student's t quantiles match the tables", () => {
    // Two-sided 95%: t(0.975, df) from any statistics table.
    const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [3, 3.1824], [4, 2.7764], [9, 2.2622], [29, 2.0452], [1000, 1.9623]];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.7764, 3);
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(2.0150, 5)).toBeCloseTo(0.95, 4);
  });

  it('summarises three seeds: mean, sample sd and the t-interval', () => {
    const s = summarise([0.7, 0.74, 0.72]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.72, 12);
    expect(s.sd).toBeCloseTo(0.02, 12);
    // half-width t(0.975, 2) * 0.02 / sqrt(3) = 4.3027 * 0.011547 = 0.049683
    expect(s.ci[0]).toBeCloseTo(0.72 - 0.049683, 5);
    expect(s.ci[1]).toBeCloseTo(0.72 + 0.049683, 5);
  });

  it('says nothing it cannot: one value has no interval, non-finite values are left out', () => {
    const one = summarise([0.5]);
    expect(one.mean).toBe(0.5);
    expect(Number.isNaN(one.sd)).toBe(true);
    expect(one.ci.every(Number.isNaN)).toBe(true);
    expect(summarise([0.5, NaN, 0.7]).n).toBe(2);
  });

  it('the paired difference is significant only when its interval excludes 0', () => {
    // Same seeds: a beats b by 2-3 points every time (significant), or by -4 to +2 points (not).
    const s2 = pairedDifference([0.74, 0.77, 0.75], [0.72, 0.74, 0.73]);
    expect(s2.mean).toBeCloseTo(0.0233333, 6);
    expect(s2.ci[0]).toBeGreaterThan(0);
    expect(s2.significant).toBe(true);
    const noisy = pairedDifference([0.74, 0.70, 0.75], [0.72, 0.74, 0.73]);
    expect(noisy.ci[0]).toBeLessThan(0);
    expect(noisy.ci[1]).toBeGreaterThan(0);
    expect(noisy.significant).toBe(false);
  });
});

describe('a comparison over seeds', () => {
  it('summarises every objective per metric and pairs X-Sample − CLIP by seed', () => {
    const run = (seed: number, clip: number, xs: number) => ({
      seed,
      results: [
        { objective: 'xsample', final: { knnTop1: xs, graphSpearman: 0.2 } },
        { objective: 'clip', final: { knnTop1: clip, graphSpearman: 0.1, retrieval: { imageToText: { r1: 0.05 }, textToImage: { r1: 0.06 } } } },
      ],
    });
    const s = summariseSeeds([run(0, 0.72, 0.74), run(1, 0.74, 0.77), run(2, 0.73, 0.75)] as never, ['clip', 'xsample']);
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.byObjective.xsample.knnTop1.mean).toBeCloseTo(0.7533333, 6);
    expect(s.byObjective.clip.i2tR1.mean).toBeCloseTo(0.05, 10);
    expect(s.byObjective.xsample.i2tR1).toBeUndefined(); // no text tower, no retrieval
    expect(s.paired!.a).toBe('xsample');
    expect(s.paired!.byMetric.knnTop1.mean).toBeCloseTo(0.0233333, 6);
    expect(s.paired!.byMetric.knnTop1.significant).toBe(true);
    expect(s.paired!.byMetric.i2tR1).toBeUndefined();
    expect(s.paired!.byMetric.heldOutLoss).toBeUndefined(); // two different losses
    expect(s.byObjective.clip.heldOutLoss).toBeUndefined(); // none given here
  });
});
