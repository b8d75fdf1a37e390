import * as tf from '../tf';
import { fusedBackend, runFlatProgram, webGpuBackend, type WebGpuUniform } from './webgpu';

export { fusion } from './webgpu';

/**
 * Fused kernels of the training step on WebGPU: LayerNorm, bias + exact GELU, the attention softmax (scale, additive
 * key mask, softmax), the soft-target cross-entropy, linear layers (the backend's matMul with its bias, attention
 * heads moved in or out by one program), L2 normalisation, mean pooling and residual adds.
 * They are registered as tfjs kernels of the 'webgpu' backend with their gradients (tf.registerGradient, which saves
 * fewer tensors than tf.customGrad), so tf.variableGrads differentiates through them like through any tfjs op. Each
 * backward is one runKernel: where an op has several gradients, one kernel returns all of them, running its WGSL
 * programs (and the backend's own matMul) directly, without the engine's bookkeeping in between.
 * The same kernel names are registered for the 'wasm' backend as JS loops over its heap (kernels/wasmFused.ts); the
 * gradients below call the backward kernels by name, so they serve both. On every other backend (CPU), and with
 * fusion.enabled = false, the same functions run the composite tfjs ops the layers and objectives ran before (checked
 * against that old math in test/unit/fusedOps.test.ts; the fused kernels against the composite ops in
 * test/unit/wasmFused.test.ts on WASM and test/browser/fusedKernels.test.ts on WebGPU).
 */

import {
  LN,
  LN_STATS,
  LN_GRAD_X,
  LN_GRAD_GAMMA,
  BIAS_GELU,
  BIAS_GELU_GRAD,
  ATTN_SOFTMAX,
  ATTN_SOFTMAX_GRAD,
  SOFT_CE,
  SOFT_CE_GRAD,
  LINEAR,
  HEADS,
  COLUMN_SUM,
  L2_NORMALIZE,
  L2_NORMALIZE_GRAD,
  MEAN_POOL,
  MEAN_POOL_MASKED,
  MEAN_POOL_GRAD,
  RESIDUAL_ADD,
  LN_GRAD,
  BIAS_GELU_GRADS,
  LINEAR_GRAD,
} from './names';
import { registerWasmFusedKernels } from './wasmFused';

type Info = tf.TensorInfo;
type Attrs = Record<string, number | boolean>;
type KernelArgs = { inputs: Record<string, Info>; attrs?: unknown };

