import * as tf from '../tf';
import { runFlatProgram } from './webgpu';

import { LN, LN_STATS, LN_GRAD_X, LN_GRAD_GAMMA, BIAS_GELU, BIAS_GELU_GRAD, ATTN_SOFTMAX, ATTN_SOFTMAX_GRAD, SOFT_CE, SOFT_CE_GRAD } from './names';
import { type Attrs, f32, i32, type Info, type KernelArgs, lastDim } from './webgpuHelpers';

/** The fused WGSL kernels of LayerNorm, bias + GELU, attention softmax and soft cross-entropy (forward and backward). */
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


/** WGSL: the mean and the summed squared deviation `v` of row `index` of x (uniforms.cols values), for LayerNorm. */
const ROW_MOMENTS = `
        let D = uniforms.cols;
        let base = index * D;
        var mean = 0.0;
        for (var c = 0; c < D; c++) { mean += x[base + c]; }
        mean = mean / f32(D);
        var v = 0.0;
        for (var c = 0; c < D; c++) { let d = x[base + c] - mean; v += d * d; }
`;
export function registerWebGpuKernels(): void {
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
${ROW_MOMENTS}
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
${ROW_MOMENTS}
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
