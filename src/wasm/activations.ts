// AssemblyScript (compiled by scripts/build-wasm-kernels.mjs, not by tsc): bias + exact GELU and the attention softmax,
// forward and backward, with 128-bit SIMD, four columns at a time. The JavaScript loops they replace
// (src/core/kernels/wasmNormKernels.ts, wasmFused.ts) spend most of their time in Math.exp; here exp is a vector
// polynomial. Memory layout is chosen by the caller (src/core/kernels/wasmActivations.ts): byte offsets of the
// operands, all float32, row-major.
//
// GELU(u) = u Φ(u), Φ(u) = ½(1 + erf(u/√2)); ½ erfc(z) by Abramowitz & Stegun 7.1.26 (erf to 1.5e-7 absolute, as the
// other backends' kernels): ½ poly(t) t e with z = |u|/√2, t = 1/(1 + p z), e = exp(−z²), so one exp serves both Φ and
// the density φ(u) = e/√(2π) of the gradient dGELU/du = Φ(u) + u φ(u).

const INV_SQRT2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

/** Where this module's static data ends: the caller's operands go after it. */
export function heapBase(): usize {
  return __heap_base;
}

/** Grows this module's memory to at least `bytes`; returns false if the browser refuses. */
export function ensureMemory(bytes: i32): bool {
  const have = memory.size() << 16;
  if (bytes <= have) return true;
  const pages = (bytes - have + 0xffff) >>> 16;
  return memory.grow(pages) >= 0;
}

/** exp(x) for x ≤ 0 (Cephes' expf: x = n ln2 + r, a degree-6 polynomial in r, 2^n from the exponent bits). */
// @ts-ignore: decorator
@inline
function expNeg4(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87.0)); // below, exp underflows: 2^-126 is still a normal float
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.mul(f32x4.mul(y, r), r), f32x4.add(r, f32x4.splat(1)));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/** ½ erfc(z) of four values z = |u|/√2 ≥ 0, given e = exp(−z²). */
// @ts-ignore: decorator
@inline
function halfErfc4(z: v128, e: v128): v128 {
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(0.3275911), z)));
  let p = f32x4.splat(1.061405429);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.453152027));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.421413741));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.284496736));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.254829592));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), p), f32x4.mul(t, e));
}

/** Φ(u) from ½ erfc(|u|/√2). */
// @ts-ignore: decorator
@inline
function cdfFromHalf(u: v128, half: v128): v128 {
  return v128.bitselect(f32x4.sub(f32x4.splat(1), half), half, f32x4.ge(u, f32x4.splat(0)));
}

/** The same for one value (the columns after the last multiple of 4). */
function cdf1(u: f32): f32 {
  const z = Mathf.abs(u) * INV_SQRT2;
  const t: f32 = 1 / (1 + 0.3275911 * z);
  const e = f32x4.extract_lane(expNeg4(f32x4.splat(-z * z)), 0);
  const half: f32 = 0.5 * ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * e;
  return u >= 0 ? 1 - half : half;
}

/** y (R, C) = GELU(x (R, C) + bias (C)). */
export function biasGelu(x: usize, bias: usize, y: usize, R: i32, C: i32): void {
  const C4 = C & ~3;
  for (let r = 0; r < R; r++) {
    const row = <usize>(r * C) << 2;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const u = f32x4.add(v128.load(x + row + o), v128.load(bias + o));
      const z = f32x4.mul(f32x4.abs(u), f32x4.splat(INV_SQRT2));
      const e = expNeg4(f32x4.neg(f32x4.mul(z, z)));
      v128.store(y + row + o, f32x4.mul(u, cdfFromHalf(u, halfErfc4(z, e))));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const u = load<f32>(x + row + o) + load<f32>(bias + o);
      store<f32>(y + row + o, u * cdf1(u));
    }
  }
}

/** dx (R, C) = dy · (Φ(u) + u φ(u)) with u = x + bias (the bias gradient is dx's column sum, left to the caller). */
export function biasGeluGrad(dy: usize, x: usize, bias: usize, dx: usize, R: i32, C: i32): void {
  const C4 = C & ~3;
  for (let r = 0; r < R; r++) {
    const row = <usize>(r * C) << 2;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const u = f32x4.add(v128.load(x + row + o), v128.load(bias + o));
      const z = f32x4.mul(f32x4.abs(u), f32x4.splat(INV_SQRT2));
      const e = expNeg4(f32x4.neg(f32x4.mul(z, z)));
      const cdf = cdfFromHalf(u, halfErfc4(z, e));
      const density = f32x4.mul(e, f32x4.splat(INV_SQRT_2PI));
      v128.store(dx + row + o, f32x4.mul(v128.load(dy + row + o), f32x4.add(cdf, f32x4.mul(u, density))));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const u = load<f32>(x + row + o) + load<f32>(bias + o);
      const z = Mathf.abs(u) * INV_SQRT2;
      const e = f32x4.extract_lane(expNeg4(f32x4.splat(-z * z)), 0);
      store<f32>(dx + row + o, load<f32>(dy + row + o) * (cdf1(u) + u * INV_SQRT_2PI * e));
    }
  }
}