const i32 = (v: number): WebGpuUniform => ({ type: 'int32', data: [v] });
const f32 = (v: number): WebGpuUniform => ({ type: 'float32', data: [v] });
const lastDim = (t: Info) => t.shape[t.shape.length - 1];

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function runMany(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

/** Runs a registered WebGPU kernel's function directly (inside another kernel: no tape, no engine bookkeeping). */
function call(name: string, inputs: Record<string, Info | undefined>, attrs: Record<string, unknown> = {}): Info {
  const kernel = tf.getKernel(name, 'webgpu');
  if (!kernel) throw new Error(`no WebGPU kernel ${name}`);
  return kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: webGpuBackend() as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

const view = (t: Info, shape: number[]): Info => ({ dataId: t.dataId, shape, dtype: t.dtype });
const rows2d = (t: Info, cols: number): Info => view(t, [tf.util.sizeFromShape(t.shape) / cols, cols]);

// ---- WGSL ------------------------------------------------------------------------------------------------------

/** erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7); WGSL has no erf. */
const ERF_WGSL = `
  fn erfApprox(x : f32) -> f32 {
    let a = abs(x);
    let t = 1.0 / (1.0 + 0.3275911 * a);
    let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
    return select(-y, y, x >= 0.0);
  }`;

// ---- kernels ---------------------------------------------------------------------------------------------------

function registerWebGpuKernels(): void {
  const reg = (kernelName: string, kernelFunc: (a: KernelArgs) => Info) =>
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });

  // y = (x - mean) / sqrt(var + eps) * gamma + beta over the last axis; one invocation per row.
  reg(LN, ({ inputs: { x, gamma, beta }, attrs }) => {
    const D = lastDim(x);
    const R = tf.util.sizeFromShape(x.shape) / D;
    return runFlatProgram({
      key: 'ln',
      names: ['x', 'gamma', 'beta'],
      inputs: [x, gamma, beta],
      outShape: x.shape,
      threads: R,
      uniforms: 'rows : i32, cols : i32, eps : f32,',
      values: [i32(R), i32(D), f32((attrs as Attrs).eps as number)],
      body: `
        if (index >= uniforms.rows) { return; }
        let D = uniforms.cols;
        let base = index * D;
        var mean = 0.0;
        for (var c = 0; c < D; c++) { mean += x[base + c]; }
        mean = mean / f32(D);
        var v = 0.0;
        for (var c = 0; c < D; c++) { let d = x[base + c] - mean; v += d * d; }
        let rstd = inverseSqrt(v / f32(D) + uniforms.eps);
        for (var c = 0; c < D; c++) { result[base + c] = (x[base + c] - mean) * rstd * gamma[c] + beta[c]; }`,
    });
  });

  // (rows, 2): mean and 1/sqrt(var + eps) of each row.
  reg(LN_STATS, ({ inputs: { x }, attrs }) => {
    const D = lastDim(x);
    const R = tf.util.sizeFromShape(x.shape) / D;
    return runFlatProgram({
      key: 'ln_stats',
      names: ['x'],
      inputs: [x],
      outShape: [R, 2],
      threads: R,
      uniforms: 'rows : i32, cols : i32, eps : f32,',
      values: [i32(R), i32(D), f32((attrs as Attrs).eps as number)],
      body: `
        if (index >= uniforms.rows) { return; }
        let D = uniforms.cols;
        let base = index * D;
        var mean = 0.0;
        for (var c = 0; c < D; c++) { mean += x[base + c]; }
        mean = mean / f32(D);
        var v = 0.0;
        for (var c = 0; c < D; c++) { let d = x[base + c] - mean; v += d * d; }
        result[2 * index] = mean;
        result[2 * index + 1] = inverseSqrt(v / f32(D) + uniforms.eps);`,
    });
  });

  // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma; one invocation per row.
  reg(LN_GRAD_X, ({ inputs: { dy, x, gamma, stats } }) => {
    const D = lastDim(x);
    const R = tf.util.sizeFromShape(x.shape) / D;
    return runFlatProgram({
      key: 'ln_grad_x',
      names: ['dy', 'x', 'gamma', 'stats'],
      inputs: [dy, x, gamma, stats],
      outShape: x.shape,
      threads: R,
      uniforms: 'rows : i32, cols : i32,',
      values: [i32(R), i32(D)],
      body: `
        if (index >= uniforms.rows) { return; }
        let D = uniforms.cols;
        let base = index * D;
        let mean = stats[2 * index];
        let rstd = stats[2 * index + 1];
        var a = 0.0;
        var b = 0.0;
        for (var c = 0; c < D; c++) {
          let g = dy[base + c] * gamma[c];
          a += g;
          b += g * (x[base + c] - mean) * rstd;
        }
        a = a / f32(D);
        b = b / f32(D);
        for (var c = 0; c < D; c++) {
          let xhat = (x[base + c] - mean) * rstd;
          result[base + c] = rstd * (dy[base + c] * gamma[c] - a - xhat * b);
        }`,
    });
  });

  // dgamma = Σ_rows dy * xhat; one invocation per column.
  reg(LN_GRAD_GAMMA, ({ inputs: { dy, x, stats } }) => {
    const D = lastDim(x);
    const R = tf.util.sizeFromShape(x.shape) / D;
    return runFlatProgram({
      key: 'ln_grad_gamma',
      names: ['dy', 'x', 'stats'],
      inputs: [dy, x, stats],
      outShape: [D],
      threads: D,
      uniforms: 'rows : i32, cols : i32,',
      values: [i32(R), i32(D)],
      body: `
        if (index >= uniforms.cols) { return; }
        let D = uniforms.cols;
        var s = 0.0;
        for (var r = 0; r < uniforms.rows; r++) {
          let i = r * D + index;
          s += dy[i] * (x[i] - stats[2 * r]) * stats[2 * r + 1];
        }
        result[index] = s;`,
    });
  });

  // gelu(x + bias) with the exact GELU 0.5 u (1 + erf(u / √2)); bias broadcast over the last axis.
  reg(BIAS_GELU, ({ inputs: { x, bias } }) => {
    const n = tf.util.sizeFromShape(x.shape);
    return runFlatProgram({
      key: 'bias_gelu',
      names: ['x', 'bias'],
      inputs: [x, bias],
      outShape: x.shape,
      threads: n,
      header: ERF_WGSL,
      uniforms: 'n : i32, cols : i32,',
      values: [i32(n), i32(lastDim(x))],
      body: `
        if (index >= uniforms.n) { return; }
        let u = x[index] + bias[index % uniforms.cols];
        result[index] = 0.5 * u * (1.0 + erfApprox(u * 0.7071067811865476));`,
    });
  });

  // d/du gelu(u) = Φ(u) + u φ(u), times dy.
  reg(BIAS_GELU_GRAD, ({ inputs: { dy, x, bias } }) => {
    const n = tf.util.sizeFromShape(x.shape);
    return runFlatProgram({
      key: 'bias_gelu_grad',
      names: ['dy', 'x', 'bias'],
      inputs: [dy, x, bias],
      outShape: x.shape,
      threads: n,
      header: ERF_WGSL,
      uniforms: 'n : i32, cols : i32,',
      values: [i32(n), i32(lastDim(x))],
      body: `
        if (index >= uniforms.n) { return; }
        let u = x[index] + bias[index % uniforms.cols];
        let d = 0.5 * (1.0 + erfApprox(u * 0.7071067811865476)) + u * 0.3989422804014327 * exp(-0.5 * u * u);
        result[index] = dy[index] * d;`,
    });
  });

  // softmax over the last axis of scores * scale (+ keyMask[b, key]); scores (B*H, N, M), keyMask (B, 1, 1, M).
  reg(ATTN_SOFTMAX, ({ inputs: { scores, keyMask }, attrs }) => {
    const M = lastDim(scores);
    const R = tf.util.sizeFromShape(scores.shape) / M;
    const a = attrs as Attrs;
    const masked = keyMask != null;
    // rows per batch element: heads * N, where scores is (B*H, N, M)
    const rowsPerBatch = (a.heads as number) * scores.shape[scores.shape.length - 2];
    const m = (j: string) => (masked ? ` + keyMask[(r / uniforms.rowsPerBatch) * M + ${j}]` : '');
    return runFlatProgram({
      key: `attn_softmax_${masked}`,
      names: masked ? ['scores', 'keyMask'] : ['scores'],
      inputs: masked ? [scores, keyMask] : [scores],
      outShape: scores.shape,
      threads: R,
      uniforms: 'rows : i32, cols : i32, rowsPerBatch : i32, scale : f32,',
      values: [i32(R), i32(M), i32(rowsPerBatch), f32(a.scale as number)],
      body: `
        let r = index;
        if (r >= uniforms.rows) { return; }
        let M = uniforms.cols;
        let base = r * M;
        var mx = -3.402823e+38;
        for (var j = 0; j < M; j++) { mx = max(mx, scores[base + j] * uniforms.scale${m('j')}); }
        var s = 0.0;
        for (var j = 0; j < M; j++) { s += exp(scores[base + j] * uniforms.scale${m('j')} - mx); }
        let inv = 1.0 / s;
        for (var j = 0; j < M; j++) { result[base + j] = exp(scores[base + j] * uniforms.scale${m('j')} - mx) * inv; }`,
    });
  });

  // dscores = scale * p * (dp - Σ_j p dp) per row.
  reg(ATTN_SOFTMAX_GRAD, ({ inputs: { dy, probs }, attrs }) => {
    const M = lastDim(probs);
    const R = tf.util.sizeFromShape(probs.shape) / M;
    return runFlatProgram({
      key: 'attn_softmax_grad',
      names: ['dy', 'probs'],
      inputs: [dy, probs],
      outShape: probs.shape,
      threads: R,
      uniforms: 'rows : i32, cols : i32, scale : f32,',
      values: [i32(R), i32(M), f32((attrs as Attrs).scale as number)],
      body: `
        if (index >= uniforms.rows) { return; }
        let M = uniforms.cols;
        let base = index * M;
        var s = 0.0;
        for (var j = 0; j < M; j++) { s += dy[base + j] * probs[base + j]; }
        for (var j = 0; j < M; j++) { result[base + j] = uniforms.scale * probs[base + j] * (dy[base + j] - s); }`,
    });
  });

  // Logit (row, col) of the frame the loss reads: logits itself, or its transpose.
  const frameLogit = `
    fn frameLogit(r : i32, c : i32) -> f32 {
      if (uniforms.transposed != 0) { return logits[c * uniforms.rows + r]; }
      return logits[r * uniforms.cols + c];
    }`;

  // −(1/R) Σ_r Σ_c t[r, c] log softmax(l[r, :])[c], in one workgroup of 64 invocations.
  reg(SOFT_CE, ({ inputs: { logits, targets }, attrs }) => {
    const transposed = (attrs as Attrs).transposed ? 1 : 0;
    const [A, B] = logits.shape;
    const [R, C] = transposed ? [B, A] : [A, B];
    return runFlatProgram({
      key: 'soft_ce',
      names: ['logits', 'targets'],
      inputs: [logits, targets],
      outShape: [],
      threads: 64,
      header: `var<workgroup> partial : array<f32, 64>;\n${frameLogit}`,
      uniforms: 'rows : i32, cols : i32, transposed : i32,',
      values: [i32(R), i32(C), i32(transposed)],
      body: `
        let tid = index;
        var acc = 0.0;
        for (var r = tid; r < uniforms.rows; r += 64) {
          var mx = -3.402823e+38;
          for (var c = 0; c < uniforms.cols; c++) { mx = max(mx, frameLogit(r, c)); }
          var s = 0.0;
          var st = 0.0;
          var stl = 0.0;
          for (var c = 0; c < uniforms.cols; c++) {
            let l = frameLogit(r, c);
            let t = targets[r * uniforms.cols + c];
            s += exp(l - mx);
            st += t;
            stl += t * l;
          }
          acc += stl - st * (mx + log(s));
        }
        partial[tid] = acc;
        workgroupBarrier();
        if (tid == 0) {
          var total = 0.0;
          for (var i = 0; i < 64; i++) { total += partial[i]; }
          result[0] = -total / f32(uniforms.rows);
        }`,
    });
  });

  // dl[r, c] = dy / R * (softmax(l[r, :])[c] * Σ_c t[r, c] − t[r, c]), written in the layout of `logits`.
  reg(SOFT_CE_GRAD, ({ inputs: { dy, logits, targets }, attrs }) => {
    const transposed = (attrs as Attrs).transposed ? 1 : 0;
    const [A, B] = logits.shape;
    const [R, C] = transposed ? [B, A] : [A, B];
    return runFlatProgram({
      key: 'soft_ce_grad',
      names: ['dy', 'logits', 'targets'],
      inputs: [dy, logits, targets],
      outShape: logits.shape,
      threads: A * B,
      header: frameLogit,
      uniforms: 'rows : i32, cols : i32, transposed : i32,',
      values: [i32(R), i32(C), i32(transposed)],
      body: `
        if (index >= uniforms.rows * uniforms.cols) { return; }
        // index runs over the layout of logits; (r, c) are the frame's coordinates
        var r = index / uniforms.cols;
        var c = index % uniforms.cols;
        if (uniforms.transposed != 0) { r = index % uniforms.rows; c = index / uniforms.rows; }
        var mx = -3.402823e+38;
        for (var k = 0; k < uniforms.cols; k++) { mx = max(mx, frameLogit(r, k)); }
        var s = 0.0;
        var st = 0.0;
        for (var k = 0; k < uniforms.cols; k++) {
          s += exp(frameLogit(r, k) - mx);
          st += targets[r * uniforms.cols + k];
        }
        let p = exp(frameLogit(r, c) - mx) / s;
        result[index] = dy[0] / f32(uniforms.rows) * (p * st - targets[r * uniforms.cols + c]);`,
    });
  });
}

