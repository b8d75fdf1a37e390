import { WASM_BASE64 } from './activationsWasm.generated';
import { instantiateKernel } from './wasmModule';

/**
 * Bias + exact GELU and the attention softmax, and their gradients, on the WASM backend's heap, through the SIMD
 * kernels of src/wasm/activations.ts: the
 * operands are copied into the kernel's memory and the result back (copies cost far less than the exps they save).
 * Each function returns false where the kernel cannot run (no WebAssembly SIMD): the caller's JavaScript loop does it.
 */

interface ActivationExports {
  memory: WebAssembly.Memory;
  ensureMemory(bytes: number): number;
  heapBase(): number;
  biasGelu(x: number, bias: number, y: number, R: number, C: number): void;
  biasGeluGrad(dy: number, x: number, bias: number, dx: number, R: number, C: number): void;
  attentionSoftmax(s: number, mask: number, y: number, R: number, M: number, rowsPerBatch: number, scale: number): void;
  attentionSoftmaxGrad(dp: number, p: number, ds: number, R: number, M: number, scale: number): void;
}


let kernel: ActivationExports | null | undefined;
function load(): ActivationExports | null {
  if (kernel === undefined) {
    try {
      kernel = instantiateKernel<ActivationExports>(WASM_BASE64, 'activation');
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/** Float offsets in the kernel's memory of `counts` consecutive arrays, after growing it to hold them; else null. */
function layout(k: ActivationExports, counts: number[]): number[] | null {
  const out: number[] = [];
  let at = (k.heapBase() + 15) & ~15; // after the module's static data
  for (const n of counts) {
    out.push(at);
    at += 4 * n;
  }
  return k.ensureMemory(at) ? out : null;
}

/** heap[oy..] (R, C) = GELU(heap[ox..] (R, C) + heap[ob..] (C)); float offsets. */
export function biasGeluSimd(heap: Float32Array, ox: number, ob: number, oy: number, R: number, C: number): boolean {
  const k = load();
  const n = R * C;
  const at = k && layout(k, [n, C, n]);
  if (!k || !at) return false;
  const [px, pb, py] = at;
  const mem = new Float32Array(k.memory.buffer);
  mem.set(heap.subarray(ox, ox + n), px >>> 2);
  mem.set(heap.subarray(ob, ob + C), pb >>> 2);
  k.biasGelu(px, pb, py, R, C);
  heap.set(new Float32Array(k.memory.buffer, py, n), oy);
  return true;
}

/** heap[odx..] = heap[ody..] · GELU'(heap[ox..] + heap[ob..]); float offsets. */
export function biasGeluGradSimd(heap: Float32Array, ody: number, ox: number, ob: number, odx: number, R: number, C: number): boolean {
  const k = load();
  const n = R * C;
  const at = k && layout(k, [n, n, C, n]);
  if (!k || !at) return false;
  const [pdy, px, pb, pdx] = at;
  const mem = new Float32Array(k.memory.buffer);
  mem.set(heap.subarray(ody, ody + n), pdy >>> 2);
  mem.set(heap.subarray(ox, ox + n), px >>> 2);
  mem.set(heap.subarray(ob, ob + C), pb >>> 2);
  k.biasGeluGrad(pdy, px, pb, pdx, R, C);
  heap.set(new Float32Array(k.memory.buffer, pdx, n), odx);
  return true;
}

/**
 * heap[oy..] (R, M) = softmax of heap[os..] · scale (+ the mask row heap[om + (r / rowsPerBatch) M ..], om < 0: none)
 * over each row of M; float offsets. `batches` mask rows.
 */
export function attentionSoftmaxSimd(heap: Float32Array, os: number, om: number, oy: number, R: number, M: number, rowsPerBatch: number, batches: number, scale: number): boolean {
  const k = load();
  const n = R * M;
  const nm = om >= 0 ? batches * M : 0;
  const at = k && layout(k, [n, nm, n]);
  if (!k || !at) return false;
  const [ps, pm, py] = at;
  const mem = new Float32Array(k.memory.buffer);
  mem.set(heap.subarray(os, os + n), ps >>> 2);
  if (nm > 0) mem.set(heap.subarray(om, om + nm), pm >>> 2);
  k.attentionSoftmax(ps, nm > 0 ? pm : 0, py, R, M, rowsPerBatch, scale);
  heap.set(new Float32Array(k.memory.buffer, py, n), oy);
  return true;
}

/** heap[ods..] (R, M) = scale · p (dp − Σ_j p dp) per row, p at op, dp at odp; float offsets. */
export function attentionSoftmaxGradSimd(heap: Float32Array, odp: number, op: number, ods: number, R: number, M: number, scale: number): boolean {
  const k = load();
  const n = R * M;
  const at = k && layout(k, [n, n, n]);
  if (!k || !at) return false;
  const [pdp, pp, pds] = at;
  const mem = new Float32Array(k.memory.buffer);
  mem.set(heap.subarray(odp, odp + n), pdp >>> 2);
  mem.set(heap.subarray(op, op + n), pp >>> 2);
  k.attentionSoftmaxGrad(pdp, pp, pds, R, M, scale);
  heap.set(new Float32Array(k.memory.buffer, pds, n), ods);
  return true;
}
