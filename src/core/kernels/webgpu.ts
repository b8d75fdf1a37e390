import * as tf from '../tf';

/**
 * The few internals of @tensorflow/tfjs-backend-webgpu (4.22) that the fused kernels use, typed by hand so that the
 * DOM-free core never imports the WebGPU package (Node tests and the WASM/CPU bundles stay without it).
 */

export interface WebGpuUniform {
  type: 'float32' | 'int32' | 'uint32';
  data: number[];
}

/** What runWebGPUProgram reads of a program (see the package's webgpu_program.ts). */
export interface WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  variableNames: string[];
  uniforms?: string;
  getUserCode(): string;
}

interface TensorData {
  resource: unknown;
  refCount: number;
}

export interface WebGpuBackend {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  activeTimers: unknown[] | null;
  tensorMap: { get(dataId: object): TensorData; has(dataId: object): boolean };
  runWebGPUProgram(program: WebGpuProgram, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: WebGpuUniform[]): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  makeUniforms(uniforms: WebGpuUniform[]): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  disposeData(dataId: object): boolean;
}

/** True when the active backend is WebGPU (whose fused kernels are WGSL programs). */
export function onWebGpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** Tests switch fusion off to compare the fused kernels with the composite ops on the same backend. */
export const fusion = { enabled: true };

/**
 * The backend whose fused kernels (and in-place AdamW) run now: WebGPU (WGSL programs, kernels/fused.ts) or WASM (JS
 * loops over the backend's heap, kernels/wasmFused.ts); undefined on any other backend or with fusion switched off,
 * where the composite tfjs ops run.
 */
export function fusedBackend(): 'webgpu' | 'wasm' | undefined {
  if (!fusion.enabled) return undefined;
  const name = tf.getBackend();
  return name === 'webgpu' || name === 'wasm' ? name : undefined;
}

/** Whether the fused kernels (and the in-place AdamW) run now: fusion is on and the backend has them. */
export function useFused(): boolean {
  return fusedBackend() !== undefined;
}

export function webGpuBackend(): WebGpuBackend {
  return tf.backend() as unknown as WebGpuBackend;
}

export const WORKGROUP = 64;

/** The same data seen as a flat vector: the fused programs index their buffers themselves. */
export function flat(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [tf.util.sizeFromShape(t.shape)], dtype: t.dtype };
}

/**
 * Runs WGSL `body` (the inside of `fn main(index : i32)`, one invocation per index in [0, threads)) over flat views of
 * `inputs`, writing `result[i]` of a flat float32 output of `outSize` elements, returned with shape `outShape`.
 * Inputs are read as `name[i]`; `uniforms` declares extra uniform fields (`rows : i32, scale : f32,`) filled from
 * `values` in order. Every constant baked into `body` must be part of `key`.
 */
export function runFlatProgram(opts: {
  key: string;
  names: string[];
  inputs: tf.TensorInfo[];
  outShape: number[];
  threads: number;
  body: string;
  uniforms?: string;
  values?: WebGpuUniform[];
  workgroup?: number;
  header?: string;
}): tf.TensorInfo {
  const backend = webGpuBackend();
  const outSize = Math.max(1, tf.util.sizeFromShape(opts.outShape));
  const wg = opts.workgroup ?? WORKGROUP;
  const program: WebGpuProgram = {
    outputShape: [outSize],
    shaderKey: `xsp_${opts.key}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(opts.threads / wg), 1, 1],
    workgroupSize: [wg, 1, 1],
    variableNames: opts.names,
    uniforms: opts.uniforms,
    getUserCode: () => `
      ${opts.header ?? ''}
      fn main(index : i32) {
        ${opts.body}
      }`,
  };
  const out = backend.runWebGPUProgram(program, opts.inputs.map(flat), 'float32', opts.values);
  return { dataId: out.dataId, shape: opts.outShape, dtype: 'float32' };
}