/**
 * Moves attention heads between the (B·N, H·dh) layout of a linear layer and the (B·H, N, dh) layout of attention:
 * the reshape–transpose–reshape of the composite path as one program.
 */
function headsInfo(x: Info, heads: number, seq: number, toHeads: boolean): Info {
  const size = tf.util.sizeFromShape(x.shape);
  const D = toHeads ? lastDim(x) : lastDim(x) * heads;
  const dh = D / heads;
  const B = size / (seq * D);
  return runFlatProgram({
    key: 'heads',
    names: ['x'],
    inputs: [x],
    outShape: toHeads ? [B * heads, seq, dh] : [B * seq, D],
    threads: size,
    uniforms: 'n : i32, heads : i32, seq : i32, dh : i32, toHeads : i32,',
    values: [i32(size), i32(heads), i32(seq), i32(dh), i32(toHeads ? 1 : 0)],
    body: `
      if (index >= uniforms.n) { return; }
      let dh = uniforms.dh;
      let D = dh * uniforms.heads;
      // (b, n, h, d) of the element that invocation index writes
      var b = 0; var n = 0; var h = 0; var d = 0;
      if (uniforms.toHeads != 0) {
        d = index % dh;
        n = (index / dh) % uniforms.seq;
        let bh = index / (dh * uniforms.seq);
        h = bh % uniforms.heads;
        b = bh / uniforms.heads;
      } else {
        d = index % dh;
        h = (index / dh) % uniforms.heads;
        let bn = index / D;
        n = bn % uniforms.seq;
        b = bn / uniforms.seq;
      }
      let rows = (b * uniforms.seq + n) * D + h * dh + d;
      let split = ((b * uniforms.heads + h) * uniforms.seq + n) * dh + d;
      if (uniforms.toHeads != 0) { result[index] = x[rows]; } else { result[index] = x[split]; }`,
  });
}

