import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { twoViewGraph, xSampleTargets } from '../../src/core/objectives';
import * as tf from '../../src/core/tf';
import { embeddingGraph } from '../../src/core/captionGraph';

describe('caption graph from vectors', () => {
  it('gives every image similarity 1 with itself, also when its caption vector is zero', () => {
    // Row 2 is a zero vector (an empty caption file, say): its two views must still be each other's target.
    const v = new Float32Array([1, 0, 0, 1, 0, 0]);
    const g = embeddingGraph('test', v, 2);
    const b = g.batch(Int32Array.from([0, 1, 2]));
    expect([b[0], b[4], b[8]]).toEqual([1, 1, 1]);
    expect(g.row(2)[2]).toBe(1);
    expect(b[1]).toBe(0);
    // X-Sample's two-view target of image 2: all its weight on its other view (index 2 + 3 = 5).
    const s = tf.tidy(() => xSampleTargets(twoViewGraph(tf.tensor2d(b, [3, 3])), 0.1).arraySync() as number[][]);
    expect(s[2][5]).toBeGreaterThan(0.99);
  });
});

describe('seeded initialisation', () => {
  it("truncates like timm's trunc_normal_(std): bounds of ±2 in absolute value, not ±2 standard deviations", () => {
    const rng = new Rng(11);
    const draws = Array.from({ length: 20000 }, () => rng.truncNormal(1));
    // With std 1 the ±2 bound cuts 4.6% of a normal's mass: draws reach 1.95 and beyond but never pass 2.
    expect(Math.max(...draws.map(Math.abs))).toBeLessThanOrEqual(2);
    const wide = new Rng(11);
    const big = Array.from({ length: 20000 }, () => wide.truncNormal(10));
    // With std 10 almost every normal draw is outside ±2, so all kept draws are inside ±2 (not inside ±20).
    expect(Math.max(...big.map(Math.abs))).toBeLessThanOrEqual(2);
    const small = new Rng(11);
    const fine = Array.from({ length: 20000 }, () => small.truncNormal(0.02));
    // With std 0.02 the bound never bites: some draws lie beyond 2 standard deviations (0.04).
    expect(fine.filter((x) => Math.abs(x) > 0.04).length).toBeGreaterThan(300);
  });
});
