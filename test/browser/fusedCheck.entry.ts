// Test-only bundle (built by fusedKernels.test.ts, injected into a blank same-origin page): runs the fused WebGPU
// kernels against the composite tfjs ops on the same WebGPU backend and reports the largest relative errors.
import '@tensorflow/tfjs-backend-webgpu';
import { withDefaults, type ObjectiveName } from '../../src/core/config';
import { imageBatch } from '../../src/core/dataset';
import {
  attentionSoftmaxOp,
  biasGeluOp,
  fusion,
  l2NormalizeOp,
  layerNormOp,
  linearOp,
  meanPoolOp,
  residualAddOp,
  softCrossEntropyOp,
} from '../../src/core/kernels/fused';
import { ContrastiveModel } from '../../src/core/model';
import { AdamW } from '../../src/core/optimizer';
import { Params } from '../../src/core/params';
import * as tf from '../../src/core/tf';
import { Trainer } from '../../src/core/trainer';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';

let seed = 7;
function rand(shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    d[i] = ((seed / 2147483648) * 2 - 1) * scale;
  }
  return tf.tensor(d, shape);
}

/** max |a − b| / max |b|: the error relative to the reference's scale (at least `floor`). */
async function relErr(a: tf.Tensor, b: tf.Tensor, floor = 1e-30): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  if (x.length !== y.length) return Infinity;
  let num = 0;
  let den = floor;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return Number.isFinite(num) ? num / den : Infinity;
}

/** Value and gradients of sum(f(inputs) · weights), fused and composite; the largest relative error of each. */
async function compare(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], wrt: number[]): Promise<{ value: number; grads: number }> {
  const weights = rand(f(...inputs).shape, 1);
  const run = (fused: boolean) => {
    fusion.enabled = fused;
    const out = f(...inputs);
    const gs = tf.grads((...xs: tf.Tensor[]) => {
      const all = inputs.slice();
      wrt.forEach((k, i) => (all[k] = xs[i]));
      return tf.sum(tf.mul(f(...all), weights));
    })(wrt.map((k) => inputs[k]));
    return { out, gs };
  };
  const a = run(true);
  const b = run(false);
  fusion.enabled = true;
  let grads = 0;
  for (let i = 0; i < wrt.length; i++) grads = Math.max(grads, await relErr(a.gs[i], b.gs[i]));
  return { value: await relErr(a.out, b.out), grads };
}

async function checkOps() {
  const out: Record<string, { value: number; grads: number }> = {};
  out.layerNorm = await compare((x, g, b) => layerNormOp(x, g, b, 1e-6), [rand([2, 5, 24], 2), tf.add(rand([24], 0.5), 1), rand([24], 0.5)], [0, 1, 2]);
  out.linear = await compare((x, w, b) => linearOp(x, w as tf.Tensor2D, b), [rand([10, 12]), rand([12, 8]), rand([8])], [0, 1, 2]);
  out.linearNoBias = await compare((x, w) => linearOp(x, w as tf.Tensor2D), [rand([10, 12]), rand([12, 8])], [0, 1]);
  // (B·N, D) = (2·5, 12) to (B·H, N, dh) = (6, 5, 4) with 3 heads, and back
  out.linearToHeads = await compare((x, w, b) => linearOp(x, w as tf.Tensor2D, b, { outHeads: 3, seq: 5 }), [rand([10, 12]), rand([12, 12]), rand([12])], [0, 1, 2]);
  out.linearFromHeads = await compare((x, w, b) => linearOp(x, w as tf.Tensor2D, b, { inHeads: 3, seq: 5 }), [rand([6, 5, 4]), rand([12, 8]), rand([8])], [0, 1, 2]);
  out.l2Normalize = await compare((x) => l2NormalizeOp(x as tf.Tensor2D, 1e-12), [rand([5, 9], 2)], [0]);
  out.meanPool = await compare((x) => meanPoolOp(x as tf.Tensor3D), [rand([3, 4, 6])], [0]);
  const valid = tf.tensor2d([1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1], [3, 4]);
  out.meanPoolMasked = await compare((x) => meanPoolOp(x as tf.Tensor3D, valid), [rand([3, 4, 6])], [0]);
  out.residualAdd = await compare((a, b) => residualAddOp(a, b), [rand([3, 4, 6]), rand([3, 4, 6])], [0, 1]);
  out.biasGelu = await compare((x, b) => biasGeluOp(x as tf.Tensor2D, b), [rand([7, 12], 3), rand([12], 1)], [0, 1]);
  out.attentionSoftmax = await compare((s) => attentionSoftmaxOp(s as tf.Tensor3D, 0.35, 2), [rand([6, 5, 5], 4)], [0]);
  const mask = tf.tensor4d([0, 0, -1e4, -1e4, 0, 0, 0, -1e4, 0, 0, 0, 0, 0, -1e4, 0], [3, 1, 1, 5]);
  out.attentionSoftmaxMasked = await compare((s) => attentionSoftmaxOp(s as tf.Tensor3D, 0.35, 2, mask), [rand([6, 5, 5], 4)], [0]);
  const targets = tf.softmax(rand([6, 6], 3));
  out.softCrossEntropy = await compare((l) => tf.reshape(softCrossEntropyOp(l as tf.Tensor2D, targets as tf.Tensor2D), [1]), [rand([6, 6], 5)], [0]);
  out.softCrossEntropyTransposed = await compare((l) => tf.reshape(softCrossEntropyOp(l as tf.Tensor2D, targets as tf.Tensor2D, true), [1]), [rand([6, 6], 5)], [0]);
  const eye = tf.eye(70) as tf.Tensor2D; // more rows than the kernel's 64 invocations
  out.softCrossEntropyManyRows = await compare((l) => tf.reshape(softCrossEntropyOp(l as tf.Tensor2D, eye, true), [1]), [rand([70, 70], 5)], [0]);
  return out;
}