function registerLinearKernels(): void {
  const reg = (kernelName: string, kernelFunc: (a: KernelArgs) => Info) =>
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });

  // Σ over rows of a (rows, cols) matrix (the last axis kept): one invocation per column.
  reg(COLUMN_SUM, ({ inputs: { x }, attrs }) => {
    const C = (attrs as Attrs).cols as number;
    const R = tf.util.sizeFromShape(x.shape) / C;
    return runFlatProgram({
      key: 'column_sum',
      names: ['x'],
      inputs: [x],
      outShape: [C],
      threads: C,
      uniforms: 'rows : i32, cols : i32,',
      values: [i32(R), i32(C)],
      body: `
        if (index >= uniforms.cols) { return; }
        var s = 0.0;
        for (var r = 0; r < uniforms.rows; r++) { s += x[r * uniforms.cols + index]; }
        result[index] = s;`,
    });
  });

  // [dx, dgamma, dbeta] of LayerNorm.
  tf.registerKernel({
    kernelName: LN_GRAD,
    backendName: 'webgpu',
    kernelFunc: (({ inputs: { dy, x, gamma }, attrs }: KernelArgs) => {
      const backend = webGpuBackend();
      const D = lastDim(x);
      const stats = call(LN_STATS, { x }, attrs as Record<string, unknown>);
      const dx = call(LN_GRAD_X, { dy, x, gamma, stats });
      const dgamma = call(LN_GRAD_GAMMA, { dy, x, stats });
      const dbeta = call(COLUMN_SUM, { x: dy }, { cols: D });
      backend.disposeData(stats.dataId);
      return [dx, dgamma, dbeta];
    }) as unknown as tf.KernelFunc,
  });

  // [dx, dbias] of gelu(x + bias).
  tf.registerKernel({
    kernelName: BIAS_GELU_GRADS,
    backendName: 'webgpu',
    kernelFunc: (({ inputs: { dy, x, bias } }: KernelArgs) => {
      const dpre = call(BIAS_GELU_GRAD, { dy, x, bias });
      return [dpre, call(COLUMN_SUM, { x: dpre }, { cols: lastDim(x) })];
    }) as unknown as tf.KernelFunc,
  });

  // [dx, dweight, dbias?] of XspLinear, heads moved as in the forward op.
  tf.registerKernel({
    kernelName: LINEAR_GRAD,
    backendName: 'webgpu',
    kernelFunc: (({ inputs: { dy, x, weight }, attrs }: KernelArgs) => {
      const backend = webGpuBackend();
      const a = attrs as Attrs;
      const inHeads = a.inHeads as number;
      const outHeads = a.outHeads as number;
      const seq = a.seq as number;
      const [K, C] = weight.shape;
      const dym = outHeads ? headsInfo(dy, outHeads, seq, false) : rows2d(dy, C);
      const xm = inHeads ? headsInfo(x, inHeads, seq, false) : rows2d(x, K);
      const dxm = call('BatchMatMul', { a: dym, b: weight }, { transposeA: false, transposeB: true });
      let dx = view(dxm, x.shape);
      if (inHeads) {
        dx = headsInfo(dxm, inHeads, seq, true);
        backend.disposeData(dxm.dataId);
      }
      const dw = call('BatchMatMul', { a: xm, b: dym }, { transposeA: true, transposeB: false });
      const out = [dx, view(dw, [K, C])];
      if (a.hasBias) out.push(call(COLUMN_SUM, { x: dym }, { cols: C }));
      if (outHeads) backend.disposeData(dym.dataId);
      if (inHeads) backend.disposeData(xm.dataId);
      return out;
    }) as unknown as tf.KernelFunc,
  });

  reg(HEADS, ({ inputs: { x }, attrs }) => {
    const a = attrs as Attrs;
    return headsInfo(x, a.heads as number, a.seq as number, !!a.toHeads);
  });

  // x · W + bias by the backend's own fused matMul (bias added in the same program), with the heads moved in or out.
  reg(LINEAR, ({ inputs: { x, weight, bias }, attrs }) => {
    const a = attrs as Attrs;
    const backend = webGpuBackend();
    const inHeads = a.inHeads as number;
    const outHeads = a.outHeads as number;
    const seq = a.seq as number;
    const xm = inHeads ? headsInfo(x, inHeads, seq, false) : { ...x, shape: [tf.util.sizeFromShape(x.shape) / lastDim(x), lastDim(x)] };
    const matMul = tf.getKernel('_FusedMatMul', 'webgpu')!.kernelFunc;
    const y = matMul({
      inputs: { a: xm, b: weight, ...(bias ? { bias } : {}) },
      backend: backend as unknown as tf.KernelBackend,
      attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0.2 },
    }) as Info;
    if (inHeads) backend.disposeData(xm.dataId);
    if (!outHeads) return y;
    const split = headsInfo(y, outHeads, seq, true);
    backend.disposeData(y.dataId);
    return split;
  });
}

