import * as tf from '../tf';
import {
  ATTN_SOFTMAX,
  ATTN_SOFTMAX_GRAD,
  BIAS_GELU,
  BIAS_GELU_GRADS,
  L2_NORMALIZE,
  L2_NORMALIZE_GRAD,
  LINEAR,
  LINEAR_GRAD,
  LN,
  LN_GRAD,
  MEAN_POOL,
  MEAN_POOL_GRAD,
  MEAN_POOL_MASKED,
  RESIDUAL_ADD,
  SOFT_CE,
  SOFT_CE_GRAD,
} from './names';

/**
 * The fused kernels of kernels/fused.ts for tfjs's WASM backend: the same kernel names and attributes, each a plain
 * TypeScript loop over the backend's heap (like kernels/wasmMatMul.ts), so one runKernel replaces the ten or so
 * small tfjs kernels of the composite op (each costing some 30-50 µs of engine and dispatch overhead on WASM).
 * The gradients registered in fused.ts call these backward kernels by name, whichever backend runs.
 * Rules: outputs come from backend.makeOutput (refCount 1, owned by the engine once returned); HEAPF32 is read after
 * every makeOutput (it may grow the memory and detach the old view); sums run in JS doubles.
 * Matrix products go through the registered 'BatchMatMul' kernel function (the SIMD kernel or XNNPACK).
 */

type Info = tf.TensorInfo;

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
type Attrs = Record<string, number | boolean>;
type KernelArgs = { inputs: Record<string, Info>; attrs?: unknown; backend: unknown };

interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): Info;
  disposeData(id: object): boolean;
}

const lastDim = (t: Info) => t.shape[t.shape.length - 1];
const sizeOf = (t: Info) => tf.util.sizeFromShape(t.shape);
const view = (t: Info, shape: number[]): Info => ({ dataId: t.dataId, shape, dtype: t.dtype });

function f32(...ts: (Info | undefined)[]): void {
  for (const t of ts) if (t && t.dtype !== 'float32') throw new Error(`the fused WASM kernels read float32 tensors, not ${t.dtype}`);
}

/** Float offset of a tensor in the heap. */
const at = (b: WasmBackend, t: Info) => b.dataIdMap.get(t.dataId).memoryOffset >>> 2;

/*
 * GELU's Φ(u) = ½(1 + erf(u/√2)) is computed inline by Abramowitz & Stegun 7.1.26 (erf to 1.5e-7 absolute, as the
 * WGSL kernels and tfjs's own Erf kernels do): ½ erfc(z) = ½ poly(t) e with z = |u|/√2, t = 1/(1 + p z),
 * e = exp(−z²) = exp(−u²/2), so one exp per element serves both Φ and the density φ(u) = e/√(2π).
 */

function matMul(backend: WasmBackend, a: Info, b: Info, transposeA: boolean, transposeB: boolean): Info {
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  if (!kernel) throw new Error('no WASM BatchMatMul kernel');
  return kernel.kernelFunc({
    inputs: { a, b } as unknown as tf.NamedTensorInfoMap,
    backend: backend as unknown as tf.KernelBackend,
    attrs: { transposeA, transposeB } as unknown as tf.NamedAttrMap,
  }) as Info;
}

/**
 * Moves attention heads between (B·N, H·dh) rows and (B·H, N, dh): a new tensor, the index shuffle of the composite
 * path's reshape–transpose–reshape.
 */
function moveHeads(backend: WasmBackend, x: Info, heads: number, seq: number, toHeads: boolean): Info {
  const size = sizeOf(x);
  const D = toHeads ? lastDim(x) : lastDim(x) * heads;
  const dh = D / heads;
  const B = size / (seq * D);
  const out = backend.makeOutput(toHeads ? [B * heads, seq, dh] : [B * seq, D], 'float32');
  const h = backend.wasm.HEAPF32;
  const ox = at(backend, x);
  const oy = at(backend, out);
  // rows index (b, n, hh, d) = ((b·seq + n)·H + hh)·dh + d; heads index ((b·H + hh)·seq + n)·dh + d
  for (let b = 0; b < B; b++)
    for (let n = 0; n < seq; n++)
      for (let hh = 0; hh < heads; hh++) {
        const rows = ((b * seq + n) * heads + hh) * dh;
        const split = ((b * heads + hh) * seq + n) * dh;
        const src = ox + (toHeads ? rows : split);
        const dst = oy + (toHeads ? split : rows);
        for (let d = 0; d < dh; d++) h[dst + d] = h[src + d];
      }
  return out;
}

