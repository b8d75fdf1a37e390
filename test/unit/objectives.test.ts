import * as tf from '../../src/core/tf';
import { describe, expect, it } from 'vitest';
import {
  clampLogScale,
  CLIP_MAX_LOG_SCALE,
  clipLogits,
  clipLoss,
  sigLipLoss,
  simClrLoss,
  softCrossEntropy,
  twoViewGraph,
  xSampleLogits,
  xSampleLoss,
  xSampleTargets,
} from '../../src/core/objectives';

// Test vectors from shared/spec/losses.md (τ = 0.1, τ_s = 0.1, t = 10).
const U = [[1, 0], [0.6, 0.8], [0, 1]];
const W = [[0.8, 0.6], [0.28, 0.96], [-0.6, 0.8]];
const V = [[0.8, 0.6], [0.6, 0.8], [-0.6, 0.8]];
const S = [[1, 0.96, 0], [0.96, 1, 0.28], [0, 0.28, 1]];
const UW = [...U, ...W];
const t10 = () => tf.scalar(Math.log(10));

function value(f: () => tf.Scalar): number {
  return tf.tidy(() => f().dataSync()[0]);
}
function closeRel(actual: number, expected: number, rel = 1e-4) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}
const t2 = (a: number[][]) => tf.tensor2d(a);

describe('CLIP', () => {
  it('matches the spec vector and its two halves', () => {
    closeRel(value(() => clipLoss(t2(U), t2(V), t10())), 0.558971);
    const logits = tf.tidy(() => clipLogits(t2(U), t2(V), t10()).arraySync());
    const expected = [[8, 6, -6], [9.6, 10, 2.8], [6, 8, 8]];
    logits.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 4));
    const I = () => tf.eye(3) as tf.Tensor2D;
    closeRel(value(() => softCrossEntropy(clipLogits(t2(U), t2(V), t10()), I())), 0.466338);
    closeRel(value(() => softCrossEntropy(tf.transpose(clipLogits(t2(U), t2(V), t10())), I())), 0.651605);
  });

  it('clamps the log scale to [0, ln 100]', () => {
    expect(clampLogScale(10)).toBeCloseTo(CLIP_MAX_LOG_SCALE, 10);
    expect(Math.exp(clampLogScale(7))).toBeCloseTo(100, 6);
    expect(clampLogScale(-3)).toBe(0);
    expect(clampLogScale(2.659260)).toBeCloseTo(2.65926, 6);
  });
});

describe('X-Sample', () => {
  it('matches the one-view vector with self excluded', () => {
    const L = value(() => xSampleLoss(t2(U), t2(S), 0.1, 0.1));
    closeRel(L, 0.862171);
    // The wrong implementation (self included) gives 1.166981: make sure we are not it.
    expect(Math.abs(L - 1.166981)).toBeGreaterThan(0.1);
  });

  it('matches the two-view vector and its first target row', () => {
    closeRel(value(() => xSampleLoss(t2(UW), twoViewGraph(t2(S)), 0.1, 0.1)), 1.806239);
    const row = tf.tidy(() => xSampleTargets(twoViewGraph(t2(S)), 0.1).arraySync()[0]);
    expect(row[0]).toBe(0);
    const expected = [0.286372, 0.000019, 0.427217, 0.286372, 0.000019];
    row.slice(1).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it('tends to SimCLR NT-Xent as τ_s → 0 with distinct captions', () => {
    const xs = value(() => xSampleLoss(t2(UW), twoViewGraph(t2(S)), 0.1, 1e-4));
    const nt = value(() => simClrLoss(t2(UW), 0.1));
    closeRel(xs, 1.010722);
    closeRel(nt, 1.010722);
  });

  it('has the gradient (p − s)/M with respect to the logits', () => {
    const z = t2(UW);
    const G = twoViewGraph(t2(S));
    const M = 6;
    const tau = 0.1;
    // L as a function of the logits ℓ = sim/τ (masked), the quantity the identity is stated for.
    const f = (logits: tf.Tensor) =>
      softCrossEntropy(tf.add(logits, tf.mul(tf.eye(M), -1e4)) as tf.Tensor2D, xSampleTargets(G, 0.1)) as tf.Tensor;
    const ell = tf.div(tf.matMul(z, z, false, true), tau) as tf.Tensor2D;
    const grad = tf.grad(f)(ell).arraySync() as number[][];
    const p = tf.softmax(xSampleLogits(z, tau)).arraySync() as number[][];
    const s = xSampleTargets(G, 0.1).arraySync() as number[][];
    for (let a = 0; a < M; a++)
      for (let b = 0; b < M; b++) {
        if (a === b) continue;
        expect(grad[a][b]).toBeCloseTo((p[a][b] - s[a][b]) / M, 6);
      }
    // The loss through the embeddings equals the loss through the logits.
    closeRel(value(() => f(ell) as tf.Scalar), value(() => xSampleLoss(z, G, tau, 0.1)));
  });

  it('gives the SupCon-style target with class captions: all same-class views share the mass', () => {
    const G = t2([[1, 1, 0], [1, 1, 0], [0, 0, 1]]);
    const s = tf.tidy(() => xSampleTargets(twoViewGraph(G), 1e-4).arraySync());
    // Row 0 (class A): positives are item 1 and both views of items 0 and 1, minus itself: 3 of them.
    [s[0][1], s[0][3], s[0][4]].forEach((v) => expect(v).toBeCloseTo(1 / 3, 6));
    [s[0][2], s[0][5]].forEach((v) => expect(v).toBeCloseTo(0, 6));
  });
});

describe('SigLIP', () => {
  it('matches the spec vector', () => {
    closeRel(value(() => sigLipLoss(t2(U), t2(V), t10(), tf.scalar(-10))), 1.874664);
  });
});