function registerMoreKernels(): void {
  const reg = (kernelName: string, kernelFunc: (a: KernelArgs) => Info) =>
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });

  // x / √(Σ x² + eps) per row.
  reg(L2_NORMALIZE, ({ inputs: { x }, attrs }) => {
    const D = lastDim(x);
    const R = tf.util.sizeFromShape(x.shape) / D;
    return runFlatProgram({
      key: 'l2_normalize',
      names: ['x'],
      inputs: [x],
      outShape: x.shape,
      threads: R,
      uniforms: 'rows : i32, cols : i32, eps : f32,',
      values: [i32(R), i32(D), f32((attrs as Attrs).eps as number)],
      body: `
        if (index >= uniforms.rows) { return; }
        let base = index * uniforms.cols;
        var s = 0.0;
        for (var c = 0; c < uniforms.cols; c++) { s += x[base + c] * x[base + c]; }
        let r = inverseSqrt(s + uniforms.eps);
        for (var c = 0; c < uniforms.cols; c++) { result[base + c] = x[base + c] * r; }`,
    });
  });

  // dx = r (dy − y Σ dy·y) with r = 1/√(Σ x² + eps), y = x r.
  reg(L2_NORMALIZE_GRAD, ({ inputs: { dy, x }, attrs }) => {
    const D = lastDim(x);
    const R = tf.util.sizeFromShape(x.shape) / D;
    return runFlatProgram({
      key: 'l2_normalize_grad',
      names: ['dy', 'x'],
      inputs: [dy, x],
      outShape: x.shape,
      threads: R,
      uniforms: 'rows : i32, cols : i32, eps : f32,',
      values: [i32(R), i32(D), f32((attrs as Attrs).eps as number)],
      body: `
        if (index >= uniforms.rows) { return; }
        let base = index * uniforms.cols;
        var s = 0.0;
        for (var c = 0; c < uniforms.cols; c++) { s += x[base + c] * x[base + c]; }
        let r = inverseSqrt(s + uniforms.eps);
        var p = 0.0;
        for (var c = 0; c < uniforms.cols; c++) { p += dy[base + c] * x[base + c] * r; }
        for (var c = 0; c < uniforms.cols; c++) { result[base + c] = r * (dy[base + c] - x[base + c] * r * p); }`,
    });
  });

  // (B, T, D) -> (B, D): Σ_t w[b, t] x[b, t, :] / Σ_t w[b, t], or the plain mean over t without weights.
  const meanPool = ({ inputs: { x, weights } }: KernelArgs) => {
    const [B, T, D] = x.shape;
    const weighted = weights != null;
    return runFlatProgram({
      key: `mean_pool_${weighted}`,
      names: weighted ? ['x', 'weights'] : ['x'],
      inputs: weighted ? [x, weights] : [x],
      outShape: [B, D],
      threads: B * D,
      uniforms: 'batch : i32, seq : i32, cols : i32,',
      values: [i32(B), i32(T), i32(D)],
      body: `
        if (index >= uniforms.batch * uniforms.cols) { return; }
        let b = index / uniforms.cols;
        let d = index % uniforms.cols;
        var s = 0.0;
        var n = 0.0;
        for (var t = 0; t < uniforms.seq; t++) {
          let w = ${weighted ? 'weights[b * uniforms.seq + t]' : '1.0'};
          s += w * x[(b * uniforms.seq + t) * uniforms.cols + d];
          n += w;
        }
        result[index] = s / n;`,
    });
  };
  reg(MEAN_POOL, meanPool);
  reg(MEAN_POOL_MASKED, meanPool);

  reg(MEAN_POOL_GRAD, ({ inputs: { dy, weights }, attrs }) => {
    const [B, D] = dy.shape;
    const T = (attrs as Attrs).seq as number;
    const weighted = weights != null;
    return runFlatProgram({
      key: `mean_pool_grad_${weighted}`,
      names: weighted ? ['dy', 'weights'] : ['dy'],
      inputs: weighted ? [dy, weights] : [dy],
      outShape: [B, T, D],
      threads: B * T * D,
      uniforms: 'batch : i32, seq : i32, cols : i32,',
      values: [i32(B), i32(T), i32(D)],
      body: `
        if (index >= uniforms.batch * uniforms.seq * uniforms.cols) { return; }
        let d = index % uniforms.cols;
        let bt = index / uniforms.cols;
        let b = bt / uniforms.seq;
        ${weighted ? `var n = 0.0;
        for (var t = 0; t < uniforms.seq; t++) { n += weights[b * uniforms.seq + t]; }
        result[index] = dy[b * uniforms.cols + d] * weights[bt] / n;` : `result[index] = dy[b * uniforms.cols + d] / f32(uniforms.seq);`}`,
    });
  });

  // a + b of the same shape (a residual connection).
  reg(RESIDUAL_ADD, ({ inputs: { a, b } }) => {
    const n = tf.util.sizeFromShape(a.shape);
    return runFlatProgram({
      key: 'residual_add',
      names: ['a', 'b'],
      inputs: [a, b],
      outShape: a.shape,
      threads: n,
      uniforms: 'n : i32,',
      values: [i32(n)],
      body: `
        if (index >= uniforms.n) { return; }
        result[index] = a[index] + b[index];`,
    });
  });
}