/** Three AdamW steps, fused in place and composite, from the same weights and gradients. */
async function checkAdamW() {
  const make = () => {
    const p = new Params();
    p.addValues('w', [3, 50], rand([3, 50]).dataSync() as Float32Array, true);
    p.addValues('b', [50], rand([50]).dataSync() as Float32Array);
    return p;
  };
  seed = 11;
  const pa = make();
  seed = 11;
  const pb = make();
  const opts = { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.05 };
  const oa = new AdamW(pa, opts);
  const ob = new AdamW(pb, opts);
  for (let s = 0; s < 3; s++) {
    const grads = new Map([['w', rand([3, 50])], ['b', rand([50])]]);
    fusion.enabled = true;
    oa.apply(grads, 0.01 * (s + 1));
    fusion.enabled = false;
    ob.apply(grads, 0.01 * (s + 1));
    fusion.enabled = true;
  }
  let err = 0;
  for (const n of ['w', 'b']) err = Math.max(err, await relErr(pa.get(n), pb.get(n)));
  const sa = await oa.snapshot();
  const sb = await ob.snapshot();
  for (const k of ['w', 'b'])
    for (const [x, y] of [[sa.m[k], sb.m[k]], [sa.v[k], sb.v[k]]]) err = Math.max(err, await relErr(tf.tensor(x.data), tf.tensor(y.data)));
  return { weights: err, tensorsLeft: tf.memory().numTensors };
}

/** Loss and every parameter gradient of a tiny model, fused and composite. */
async function checkModel(objective: ObjectiveName) {
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
  // The key bias has an exact zero gradient (softmax over keys ignores a shift q·b common to every key): both paths
  // give float noise there, so each parameter's error is taken relative to at least 1e-3 of the largest gradient.
  let largest = 0;
  for (const g of Object.values(b.grads)) largest = Math.max(largest, (await tf.max(tf.abs(g)).data())[0]);
  let grads = 0;
  let worst = '';
  for (const k of Object.keys(b.grads)) {
    const e = await relErr(a.grads[k], b.grads[k], 1e-3 * largest);
    if (e > grads) [grads, worst] = [e, k];
  }
  const value = await relErr(a.value, b.value);
  trainer.dispose();
  m.dispose();
  return { value, grads, worst };
}

/** tf.profile's kernel count of one training step (after one warm-up step), fused or composite. */
async function kernelsPerStep(objective: ObjectiveName, fused: boolean, model?: Record<string, number>, batchSize = 32) {
  fusion.enabled = fused;
  const cfg = withDefaults({ objective, batchSize, steps: 10, ...(model ? { model } : {}) });
  const set = makeShapesSet(2 * batchSize, cfg.model.imageSize, 1);
  const m = new ContrastiveModel(cfg, set.captions, tfidfGraph(set.captions));
  const trainer = new Trainer(m, set, cfg, Int32Array.from({ length: 2 * batchSize }, (_, i) => i));
  await trainer.trainStep();
  const prof = await tf.profile(async () => {
    await trainer.trainStep();
  });
  const tensorsBefore = tf.memory().numTensors;
  // GPU compute dispatches of one step (tf.profile counts runKernel calls: Reshape and Identity dispatch nothing,
  // and one fused backward kernel may run several programs).
  const proto = GPUComputePassEncoder.prototype;
  const dispatch = proto.dispatchWorkgroups;
  let dispatches = 0;
  proto.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<typeof dispatch>) {
    dispatches++;
    return dispatch.apply(this, args);
  };
  const last = await trainer.trainStep().finally(() => {
    proto.dispatchWorkgroups = dispatch;
  });
  const loss = last.loss;
  const ms = last.ms;
  const tensorsAfter = tf.memory().numTensors;
  trainer.dispose();
  m.dispose();
  fusion.enabled = true;
  const byName: Record<string, number> = {};
  for (const k of prof.kernels) byName[k.name] = (byName[k.name] ?? 0) + 1;
  return { kernels: prof.kernels.length, dispatches, loss, ms, byName, tensorsBefore, tensorsAfter, order: prof.kernels.map((k) => k.name).join(' ') };
}

(window as unknown as { __xspFused: unknown }).__xspFused = {
  async init() {
    const ok = await tf.setBackend('webgpu');
    return { ok, backend: tf.getBackend() };
  },
  checkOps,
  checkAdamW,
  checkModel,
  kernelsPerStep,
  memory: () => tf.memory().numTensors,
};

