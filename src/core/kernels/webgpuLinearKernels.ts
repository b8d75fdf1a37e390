import * as tf from '../tf';
import { runFlatProgram, webGpuBackend } from './webgpu';

import { LN_STATS, LN_GRAD_X, LN_GRAD_GAMMA, BIAS_GELU_GRAD, LINEAR, HEADS, COLUMN_SUM, L2_NORMALIZE, L2_NORMALIZE_GRAD, MEAN_POOL, MEAN_POOL_MASKED, MEAN_POOL_GRAD, RESIDUAL_ADD, LN_GRAD, BIAS_GELU_GRADS, LINEAR_GRAD } from './names';
import { type Attrs, call, f32, i32, type Info, type KernelArgs, lastDim, rows2d, view } from './webgpuHelpers';

/** The fused WGSL kernels of linear layers (heads in or out), L2 normalisation, mean pooling and residual adds. */
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

export function registerLinearKernels(): void {
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

export function registerMoreKernels(): void {
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