// ---- gradients -------------------------------------------------------------------------------------------------

function registerGradients(): void {
  tf.registerGradient({
    kernelName: L2_NORMALIZE,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => run(L2_NORMALIZE_GRAD, { dy: dy as tf.Tensor, x: saved[0] }, { eps: (attrs as unknown as Attrs).eps as number }) }),
  });
  tf.registerGradient({
    kernelName: MEAN_POOL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => run(MEAN_POOL_GRAD, { dy: dy as tf.Tensor }, { seq: saved[0].shape[1] as number }) }),
  });
  tf.registerGradient({
    kernelName: MEAN_POOL_MASKED,
    inputsToSave: ['x', 'weights'],
    gradFunc: (dy, saved) => {
      const [x, weights] = saved;
      return {
        x: () => run(MEAN_POOL_GRAD, { dy: dy as tf.Tensor, weights }, { seq: x.shape[1] as number }),
        weights: () => tf.zerosLike(weights), // masks are data (never called on the tape)
      };
    },
  });
  tf.registerGradient({
    kernelName: RESIDUAL_ADD,
    gradFunc: (dy) => ({ a: () => dy as tf.Tensor, b: () => tf.clone(dy as tf.Tensor) }), // two tensors: accumulating one disposes it
  });
  tf.registerGradient({
    kernelName: LINEAR,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved, attrs) => {
      const [x, weight] = saved;
      const a = attrs as unknown as Attrs;
      const hasBias = a.hasBias as boolean;
      const [dx, dw, db] = runMany(LINEAR_GRAD, { dy: dy as tf.Tensor, x, weight }, { inHeads: a.inHeads, outHeads: a.outHeads, seq: a.seq, hasBias });
      const grads: Record<string, () => tf.Tensor> = { x: () => dx, weight: () => dw };
      if (hasBias) grads.bias = () => db;
      return grads;
    },
  });
  tf.registerGradient({
    kernelName: LN,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved;
      const [dx, dgamma, dbeta] = runMany(LN_GRAD, { dy: dy as tf.Tensor, x, gamma }, { eps: (attrs as unknown as Attrs).eps as number });
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
  tf.registerGradient({
    kernelName: BIAS_GELU,
    inputsToSave: ['x', 'bias'],
    gradFunc: (dy, saved) => {
      const [x, bias] = saved;
      const [dpre, dbias] = runMany(BIAS_GELU_GRADS, { dy: dy as tf.Tensor, x, bias });
      return { x: () => dpre, bias: () => dbias };
    },
  });
  tf.registerGradient({
    kernelName: ATTN_SOFTMAX,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [probs] = saved;
      return {
        scores: () => run(ATTN_SOFTMAX_GRAD, { dy: dy as tf.Tensor, probs }, { scale: (attrs as unknown as Attrs).scale as number }),
        keyMask: () => {
          throw new Error('the attention key mask is data: no gradient flows into it');
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: SOFT_CE,
    inputsToSave: ['logits', 'targets'],
    gradFunc: (dy, saved, attrs) => {
      const [logits, targets] = saved;
      return {
        logits: () => run(SOFT_CE_GRAD, { dy: dy as tf.Tensor, logits, targets }, { transposed: !!(attrs as unknown as Attrs).transposed }),
        targets: () => tf.zerosLike(targets), // targets are data in every objective (never called on the tape)
      };
    },
  });
}

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  registerWebGpuKernels();
  registerLinearKernels();
  registerMoreKernels();
  registerGradients();
  registerWasmFusedKernels();
}

/**
 * Whether the fused kernel `kernel` (by default the LayerNorm, registered on both) runs now: fusion is on, the active
 * backend is one with fused kernels (WebGPU or WASM) and that backend has this kernel registered.
 */
export function fusedActive(kernel: string = LN): boolean {
  const backend = fusedBackend();
  if (!backend) return false;
  ensureRegistered();
  return tf.getKernel(kernel, backend) != null;
}


// ---- ops: fused on WebGPU and WASM, composite elsewhere ---------------------------------------------------------------

/** LayerNorm over the last axis: (x − mean) / √(var + eps) · gamma + beta. */
export function layerNormOp<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, eps: number): T {
  if (fusedActive(LN)) return run(LN, { x, gamma, beta }, { eps }) as T;
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(xhat, gamma), beta) as T;
}

