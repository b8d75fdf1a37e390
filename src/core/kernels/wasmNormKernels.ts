import { BIAS_GELU, BIAS_GELU_GRADS, L2_NORMALIZE, L2_NORMALIZE_GRAD, LN, LN_GRAD, MEAN_POOL, MEAN_POOL_GRAD, MEAN_POOL_MASKED, RESIDUAL_ADD } from './names';
import { type Attrs, at, be, columnSum, f32, INV_SQRT2, INV_SQRT_2PI, type KernelArgs, lastDim, regWasm, sizeOf } from './wasmFusedHelpers';
import { biasGeluGradSimd, biasGeluSimd } from './wasmActivations';

/** The fused WASM kernels of LayerNorm, bias + GELU, residual adds, L2 normalisation and mean pooling (see wasmFused.ts). */
export function registerWasmNormKernels(): void {
  // ---- LayerNorm ------------------------------------------------------------------------------------------------

  regWasm(LN, (args) => {
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
      const { mean, rstd } = rowStats(h, base, D, eps);
      const yb = oy + r * D;
      for (let c = 0; c < D; c++) h[yb + c] = (h[base + c] - mean) * rstd * h[og + c] + h[ob + c];
    }
    return out;
  });

  // [dx, dgamma, dbeta]: dx = rstd (g − mean(g) − xhat mean(g xhat)) with g = dy gamma.
  regWasm(LN_GRAD, (args) => {
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
      const { mean, rstd } = rowStats(h, base, D, eps);
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

  regWasm(BIAS_GELU, (args) => {
    const { x, bias } = args.inputs;
    f32(x, bias);
    const backend = be(args);
    const C = lastDim(x);
    const R = sizeOf(x) / C;
    const out = backend.makeOutput(x.shape, 'float32');
    const h = backend.wasm.HEAPF32;
    const [ox, ob, oy] = [at(backend, x), at(backend, bias), at(backend, out)];
    if (biasGeluSimd(h, ox, ob, oy, R, C)) return out;
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
  regWasm(BIAS_GELU_GRADS, (args) => {
    const { dy, x, bias } = args.inputs;
    f32(dy, x, bias);
    const backend = be(args);
    const C = lastDim(x);
    const R = sizeOf(x) / C;
    const dx = backend.makeOutput(x.shape, 'float32');
    const db = backend.makeOutput([C], 'float32');
    const h = backend.wasm.HEAPF32;
    const [ody, ox, ob, odx, odb] = [at(backend, dy), at(backend, x), at(backend, bias), at(backend, dx), at(backend, db)];
    if (biasGeluGradSimd(h, ody, ox, ob, odx, R, C)) {
      columnSum(h, odx, R, C, odb);
      return [dx, db];
    }
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

  regWasm(RESIDUAL_ADD, (args) => {
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

  regWasm(L2_NORMALIZE, (args) => {
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
  regWasm(L2_NORMALIZE_GRAD, (args) => {
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
  regWasm(MEAN_POOL, meanPool);
  regWasm(MEAN_POOL_MASKED, meanPool);

  regWasm(MEAN_POOL_GRAD, (args) => {
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

}

/** Mean and 1/√(variance + eps) of the D floats at `base` (one LayerNorm row), for the forward and the gradient. */
function rowStats(h: Float32Array, base: number, D: number, eps: number): { mean: number; rstd: number } {
  let mean = 0;
  for (let c = 0; c < D; c++) mean += h[base + c];
  mean /= D;
  let v = 0;
  for (let c = 0; c < D; c++) {
    const d = h[base + c] - mean;
    v += d * d;
  }
  return { mean, rstd: 1 / Math.sqrt(v / D + eps) };
}
