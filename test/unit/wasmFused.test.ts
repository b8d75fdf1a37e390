import { afterEach, describe, expect, it } from 'vitest';
import { withDefaults, type ObjectiveName } from '../../src/core/config';
import { imageBatch } from '../../src/core/dataset';
import {
  attentionSoftmaxOp,
  biasGeluOp,
  fusedActive,
  fusion,
  l2NormalizeOp,
  layerNormOp,
  linearOp,
  meanPoolOp,
  residualAddOp,
  softCrossEntropyOp,
} from '../../src/core/kernels/fused';
import { ATTN_SOFTMAX, BIAS_GELU, L2_NORMALIZE, LINEAR, LN, MEAN_POOL, MEAN_POOL_MASKED, RESIDUAL_ADD, SOFT_CE } from '../../src/core/kernels/names';
import { ContrastiveModel } from '../../src/core/model';
import { AdamW } from '../../src/core/optimizer';
import { Params } from '../../src/core/params';
import * as tf from '../../src/core/tf';
import { Trainer } from '../../src/core/trainer';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';

// The fused kernels registered for tfjs's WASM backend (JS loops over the backend's heap: kernels/wasmFused.ts and
// the in-place AdamW of kernels/adamw.ts) against the composite tfjs ops they replace (fusion.enabled = false), on the
// WASM backend in Node: values and gradients to 1e-4 relative.

const onWasm = (process.env.TEST_BACKEND ?? 'wasm') === 'wasm'; // test/unit/setup.ts starts that backend

let seed = 11;
function randData(n: number, scale = 1): Float32Array {
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    d[i] = ((seed / 2147483648) * 2 - 1) * scale;
  }
  return d;
}

/** max |a − b| / max |b| */
function relErrData(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let num = 0;
  let den = 1e-30;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / den;
}

function rand(shape: number[], scale = 1): tf.Tensor {
  return tf.tensor(randData(shape.reduce((a, b) => a * b, 1), scale), shape);
}

/** max |a − b| / max(max |b|, floor) */
function relErr(a: tf.Tensor, b: tf.Tensor, floor = 0): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let num = 0;
  let den = Math.max(floor, 1e-30);
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / den;
}

/** The op's value and the gradients of sum(op · w) with respect to inputs[wrt], fused (WASM kernels) and composite, agree to 1e-4. */
function check(op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], wrt: number[], kernel: string) {
  tf.tidy(() => {
    fusion.enabled = true;
    expect(fusedActive(kernel)).toBe(true);
    const w = rand(op(...inputs).shape);
    const run = (fused: boolean) => {
      fusion.enabled = fused;
      const value = op(...inputs);
      const grads = tf.grads((...xs: tf.Tensor[]) => {
        const all = inputs.slice();
        wrt.forEach((k, i) => (all[k] = xs[i]));
        return tf.sum(tf.mul(op(...all), w));
      })(wrt.map((k) => inputs[k]));
      return { value, grads };
    };
    const a = run(true);
    const b = run(false);
    fusion.enabled = true;
    expect(relErr(a.value, b.value)).toBeLessThan(1e-4);
    a.grads.forEach((g, i) => expect(relErr(g, b.grads[i])).toBeLessThan(1e-4));
  });
}

afterEach(() => {
  fusion.enabled = true;
});

