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

/**
 * Copies the operands (float offset and length in the heap; length 0: absent, passed as pointer 0) into the kernel's
 * memory, runs `call` with their byte pointers and that of an output of `outLength` floats, and copies the output
 * back to heap[out..]. False where the kernel cannot run (the caller's JavaScript loop does it).
 */
function runOnCopies(heap: Float32Array, operands: [offset: number, length: number][], out: number, outLength: number, call: (k: ActivationExports, pointers: number[]) => void): boolean {
  const k = load();
  const at = k && layout(k, [...operands.map(([, n]) => n), outLength]);
  if (!k || !at) return false;
  const mem = new Float32Array(k.memory.buffer);
  operands.forEach(([o, n], i) => n > 0 && mem.set(heap.subarray(o, o + n), at[i] >>> 2));
  const output = at[operands.length];
  call(k, [...operands.map(([, n], i) => (n > 0 ? at[i] : 0)), output]);
  heap.set(new Float32Array(k.memory.buffer, output, outLength), out);
  return true;
}

/** heap[oy..] (R, C) = GELU(heap[ox..] (R, C) + heap[ob..] (C)); float offsets. */
export function biasGeluSimd(heap: Float32Array, ox: number, ob: number, oy: number, R: number, C: number): boolean {
  return runOnCopies(heap, [[ox, R * C], [ob, C]], oy, R * C, (k, [x, bias, y]) => k.biasGelu(x, bias, y, R, C));
}

/** heap[odx..] = heap[ody..] · GELU'(heap[ox..] + heap[ob..]); float offsets. */
export function biasGeluGradSimd(heap: Float32Array, ody: number, ox: number, ob: number, odx: number, R: number, C: number): boolean {
  return runOnCopies(heap, [[ody, R * C], [ox, R * C], [ob, C]], odx, R * C, (k, [dy, x, bias, dx]) => k.biasGeluGrad(dy, x, bias, dx, R, C));
}

/**
 * heap[oy..] (R, M) = softmax of heap[os..] · scale (+ the mask row heap[om + (r / rowsPerBatch) M ..], om < 0: none)
 * over each row of M; float offsets. `batches` mask rows.
 */
export function attentionSoftmaxSimd(heap: Float32Array, os: number, om: number, oy: number, R: number, M: number, rowsPerBatch: number, batches: number, scale: number): boolean {
  const mask: [number, number] = om >= 0 ? [om, batches * M] : [0, 0];
  return runOnCopies(heap, [[os, R * M], mask], oy, R * M, (k, [s, m, y]) => k.attentionSoftmax(s, m, y, R, M, rowsPerBatch, scale));
}

/** heap[ods..] (R, M) = scale · p (dp − Σ_j p dp) per row, p at op, dp at odp; float offsets. */
export function attentionSoftmaxGradSimd(heap: Float32Array, odp: number, op: number, ods: number, R: number, M: number, scale: number): boolean {
  return runOnCopies(heap, [[odp, R * M], [op, R * M]], ods, R * M, (k, [dp, p, ds]) => k.attentionSoftmaxGrad(dp, p, ds, R, M, scale));
}
