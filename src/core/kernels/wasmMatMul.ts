import * as tf from '../tf';
import { WASM_BASE64 } from './matmulWasm.generated';
import { instantiateKernel } from './wasmModule';

/**
 * A faster BatchMatMul for tfjs's WASM backend. tfjs runs a plain matrix product (one matrix each side, neither
 * transposed) through XNNPACK, but every other case (a batch of matrices, as in attention; a transposed operand,
 * as in every gradient of a linear layer) through a scalar loop about ten times slower. This kernel keeps the fast
 * case as it is and runs the others through a SIMD kernel (src/wasm/matmul.ts, compiled to WebAssembly at install),
 * copying the operands into its own memory and the product back. Same results to float rounding (tested).
 */

interface KernelExports {
  memory: WebAssembly.Memory;
  ensureMemory(bytes: number): number;
  batchMatMul(a: number, b: number, c: number, scratch: number, batch: number, batchA: number, batchB: number, M: number, N: number, K: number, transA: number, transB: number): void;
}

interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface WasmBackendLike {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): WasmTensorInfo;
}
interface MatMulArgs {
  inputs: { a: WasmTensorInfo; b: WasmTensorInfo };
  backend: WasmBackendLike;
  attrs: { transposeA: boolean; transposeB: boolean };
}

/** Bytes at the start of the kernel's memory left alone (AssemblyScript's stub runtime keeps nothing there, but be safe). */
const BASE = 1024;

let kernel: KernelExports | undefined;
function loadKernel(): KernelExports {
  kernel ??= instantiateKernel<KernelExports>(WASM_BASE64, 'matmul');
  return kernel;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** The operands' batch counts and matrix sizes, or undefined where this kernel does not apply (odd broadcasting). */
export function matMulPlan(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean) {
  const ra = aShape.length;
  const rb = bShape.length;
  const batchA = size(aShape.slice(0, -2));
  const batchB = size(bShape.slice(0, -2));
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outBatch = batchA >= batchB ? aShape.slice(0, -2) : bShape.slice(0, -2);
  return { batchA, batchB, batch: Math.max(batchA, batchB), M, N, K, outShape: [...outBatch, M, N] };
}

/** Whether tfjs's own kernel already takes its fast (XNNPACK) path for this product. */
function fastInTfjs(batch: number, transposeA: boolean, transposeB: boolean): boolean {
  return batch === 1 && !transposeA && !transposeB;
}

function simdBatchMatMul(args: MatMulArgs, original: tf.KernelFunc): WasmTensorInfo {
  const { a, b } = args.inputs;
  const { transposeA, transposeB } = args.attrs;
  const plan = a.dtype === 'float32' && b.dtype === 'float32' ? matMulPlan(a.shape, b.shape, transposeA, transposeB) : undefined;
  if (!plan || fastInTfjs(plan.batch, transposeA, transposeB) || size(plan.outShape) === 0)
    return original(args as unknown as Parameters<tf.KernelFunc>[0]) as WasmTensorInfo;
  const { backend } = args;
  const { batch, batchA, batchB, M, N, K } = plan;
  const out = backend.makeOutput(plan.outShape, 'float32');
  const k = loadKernel();
  const nA = batchA * M * K;
  const nB = batchB * K * N;
  const nC = batch * M * N;
  const pa = BASE;
  const pb = pa + 4 * nA;
  const pc = pb + 4 * nB;
  const scratch = pc + 4 * nC;
  if (!k.ensureMemory(scratch + 4 * K * N)) throw new Error('the WASM matmul kernel could not grow its memory');
  const mem = new Float32Array(k.memory.buffer);
  const heap = backend.wasm.HEAPF32; // read after makeOutput, which may have grown tfjs's memory
  const offA = backend.dataIdMap.get(a.dataId).memoryOffset >>> 2;
  const offB = backend.dataIdMap.get(b.dataId).memoryOffset >>> 2;
  const offC = backend.dataIdMap.get(out.dataId).memoryOffset >>> 2;
  mem.set(heap.subarray(offA, offA + nA), pa >>> 2);
  mem.set(heap.subarray(offB, offB + nB), pb >>> 2);
  k.batchMatMul(pa, pb, pc, scratch, batch, batchA, batchB, M, N, K, transposeA ? 1 : 0, transposeB ? 1 : 0);
  heap.set(new Float32Array(k.memory.buffer, pc, nC), offC);
  return out;
}

let installed = false;

/**
 * Puts the SIMD kernel in front of the WASM backend's BatchMatMul (the fast case still goes to tfjs's own).
 * Call once tfjs-backend-wasm is imported, before or after the backend starts. Returns whether it is installed.
 */
export function installWasmMatMul(): boolean {
  if (installed) return true;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original || typeof WebAssembly === 'undefined') return false;
  try {
    loadKernel();
  } catch {
    return false; // no WebAssembly SIMD here: tfjs's own kernel stays
  }
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: (args) => simdBatchMatMul(args as unknown as MatMulArgs, original.kernelFunc) as tf.TensorInfo });
  installed = true;
  return true;
}