describe.runIf(onWasm)('fused kernels on WASM', () => {
  it('AdamW in place equals the composite update over several steps, and keeps the variables\' data ids', async () => {
    const shapes: Record<string, number[]> = { w: [7, 5], b: [5], g: [3] };
    const run = async (fused: boolean) => {
      fusion.enabled = fused;
      seed = 5;
      const p = new Params();
      for (const [k, s] of Object.entries(shapes)) p.addValues(k, s, randData(s.reduce((a, b) => a * b, 1)), k === 'w');
      const ids = p.list().map((v) => v.dataId);
      const opt = new AdamW(p, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05 });
      for (let step = 0; step < 4; step++) {
        const grads = new Map(Object.entries(shapes).map(([k, s]) => [k, tf.tensor(randData(s.reduce((a, b) => a * b, 1), 2), s)]));
        const before = tf.memory().numTensors;
        opt.apply(grads, 0.01 * (step + 1));
        if (step > 0) expect(tf.memory().numTensors).toBe(before); // the first step creates the moment slots
        for (const g of grads.values()) g.dispose();
      }
      if (fused) expect(p.list().map((v) => v.dataId)).toEqual(ids);
      const out = { w: await p.snapshot(), opt: await opt.snapshot() };
      opt.dispose();
      p.dispose();
      return out;
    };
    const a = await run(true);
    const b = await run(false);
    for (const k of Object.keys(shapes)) {
      expect(relErrData(a.w[k].data, b.w[k].data)).toBeLessThan(1e-5);
      expect(relErrData(a.opt.m[k].data, b.opt.m[k].data)).toBeLessThan(1e-5);
      expect(relErrData(a.opt.v[k].data, b.opt.v[k].data)).toBeLessThan(1e-5);
    }
  });

  it('AdamW in place never writes into a tensor that shares a variable\'s data', () => {
    const p = new Params();
    p.addValues('w', [4], new Float32Array([1, 2, 3, 4]));
    const w = p.get('w');
    const alias = tf.reshape(w, [2, 2]); // the same data id on WASM (refCount 2)
    const opt = new AdamW(p, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
    const g = tf.tensor1d([1, 1, 1, 1]);
    opt.apply(new Map([['w', g]]), 0.5);
    expect(Array.from(alias.dataSync())).toEqual([1, 2, 3, 4]);
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(i + 1 - 0.5, 5));
    g.dispose();
    alias.dispose();
    opt.dispose();
    p.dispose();
  });

  it('AdamW in place: a matrix product after the update sees the new weights (XNNPACK\'s cached packing dropped)', () => {
    const p = new Params();
    p.addValues('w', [3, 2], new Float32Array([1, 2, 3, 4, 5, 6]));
    const w = p.get('w') as tf.Tensor2D;
    const x = tf.tensor2d([1, 1, 1], [1, 3]);
    const before = tf.matMul(x, w); // the plain product: XNNPACK, which packs w and caches the operator
    expect(Array.from(before.dataSync())).toEqual([9, 12]);
    const opt = new AdamW(p, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
    const g = tf.ones([3, 2]);
    opt.apply(new Map([['w', g]]), 1); // step 1: every weight moves by −1
    const after = tf.matMul(x, w);
    Array.from(after.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([6, 9][i], 4));
    for (const t of [x, before, g, after]) t.dispose();
    opt.dispose();
    p.dispose();
  });

  it('layerNorm', () => {
    check((x, g, b) => layerNormOp(x, g, b, 1e-6), [rand([2, 5, 8], 2), tf.add(rand([8], 0.5), 1), rand([8])], [0, 1, 2], LN);
  });

  it('bias + exact GELU', () => {
    check((x, b) => biasGeluOp(x as tf.Tensor2D, b), [rand([6, 10], 4), rand([10])], [0, 1], BIAS_GELU);
  });

  it('attention softmax, with and without a key mask', () => {
    const mask = tf.tensor4d([0, 0, -1e4, 0, -1e4, 0], [2, 1, 1, 3]);
    check((s) => attentionSoftmaxOp(s as tf.Tensor3D, 0.5, 2), [rand([4, 3, 3], 3)], [0], ATTN_SOFTMAX);
    check((s) => attentionSoftmaxOp(s as tf.Tensor3D, 0.5, 2, mask), [rand([4, 3, 3], 3)], [0], ATTN_SOFTMAX);
    mask.dispose();
  });

  it('soft-target cross-entropy, rows and columns (square and not)', () => {
    const t = tf.softmax(rand([5, 5], 2)) as tf.Tensor2D;
    check((l) => softCrossEntropyOp(l as tf.Tensor2D, t), [rand([5, 5], 4)], [0], SOFT_CE);
    check((l) => softCrossEntropyOp(l as tf.Tensor2D, t, true), [rand([5, 5], 4)], [0], SOFT_CE);
    const t2 = tf.softmax(rand([3, 4], 2)) as tf.Tensor2D;
    check((l) => softCrossEntropyOp(l as tf.Tensor2D, t2), [rand([3, 4], 4)], [0], SOFT_CE);
    check((l) => softCrossEntropyOp(l as tf.Tensor2D, t2, true), [rand([4, 3], 4)], [0], SOFT_CE);
    for (const x of [t, t2]) x.dispose();
  });

  it('linear, with heads moved out and in', () => {
    const [H, N] = [2, 3];
    check((x, w, b) => linearOp(x, w as tf.Tensor2D, b), [rand([6, 5]), rand([5, 8]), rand([8])], [0, 1, 2], LINEAR);
    check((x, w) => linearOp(x, w as tf.Tensor2D), [rand([6, 5]), rand([5, 8])], [0, 1], LINEAR);
    check((x, w, b) => linearOp(x, w as tf.Tensor2D, b, { outHeads: H, seq: N }), [rand([6, 8]), rand([8, 8]), rand([8])], [0, 1, 2], LINEAR);
    check((x, w, b) => linearOp(x, w as tf.Tensor2D, b, { inHeads: H, seq: N }), [rand([4, 3, 4]), rand([8, 5]), rand([5])], [0, 1, 2], LINEAR);
  });

  it('L2 normalisation, mean pooling (plain and masked) and residual adds', () => {
    check((x) => l2NormalizeOp(x as tf.Tensor2D, 1e-12), [rand([4, 6])], [0], L2_NORMALIZE);
    check((x) => meanPoolOp(x as tf.Tensor3D), [rand([2, 4, 3])], [0], MEAN_POOL);
    const valid = tf.tensor2d([1, 1, 0, 0, 1, 1, 1, 1], [2, 4]);
    check((x) => meanPoolOp(x as tf.Tensor3D, valid), [rand([2, 4, 3])], [0], MEAN_POOL_MASKED);
    check((a, b) => residualAddOp(a, b), [rand([2, 3]), rand([2, 3])], [0, 1], RESIDUAL_ADD);
    valid.dispose();
  });

  /** Loss and every parameter gradient of a tiny model, fused and composite (as test/browser/fusedKernels does on WebGPU). */
  for (const objective of ['clip', 'xsample'] as ObjectiveName[]) {
    it(`${objective}: a tiny model's loss and every parameter gradient match the composite path`, () => {
      const model = { imageSize: 8, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 16, textWidth: 16, maxTokens: 6 };
      const cfg = withDefaults({ objective, batchSize: 6, steps: 10, model });
      const set = makeShapesSet(12, 8, 1);
      const m = new ContrastiveModel(cfg, set.captions, tfidfGraph(set.captions));
      const trainer = new Trainer(m, set, cfg, Int32Array.from({ length: 12 }, (_, i) => i));
      const batch = trainer.nextBatch();
      const images = imageBatch(set, batch.indices);
      const run = (fused: boolean) => {
        fusion.enabled = fused;
        return tf.variableGrads(() => m.loss({ ...batch, images }), m.params.list());
      };
      const a = run(true);
      const b = run(false);
      fusion.enabled = true;
      expect(relErr(a.value, b.value)).toBeLessThan(1e-4);
      // The key bias has an exact zero gradient (softmax over keys ignores a shift common to every key): both paths
      // give float noise there, so each gradient's error is taken relative to at least 1e-3 of the largest one.
      let largest = 0;
      for (const g of Object.values(b.grads)) largest = Math.max(largest, tf.max(tf.abs(g)).dataSync()[0]);
      expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
      for (const k of Object.keys(b.grads)) expect(relErr(a.grads[k], b.grads[k], 1e-3 * largest), k).toBeLessThan(1e-4);
      for (const r of [a, b]) {
        r.value.dispose();
        tf.dispose(Object.values(r.grads));
      }
      images.dispose();
      trainer.dispose();
      m.dispose();
    });

    it(`${objective}: training steps with the fused WASM kernels keep the tensor count flat`, async () => {
      const model = { imageSize: 8, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 16, textWidth: 16, maxTokens: 6 };
      const cfg = withDefaults({ objective, batchSize: 6, steps: 20, model });
      const set = makeShapesSet(12, 8, 1);
      const m = new ContrastiveModel(cfg, set.captions, tfidfGraph(set.captions));
      const trainer = new Trainer(m, set, cfg, Int32Array.from({ length: 12 }, (_, i) => i));
      await trainer.trainStep();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) await trainer.trainStep();
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
      m.dispose();
    });
  }
});
