import * as tf from '../tf';

/** What the fused WASM kernels (kernels/wasmFused.ts, wasmNormKernels.ts) share: heap access, products, head moves. */

export type Info = tf.TensorInfo;

export const INV_SQRT2 = Math.SQRT1_2;
export const INV_SQRT_2PI = 0.3989422804014327;
export type Attrs = Record<string, number | boolean>;
export type KernelArgs = { inputs: Record<string, Info>; attrs?: unknown; backend: unknown };

export interface WasmBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): Info;
  disposeData(id: object): boolean;
}

export const lastDim = (t: Info) => t.shape[t.shape.length - 1];
export const sizeOf = (t: Info) => tf.util.sizeFromShape(t.shape);
export const view = (t: Info, shape: number[]): Info => ({ dataId: t.dataId, shape, dtype: t.dtype });

export function f32(...ts: (Info | undefined)[]): void {
  for (const t of ts) if (t && t.dtype !== 'float32') throw new Error(`the fused WASM kernels read float32 tensors, not ${t.dtype}`);
}

/** Float offset of a tensor in the heap. */
export const at = (b: WasmBackend, t: Info) => b.dataIdMap.get(t.dataId).memoryOffset >>> 2;

/*
 * GELU's Φ(u) = ½(1 + erf(u/√2)) is computed inline by Abramowitz & Stegun 7.1.26 (erf to 1.5e-7 absolute, as the
 * WGSL kernels and tfjs's own Erf kernels do): ½ erfc(z) = ½ poly(t) e with z = |u|/√2, t = 1/(1 + p z),
 * e = exp(−z²) = exp(−u²/2), so one exp per element serves both Φ and the density φ(u) = e/√(2π).
 */

export function matMul(backend: WasmBackend, a: Info, b: Info, transposeA: boolean, transposeB: boolean): Info {
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
export function moveHeads(backend: WasmBackend, x: Info, heads: number, seq: number, toHeads: boolean): Info {
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
export function columnSum(h: Float32Array, o: number, R: number, C: number, out: number): void {
  const acc = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    const base = o + r * C;
    for (let c = 0; c < C; c++) acc[c] += h[base + c];
  }
  for (let c = 0; c < C; c++) h[out + c] = acc[c];
}

/** Registers a fused kernel for the 'wasm' backend. */
export const regWasm = (kernelName: string, kernelFunc: (a: KernelArgs) => Info | Info[]) =>
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });

/** The WASM backend a kernel runs on. */
export const be = (a: KernelArgs) => a.backend as WasmBackend;
