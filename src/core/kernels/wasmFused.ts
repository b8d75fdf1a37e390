import * as tf from '../tf';
import { ATTN_SOFTMAX, ATTN_SOFTMAX_GRAD, LINEAR, LINEAR_GRAD, SOFT_CE, SOFT_CE_GRAD } from './names';
import { type Attrs, at, be, columnSum, f32, type Info, lastDim, matMul, moveHeads, regWasm, sizeOf, view } from './wasmFusedHelpers';
import { attentionSoftmaxGradSimd, attentionSoftmaxSimd } from './wasmActivations';
import { registerWasmNormKernels } from './wasmNormKernels';

/**
 * The fused kernels of kernels/fused.ts for tfjs's WASM backend: the same kernel names and attributes, each a plain
 * TypeScript loop over the backend's heap (like kernels/wasmMatMul.ts), so one runKernel replaces the ten or so
 * small tfjs kernels of the composite op (each costing some 30-50 µs of engine and dispatch overhead on WASM).
 * The gradients registered in fused.ts call these backward kernels by name, whichever backend runs.
 * Rules: outputs come from backend.makeOutput (refCount 1, owned by the engine once returned); HEAPF32 is read after
 * every makeOutput (it may grow the memory and detach the old view); sums run in JS doubles.
 * Matrix products go through the registered 'BatchMatMul' kernel function (the SIMD kernel or XNNPACK).
 */

let registered = false;