/** Largest of four lanes. */
// @ts-ignore: decorator
@inline
function hmax(v: v128): f32 {
  return Mathf.max(Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Sum of four lanes. */
// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * y = softmax over the last axis of scores · scale (+ mask[b, key]): scores and y (R, M) with R = B·H·N rows, the
 * mask (B, M) given per batch item b = r / rowsPerBatch (mask = 0: none).
 */
export function attentionSoftmax(s: usize, mask: usize, y: usize, R: i32, M: i32, rowsPerBatch: i32, scale: f32): void {
  const M4 = M & ~3;
  const vs = f32x4.splat(scale);
  for (let r = 0; r < R; r++) {
    const row = <usize>(r * M) << 2;
    const m = mask ? mask + (<usize>((r / rowsPerBatch) * M) << 2) : 0;
    let mx4 = f32x4.splat(-Infinity);
    let mx: f32 = -Infinity;
    for (let j = 0; j < M4; j += 4) {
      const o = <usize>j << 2;
      let v = f32x4.mul(v128.load(s + row + o), vs);
      if (m) v = f32x4.add(v, v128.load(m + o));
      v128.store(y + row + o, v);
      mx4 = f32x4.max(mx4, v);
    }
    for (let j = M4; j < M; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(s + row + o) * scale;
      if (m) v += load<f32>(m + o);
      store<f32>(y + row + o, v);
      mx = Mathf.max(mx, v);
    }
    mx = Mathf.max(mx, hmax(mx4));
    const vmx = f32x4.splat(mx);
    let sum4 = f32x4.splat(0);
    let sum: f32 = 0;
    for (let j = 0; j < M4; j += 4) {
      const o = <usize>j << 2;
      const e = expNeg4(f32x4.sub(v128.load(y + row + o), vmx));
      v128.store(y + row + o, e);
      sum4 = f32x4.add(sum4, e);
    }
    for (let j = M4; j < M; j++) {
      const o = <usize>j << 2;
      const e = f32x4.extract_lane(expNeg4(f32x4.splat(load<f32>(y + row + o) - mx)), 0);
      store<f32>(y + row + o, e);
      sum += e;
    }
    const inv: f32 = 1 / (sum + hsum(sum4));
    const vinv = f32x4.splat(inv);
    for (let j = 0; j < M4; j += 4) {
      const o = <usize>j << 2;
      v128.store(y + row + o, f32x4.mul(v128.load(y + row + o), vinv));
    }
    for (let j = M4; j < M; j++) {
      const o = <usize>j << 2;
      store<f32>(y + row + o, load<f32>(y + row + o) * inv);
    }
  }
}

/** dscores (R, M) = scale · p (dp − Σ_j p dp) per row, from the softmax's output p and its gradient dp. */
export function attentionSoftmaxGrad(dp: usize, p: usize, ds: usize, R: i32, M: i32, scale: f32): void {
  const M4 = M & ~3;
  for (let r = 0; r < R; r++) {
    const row = <usize>(r * M) << 2;
    let dot4 = f32x4.splat(0);
    let dot: f32 = 0;
    for (let j = 0; j < M4; j += 4) {
      const o = <usize>j << 2;
      dot4 = f32x4.add(dot4, f32x4.mul(v128.load(dp + row + o), v128.load(p + row + o)));
    }
    for (let j = M4; j < M; j++) {
      const o = <usize>j << 2;
      dot += load<f32>(dp + row + o) * load<f32>(p + row + o);
    }
    const vdot = f32x4.splat(dot + hsum(dot4));
    const vs = f32x4.splat(scale);
    for (let j = 0; j < M4; j += 4) {
      const o = <usize>j << 2;
      v128.store(ds + row + o, f32x4.mul(f32x4.mul(vs, v128.load(p + row + o)), f32x4.sub(v128.load(dp + row + o), vdot)));
    }
    for (let j = M4; j < M; j++) {
      const o = <usize>j << 2;
      store<f32>(ds + row + o, scale * load<f32>(p + row + o) * (load<f32>(dp + row + o) - f32x4.extract_lane(vdot, 0)));
    }
  }
}
