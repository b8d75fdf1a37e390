import { describe, expect, it } from 'vitest';
import { pca2, procrustes2 } from '../../src/core/projection';
import { meanKL, rowSoftmax } from '../../src/core/probeView';
import { Rng } from '../../src/core/rng';

describe('PCA', () => {
  it('finds the axes of an elongated cloud and explains most of its variance', () => {
    const rng = new Rng(1);
    const n = 500;
    const d = 5;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const t = rng.normal() * 5;
      const s = rng.normal() * 2;
      x[i * d] = t; // the main axis is e0, the second e3
      x[i * d + 3] = s;
      for (const k of [1, 2, 4]) x[i * d + k] = rng.normal() * 0.1;
    }
    const { points, explained } = pca2(x, d);
    expect(explained[0]).toBeGreaterThan(0.8);
    expect(explained[0] + explained[1]).toBeGreaterThan(0.99);
    // Projections are the coordinates up to sign: |pc1| = |x0 - mean|, orthogonal axes give uncorrelated coordinates.
    let corr = 0;
    for (let i = 0; i < n; i++) corr += points[i * 2] * points[i * 2 + 1];
    expect(Math.abs(corr / n)).toBeLessThan(0.5);
  });
});

describe('Procrustes', () => {
  it('undoes a rotation and a reflection exactly, keeping scale', () => {
    const rng = new Rng(2);
    const n = 50;
    const ref = new Float32Array(n * 2).map(() => rng.normal());
    for (const reflect of [false, true]) {
      const th = 1.1;
      const moved = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const [x, y] = [ref[i * 2], ref[i * 2 + 1] * (reflect ? -1 : 1)];
        moved[i * 2] = x * Math.cos(th) - y * Math.sin(th) + 3;
        moved[i * 2 + 1] = x * Math.sin(th) + y * Math.cos(th) - 2;
      }
      const back = procrustes2(moved, ref);
      back.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    }
  });
});


describe('probe-batch distributions', () => {
  it('row softmax sums to one, excludes self on request, and KL is zero only for equal rows', () => {
    const m = new Float32Array([1, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 1]);
    const s = rowSoftmax(m, 3, 10, true);
    for (let i = 0; i < 3; i++) {
      expect(s[i * 4]).toBe(0);
      expect(s[i * 3] + s[i * 3 + 1] + s[i * 3 + 2]).toBeCloseTo(1, 6);
    }
    expect(meanKL(s, s, 3)).toBeCloseTo(0, 10);
    const flat = rowSoftmax(new Float32Array(9), 3, 1, true);
    expect(meanKL(s, flat, 3)).toBeGreaterThan(0.1);
  });
});