/** Registers the fused kernels for the 'wasm' backend (once). */
export function registerWasmFusedKernels(): void {
  if (registered) return;
  registered = true;
  registerWasmNormKernels();

  // ---- attention softmax ----------------------------------------------------------------------------------------

  // softmax over the last axis of scores · scale (+ keyMask[b, key]); scores (B·H, N, M), keyMask (B, 1, 1, M).
  regWasm(ATTN_SOFTMAX, (args) => {
    const { scores, keyMask } = args.inputs;
    f32(scores, keyMask);
    const backend = be(args);
    const a = args.attrs as Attrs;
    const scale = a.scale as number;
    const M = lastDim(scores);
    const R = sizeOf(scores) / M;
    const rowsPerBatch = (a.heads as number) * scores.shape[scores.shape.length - 2];
    const out = backend.makeOutput(scores.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [os, oy] = [at(backend, scores), at(backend, out)];
    const om = keyMask ? at(backend, keyMask) : -1;
    if (attentionSoftmaxSimd(h, os, om, oy, R, M, rowsPerBatch, keyMask ? sizeOf(keyMask) / M : 0, scale)) return out;
    const row = new Float64Array(M);
    for (let r = 0; r < R; r++) {
      const base = r * M;
      const mb = om >= 0 ? om + Math.floor(r / rowsPerBatch) * M : -1;
      let mx = -Infinity;
      for (let j = 0; j < M; j++) {
        const v = Math.fround(h[os + base + j] * scale) + (mb >= 0 ? h[mb + j] : 0);
        row[j] = v;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let j = 0; j < M; j++) {
        const e = Math.exp(row[j] - mx);
        row[j] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let j = 0; j < M; j++) h[oy + base + j] = row[j] * inv;
    }
    return out;
  });

  // dscores = scale · p (dp − Σ_j p dp) per row.
  regWasm(ATTN_SOFTMAX_GRAD, (args) => {
    const { dy, probs } = args.inputs;
    f32(dy, probs);
    const backend = be(args);
    const scale = (args.attrs as Attrs).scale as number;
    const M = lastDim(probs);
    const R = sizeOf(probs) / M;
    const out = backend.makeOutput(probs.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, op, oy] = [at(backend, dy), at(backend, probs), at(backend, out)];
    if (attentionSoftmaxGradSimd(h, ody, op, oy, R, M, scale)) return out;
    for (let r = 0; r < R; r++) {
      const base = r * M;
      let s = 0;
      for (let j = 0; j < M; j++) s += h[ody + base + j] * h[op + base + j];
      for (let j = 0; j < M; j++) h[oy + base + j] = scale * h[op + base + j] * (h[ody + base + j] - s);
    }
    return out;
  });

  // ---- soft-target cross-entropy --------------------------------------------------------------------------------

  // −(1/R) Σ_r Σ_c t[r, c] log softmax(l[r, :])[c]; with `transposed` the rows are logits' columns.
  regWasm(SOFT_CE, (args) => {
    const { logits, targets } = args.inputs;
    f32(logits, targets);
    const backend = be(args);
    const transposed = !!(args.attrs as Attrs).transposed;
    const [A, B] = logits.shape;
    const [R, C] = transposed ? [B, A] : [A, B];
    const out = backend.makeOutput([], 'float32');
    const h = backend.wasm.HEAPF32;
    const [ol, ot, oy] = [at(backend, logits), at(backend, targets), at(backend, out)];
    // logit (r, c) of the loss's frame lies at r·rs + c·cs
    const rs = transposed ? 1 : C;
    const cs = transposed ? B : 1;
    let total = 0;
    for (let r = 0; r < R; r++) {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, h[ol + r * rs + c * cs]);
      let s = 0;
      let st = 0;
      let stl = 0;
      for (let c = 0; c < C; c++) {
        const l = h[ol + r * rs + c * cs];
        const t = h[ot + r * C + c];
        s += Math.exp(l - mx);
        st += t;
        stl += t * l;
      }
      total += stl - st * (mx + Math.log(s));
    }
    h[oy] = -total / R;
    return out;
  });

  // dl[r, c] = dy / R · (softmax(l[r, :])[c] Σ_c t[r, c] − t[r, c]), written in the layout of `logits`.
  regWasm(SOFT_CE_GRAD, (args) => {
    const { dy, logits, targets } = args.inputs;
    f32(dy, logits, targets);
    const backend = be(args);
    const transposed = !!(args.attrs as Attrs).transposed;
    const [A, B] = logits.shape;
    const [R, C] = transposed ? [B, A] : [A, B];
    const out = backend.makeOutput(logits.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, ol, ot, oy] = [at(backend, dy), at(backend, logits), at(backend, targets), at(backend, out)];
    const rs = transposed ? 1 : C;
    const cs = transposed ? B : 1;
    const k = h[ody] / R;
    const p = new Float64Array(C);
    for (let r = 0; r < R; r++) {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, h[ol + r * rs + c * cs]);
      let s = 0;
      let st = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(h[ol + r * rs + c * cs] - mx);
        p[c] = e;
        s += e;
        st += h[ot + r * C + c];
      }
      for (let c = 0; c < C; c++) h[oy + r * rs + c * cs] = k * ((p[c] / s) * st - h[ot + r * C + c]);
    }
    return out;
  });

  // ---- linear layers --------------------------------------------------------------------------------------------

  // x · W + bias (the product by the backend's BatchMatMul, the bias added here), heads moved in or out in JS.
  regWasm(LINEAR, (args) => {
    const { x, weight, bias } = args.inputs;
    f32(x, weight, bias);
    const backend = be(args);
    const a = args.attrs as Attrs;
    const inHeads = a.inHeads as number;
    const outHeads = a.outHeads as number;
    const seq = a.seq as number;
    const [K, C] = weight.shape;
    const xm = inHeads ? moveHeads(backend, x, inHeads, seq, false) : view(x, [sizeOf(x) / K, K]);
    const R = sizeOf(xm) / K;
    // tfjs's _FusedMatMul (XNNPACK's fully-connected operator, the bias added in it) reads rank-3 operands
    const fusedMatMul = tf.getKernel('_FusedMatMul', 'wasm')!.kernelFunc;
    const y3 = fusedMatMul({
      inputs: { a: view(xm, [1, R, K]), b: view(weight, [1, K, C]), ...(bias ? { bias } : {}) } as unknown as tf.NamedTensorInfoMap,
      backend: backend as unknown as tf.KernelBackend,
      attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 } as unknown as tf.NamedAttrMap,
    }) as Info;
    const y = view(y3, [R, C]);
    if (inHeads) backend.disposeData(xm.dataId);
    if (!outHeads) return y;
    const split = moveHeads(backend, y, outHeads, seq, true);
    backend.disposeData(y.dataId);
    return split;
  });

  // [dx, dweight, dbias?] of XspLinear.
  regWasm(LINEAR_GRAD, (args) => {
    const { dy, x, weight } = args.inputs;
    f32(dy, x, weight);
    const backend = be(args);
    const a = args.attrs as Attrs;
    const inHeads = a.inHeads as number;
    const outHeads = a.outHeads as number;
    const seq = a.seq as number;
    const [K, C] = weight.shape;
    const dym = outHeads ? moveHeads(backend, dy, outHeads, seq, false) : view(dy, [sizeOf(dy) / C, C]);
    const xm = inHeads ? moveHeads(backend, x, inHeads, seq, false) : view(x, [sizeOf(x) / K, K]);
    const dxm = matMul(backend, dym, weight, false, true);
    let dx = view(dxm, x.shape);
    if (inHeads) {
      dx = moveHeads(backend, dxm, inHeads, seq, true);
      backend.disposeData(dxm.dataId);
    }
    const dw = matMul(backend, xm, dym, true, false);
    const out = [dx, view(dw, [K, C])];
    if (a.hasBias) {
      const db = backend.makeOutput([C], 'float32');
      const h = backend.wasm.HEAPF32;
      columnSum(h, at(backend, dym), sizeOf(dym) / C, C, at(backend, db));
      out.push(db);
    }
    if (outHeads) backend.disposeData(dym.dataId);
    if (inHeads) backend.disposeData(xm.dataId);
    return out;
  });
}
