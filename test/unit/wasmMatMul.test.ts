import { describe, expect, it } from 'vitest';
import { installWasmMatMul, matMulPlan } from '../../src/core/kernels/wasmMatMul';
import { Rng } from '../../src/core/rng';
import * as tf from '../../src/core/tf';

/** C = op(A) op(B) in float64, batch by batch with broadcasting of a single matrix. */
function reference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], tA: boolean, tB: boolean) {
  const plan = matMulPlan(aShape, bShape, tA, tB)!;
  const { M, N, K, batch, batchA, batchB } = plan;
  const out = new Float64Array(batch * M * N);
  for (let n = 0; n < batch; n++) {
    const oa = (batchA === 1 ? 0 : n) * M * K;
    const ob = (batchB === 1 ? 0 : n) * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[oa + (tA ? k * M + i : i * K + k)] * b[ob + (tB ? j * K + k : k * N + j)];
        out[n * M * N + i * N + j] = s;
      }
  }
  return { out, shape: plan.outShape };
}

function random(shape: number[], rng: Rng): Float32Array {
  return Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal());
}

describe('SIMD BatchMatMul on the WASM backend', () => {
  it('is installed in front of tfjs\'s kernel', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(installWasmMatMul()).toBe(true);
  });

  // Sizes that hit the 4x8 blocks, their vector and scalar edges, batches, broadcasting and both transposes.
  const cases: [number[], number[]][] = [
    [[7, 5], [5, 11]],
    [[64, 16], [16, 64]],
    [[3, 9, 13], [3, 13, 6]],
    [[4, 33, 17], [1, 17, 12]],
    [[1, 8, 8], [5, 8, 8]],
    [[2, 3, 12, 10], [2, 3, 10, 9]],
  ];
  for (const [aShape0, bShape0] of cases)
    for (const tA of [false, true])
      for (const tB of [false, true]) {
        it(`matches a float64 product for ${JSON.stringify(aShape0)} x ${JSON.stringify(bShape0)}, transposeA ${tA}, transposeB ${tB}`, () => {
          const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
          const aShape = tA ? swap(aShape0) : aShape0;
          const bShape = tB ? swap(bShape0) : bShape0;
          const rng = new Rng(aShape.length * 100 + bShape[0]);
          const a = random(aShape, rng);
          const b = random(bShape, rng);
          const want = reference(a, aShape, b, bShape, tA, tB);
          const got = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), tA, tB));
          expect(got.shape).toEqual(want.shape);
          const values = got.dataSync();
          got.dispose();
          let worst = 0;
          for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - want.out[i]) / (1 + Math.abs(want.out[i])));
          expect(worst).toBeLessThan(1e-5);
        });
      }

  it('gives a linear layer the same gradients as the float64 products (dx = dy Wᵀ, dW = xᵀ dy)', () => {
    const rng = new Rng(3);
    const x = random([10, 6], rng);
    const w = random([6, 4], rng);
    const dy = random([10, 4], rng);
    const [gx, gw] = tf.tidy(() => {
      const g = tf.grads((xt: tf.Tensor, wt: tf.Tensor) => tf.matMul(xt, wt));
      return g([tf.tensor2d(x, [10, 6]), tf.tensor2d(w, [6, 4])], tf.tensor2d(dy, [10, 4])).map((t) => t.dataSync().slice());
    });
    const wantX = reference(dy, [10, 4], w, [6, 4], false, true).out;
    const wantW = reference(x, [10, 6], dy, [10, 4], true, false).out;
    gx.forEach((v, i) => expect(v).toBeCloseTo(wantX[i], 4));
    gw.forEach((v, i) => expect(v).toBeCloseTo(wantW[i], 4));
  });

  it('leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.matMul(tf.ones([4, 8, 3]), tf.ones([4, 8, 5]), true, false);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