/**
 * x · weight (+ bias). Options move attention heads in the same op: `inHeads` reads x as (B·H, N, dh) and
 * `outHeads` writes (B·H, N, dh) instead of (B·N, H·dh), with N = `seq`. Composite path: matMul + add, and the heads
 * moved by reshape–transpose–reshape.
 */
export function linearOp(x: tf.Tensor, weight: tf.Tensor2D, bias?: tf.Tensor, heads: { inHeads?: number; outHeads?: number; seq?: number } = {}): tf.Tensor {
  const { inHeads = 0, outHeads = 0, seq = 0 } = heads;
  if (fusedActive(LINEAR)) return run(LINEAR, bias ? { x, weight, bias } : { x, weight }, { inHeads, outHeads, seq, hasBias: !!bias });
  let x2 = x as tf.Tensor2D;
  if (inHeads) {
    const [BH, N, dh] = x.shape;
    x2 = tf.reshape(tf.transpose(tf.reshape(x, [BH / inHeads, inHeads, N, dh]), [0, 2, 1, 3]), [(BH / inHeads) * N, inHeads * dh]);
  }
  let y = tf.matMul(x2, weight) as tf.Tensor2D;
  if (bias) y = tf.add(y, bias);
  if (!outHeads) return y;
  const [R, D] = y.shape;
  const dh = D / outHeads;
  return tf.reshape(tf.transpose(tf.reshape(y, [R / seq, seq, outHeads, dh]), [0, 2, 1, 3]), [(R / seq) * outHeads, seq, dh]);
}