/** Σ over rows of the (R, C) matrix at float offset `o`, into the C floats at `out` (a new tensor's offset). */
function columnSum(h: Float32Array, o: number, R: number, C: number, out: number): void {
  const acc = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    const base = o + r * C;
    for (let c = 0; c < C; c++) acc[c] += h[base + c];
  }
  for (let c = 0; c < C; c++) h[out + c] = acc[c];
}

let registered = false;

/** Registers the fused kernels for the 'wasm' backend (once). */
export function registerWasmFusedKernels(): void {
  if (registered) return;
  registered = true;
  const reg = (kernelName: string, kernelFunc: (a: KernelArgs) => Info | Info[]) =>
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  const be = (a: KernelArgs) => a.backend as WasmBackend;

  // ---- LayerNorm ------------------------------------------------------------------------------------------------

  reg(LN, (args) => {
    const { x, gamma, beta } = args.inputs;
    f32(x, gamma, beta);
    const backend = be(args);
    const eps = (args.attrs as Attrs).eps as number;
    const D = lastDim(x);
    const R = sizeOf(x) / D;
    const out = backend.makeOutput(x.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ox, og, ob, oy] = [at(backend, x), at(backend, gamma), at(backend, beta), at(backend, out)];
    for (let r = 0; r < R; r++) {
      const base = ox + r * D;
      let mean = 0;
      for (let c = 0; c < D; c++) mean += h[base + c];
      mean /= D;
      let v = 0;
      for (let c = 0; c < D; c++) {
        const d = h[base + c] - mean;
        v += d * d;
      }
      const rstd = 1 / Math.sqrt(v / D + eps);
      const yb = oy + r * D;
      for (let c = 0; c < D; c++) h[yb + c] = (h[base + c] - mean) * rstd * h[og + c] + h[ob + c];
    }
    return out;
  });

  // [dx, dgamma, dbeta]: dx = rstd (g − mean(g) − xhat mean(g xhat)) with g = dy gamma.
  reg(LN_GRAD, (args) => {
    const { dy, x, gamma } = args.inputs;
    f32(dy, x, gamma);
    const backend = be(args);
    const eps = (args.attrs as Attrs).eps as number;
    const D = lastDim(x);
    const R = sizeOf(x) / D;
    const dx = backend.makeOutput(x.shape, 'float32');
    const dgamma = backend.makeOutput([D], 'float32');
    const dbeta = backend.makeOutput([D], 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, ox, og, odx] = [at(backend, dy), at(backend, x), at(backend, gamma), at(backend, dx)];
    const accG = new Float64Array(D);
    const accB = new Float64Array(D);
    const xhat = new Float64Array(D);
    for (let r = 0; r < R; r++) {
      const base = ox + r * D;
      const dbase = ody + r * D;
      let mean = 0;
      for (let c = 0; c < D; c++) mean += h[base + c];
      mean /= D;
      let v = 0;
      for (let c = 0; c < D; c++) {
        const d = h[base + c] - mean;
        v += d * d;
      }
      const rstd = 1 / Math.sqrt(v / D + eps);
      let a = 0;
      let b = 0;
      for (let c = 0; c < D; c++) {
        const xh = (h[base + c] - mean) * rstd;
        xhat[c] = xh;
        const d = h[dbase + c];
        const g = d * h[og + c];
        a += g;
        b += g * xh;
        accG[c] += d * xh;
        accB[c] += d;
      }
      a /= D;
      b /= D;
      const xb = odx + r * D;
      for (let c = 0; c < D; c++) h[xb + c] = rstd * (h[dbase + c] * h[og + c] - a - xhat[c] * b);
    }
    const [oG, oB] = [at(backend, dgamma), at(backend, dbeta)];
    for (let c = 0; c < D; c++) {
      h[oG + c] = accG[c];
      h[oB + c] = accB[c];
    }
    return [dx, dgamma, dbeta];
  });

  // ---- bias + exact GELU ----------------------------------------------------------------------------------------

  reg(BIAS_GELU, (args) => {
    const { x, bias } = args.inputs;
    f32(x, bias);
    const backend = be(args);
    const C = lastDim(x);
    const R = sizeOf(x) / C;
    const out = backend.makeOutput(x.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ox, ob, oy] = [at(backend, x), at(backend, bias), at(backend, out)];
    for (let r = 0; r < R; r++) {
      const base = r * C;
      for (let c = 0; c < C; c++) {
        const u = h[ox + base + c] + h[ob + c];
        // Φ(u) by A&S 7.1.26 (see above)
        const z = (u < 0 ? -u : u) * INV_SQRT2;
        const t = 1 / (1 + 0.3275911 * z);
        const half = 0.5 * ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
        h[oy + base + c] = u * (u >= 0 ? 1 - half : half);
      }
    }
    return out;
  });

  // [dx, dbias]: dy (Φ(u) + u φ(u)) and its column sum.
  reg(BIAS_GELU_GRADS, (args) => {
    const { dy, x, bias } = args.inputs;
    f32(dy, x, bias);
    const backend = be(args);
    const C = lastDim(x);
    const R = sizeOf(x) / C;
    const dx = backend.makeOutput(x.shape, 'float32');
    const db = backend.makeOutput([C], 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, ox, ob, odx, odb] = [at(backend, dy), at(backend, x), at(backend, bias), at(backend, dx), at(backend, db)];
    const acc = new Float64Array(C);
    for (let r = 0; r < R; r++) {
      const base = r * C;
      for (let c = 0; c < C; c++) {
        const u = h[ox + base + c] + h[ob + c];
        // Φ(u) by A&S 7.1.26 and φ(u), one exp (see above)
        const z = (u < 0 ? -u : u) * INV_SQRT2;
        const t = 1 / (1 + 0.3275911 * z);
        const e = Math.exp(-z * z);
        const half = 0.5 * ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * e;
        const d = h[ody + base + c] * ((u >= 0 ? 1 - half : half) + u * INV_SQRT_2PI * e);
        h[odx + base + c] = d;
        acc[c] += Math.fround(d);
      }
    }
    for (let c = 0; c < C; c++) h[odb + c] = acc[c];
    return [dx, db];
  });

  // ---- residual add ---------------------------------------------------------------------------------------------

  reg(RESIDUAL_ADD, (args) => {
    const { a, b } = args.inputs;
    f32(a, b);
    const backend = be(args);
    const n = sizeOf(a);
    const out = backend.makeOutput(a.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [oa, ob, oy] = [at(backend, a), at(backend, b), at(backend, out)];
    for (let i = 0; i < n; i++) h[oy + i] = h[oa + i] + h[ob + i];
    return out;
  });

  // ---- L2 normalisation -----------------------------------------------------------------------------------------

  reg(L2_NORMALIZE, (args) => {
    const { x } = args.inputs;
    f32(x);
    const backend = be(args);
    const eps = (args.attrs as Attrs).eps as number;
    const D = lastDim(x);
    const R = sizeOf(x) / D;
    const out = backend.makeOutput(x.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ox, oy] = [at(backend, x), at(backend, out)];
    for (let r = 0; r < R; r++) {
      const base = r * D;
      let s = 0;
      for (let c = 0; c < D; c++) s += h[ox + base + c] * h[ox + base + c];
      const k = 1 / Math.sqrt(s + eps);
      for (let c = 0; c < D; c++) h[oy + base + c] = h[ox + base + c] * k;
    }
    return out;
  });

  // dx = k (dy − y Σ dy·y), k = 1/√(Σ x² + eps), y = x k.
  reg(L2_NORMALIZE_GRAD, (args) => {
    const { dy, x } = args.inputs;
    f32(dy, x);
    const backend = be(args);
    const eps = (args.attrs as Attrs).eps as number;
    const D = lastDim(x);
    const R = sizeOf(x) / D;
    const out = backend.makeOutput(x.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, ox, oy] = [at(backend, dy), at(backend, x), at(backend, out)];
    for (let r = 0; r < R; r++) {
      const base = r * D;
      let s = 0;
      for (let c = 0; c < D; c++) s += h[ox + base + c] * h[ox + base + c];
      const k = 1 / Math.sqrt(s + eps);
      let p = 0;
      for (let c = 0; c < D; c++) p += h[ody + base + c] * h[ox + base + c] * k;
      for (let c = 0; c < D; c++) h[oy + base + c] = k * (h[ody + base + c] - h[ox + base + c] * k * p);
    }
    return out;
  });

  // ---- mean pooling ---------------------------------------------------------------------------------------------

  const meanPool = (args: KernelArgs) => {
    const { x, weights } = args.inputs;
    f32(x, weights);
    const backend = be(args);
    const [B, T, D] = x.shape;
    const out = backend.makeOutput([B, D], 'float32');
    const h = backend.wasm.HEAPF32;
    const [ox, oy] = [at(backend, x), at(backend, out)];
    const ow = weights ? at(backend, weights) : -1;
    const acc = new Float64Array(D);
    for (let b = 0; b < B; b++) {
      acc.fill(0);
      let n = 0;
      for (let t = 0; t < T; t++) {
        const w = ow >= 0 ? h[ow + b * T + t] : 1;
        n += w;
        if (w === 0) continue;
        const base = ox + (b * T + t) * D;
        for (let d = 0; d < D; d++) acc[d] += w * h[base + d];
      }
      for (let d = 0; d < D; d++) h[oy + b * D + d] = acc[d] / n;
    }
    return out;
  };
  reg(MEAN_POOL, meanPool);
  reg(MEAN_POOL_MASKED, meanPool);

  reg(MEAN_POOL_GRAD, (args) => {
    const { dy, weights } = args.inputs;
    f32(dy, weights);
    const backend = be(args);
    const [B, D] = dy.shape;
    const T = (args.attrs as Attrs).seq as number;
    const out = backend.makeOutput([B, T, D], 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, oy] = [at(backend, dy), at(backend, out)];
    const ow = weights ? at(backend, weights) : -1;
    for (let b = 0; b < B; b++) {
      let n = T;
      if (ow >= 0) {
        n = 0;
        for (let t = 0; t < T; t++) n += h[ow + b * T + t];
      }
      for (let t = 0; t < T; t++) {
        const k = (ow >= 0 ? h[ow + b * T + t] : 1) / n;
        const base = oy + (b * T + t) * D;
        for (let d = 0; d < D; d++) h[base + d] = h[ody + b * D + d] * k;
      }
    }
    return out;
  });

  // ---- attention softmax ----------------------------------------------------------------------------------------

  // softmax over the last axis of scores · scale (+ keyMask[b, key]); scores (B·H, N, M), keyMask (B, 1, 1, M).
  reg(ATTN_SOFTMAX, (args) => {
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
  reg(ATTN_SOFTMAX_GRAD, (args) => {
    const { dy, probs } = args.inputs;
    f32(dy, probs);
    const backend = be(args);
    const scale = (args.attrs as Attrs).scale as number;
    const M = lastDim(probs);
    const R = sizeOf(probs) / M;
    const out = backend.makeOutput(probs.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, op, oy] = [at(backend, dy), at(backend, probs), at(backend, out)];
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
  reg(SOFT_CE, (args) => {
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
  reg(SOFT_CE_GRAD, (args) => {
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
  reg(LINEAR, (args) => {
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
  reg(LINEAR_GRAD, (args) => {
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
