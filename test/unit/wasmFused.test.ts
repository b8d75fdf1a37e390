import { afterEach, describe, expect, it } from 'vitest';
import { fusion } from '../../src/core/kernels/fused';
import { AdamW } from '../../src/core/optimizer';
import { Params } from '../../src/core/params';
import * as tf from '../../src/core/tf';

// The fused kernels registered for tfjs's WASM backend (JS loops over the backend's heap: kernels/wasmFused.ts and
// the in-place AdamW of kernels/adamw.ts) against the composite tfjs ops they replace (fusion.enabled = false), on the
// WASM backend in Node: values and gradients to 1e-4 relative.

const onWasm = tf.getBackend() === 'wasm' || process.env.TEST_BACKEND === undefined;

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
});