/** Rows scaled to unit L2 norm: x / √(Σ x² + eps). */
export function l2NormalizeOp(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  if (fusedActive(L2_NORMALIZE)) return run(L2_NORMALIZE, { x }, { eps }) as tf.Tensor2D;
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), eps))) as tf.Tensor2D;
}

/** x: (B, T, D) -> (B, D), the mean over T, weighted by `weights` (B, T) when given (a padding mask of 0 and 1). */
export function meanPoolOp(x: tf.Tensor3D, weights?: tf.Tensor2D): tf.Tensor2D {
  if (fusedActive(weights ? MEAN_POOL_MASKED : MEAN_POOL)) return (weights ? run(MEAN_POOL_MASKED, { x, weights }) : run(MEAN_POOL, { x })) as tf.Tensor2D;
  if (!weights) return tf.mean(x, 1) as tf.Tensor2D;
  const w = tf.expandDims(weights, -1); // (B, T, 1)
  return tf.div(tf.sum(tf.mul(x, w), 1), tf.sum(w, 1)) as tf.Tensor2D;
}

/** a + b of the same shape. */
export function residualAddOp<T extends tf.Tensor>(a: T, b: T): T {
  if (fusedActive(RESIDUAL_ADD)) return run(RESIDUAL_ADD, { a, b }) as T;
  return tf.add(a, b) as T;
}

/** Exact GELU: x · Φ(x) = 0.5 x (1 + erf(x / √2)). */
export function geluOp<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T;
}

/** gelu(x + bias), bias over the last axis. x: (R, C), bias: (C). */
export function biasGeluOp(x: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D {
  if (fusedActive(BIAS_GELU)) return run(BIAS_GELU, { x, bias }) as tf.Tensor2D;
  return geluOp(tf.add(x, bias) as tf.Tensor2D);
}

/**
 * Attention weights softmax(scores · scale + keyMask) over keys. scores: (B·H, N, M); keyMask (optional): (B, 1, 1, M),
 * additive.
 */
export function attentionSoftmaxOp(scores: tf.Tensor3D, scale: number, heads: number, keyMask?: tf.Tensor): tf.Tensor3D {
  if (fusedActive(ATTN_SOFTMAX)) {
    const inputs: Record<string, tf.Tensor> = keyMask ? { scores, keyMask } : { scores };
    return run(ATTN_SOFTMAX, inputs, { scale, heads }) as tf.Tensor3D;
  }
  const [BH, N, M] = scores.shape;
  let s = tf.mul(scores, scale);
  if (keyMask) s = tf.reshape(tf.add(tf.reshape(s, [BH / heads, heads, N, M]), keyMask), [BH, N, M]);
  return tf.softmax(s, -1) as tf.Tensor3D;
}

/**
 * Mean over rows of −Σ_c targets[r, c] · log softmax(logits[r, :])[c]; with `transposed`, the rows are the columns of
 * logits (targets are given in that transposed frame).
 */
export function softCrossEntropyOp(logits: tf.Tensor2D, targets: tf.Tensor2D, transposed = false): tf.Scalar {
  if (fusedActive(SOFT_CE)) return run(SOFT_CE, { logits, targets }, { transposed }) as tf.Scalar;
  const l = transposed ? tf.transpose(logits) : logits;
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(l, -1)), -1))) as tf.Scalar;
}
