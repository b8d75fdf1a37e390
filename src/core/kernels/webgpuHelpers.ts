import * as tf from '../tf';
import { webGpuBackend, type WebGpuUniform } from './webgpu';

/** Small helpers shared by the fused WGSL kernels (kernels/webgpuKernels.ts, webgpuLinearKernels.ts). */

export type Info = tf.TensorInfo;
export type Attrs = Record<string, number | boolean>;
export type KernelArgs = { inputs: Record<string, Info>; attrs?: unknown };

export const i32 = (v: number): WebGpuUniform => ({ type: 'int32', data: [v] });
export const f32 = (v: number): WebGpuUniform => ({ type: 'float32', data: [v] });
export const lastDim = (t: Info) => t.shape[t.shape.length - 1];


/** Runs a registered WebGPU kernel's function directly (inside another kernel: no tape, no engine bookkeeping). */
export function call(name: string, inputs: Record<string, Info | undefined>, attrs: Record<string, unknown> = {}): Info {
  const kernel = tf.getKernel(name, 'webgpu');
  if (!kernel) throw new Error(`no WebGPU kernel ${name}`);
  return kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: webGpuBackend() as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

export const view = (t: Info, shape: number[]): Info => ({ dataId: t.dataId, shape, dtype: t.dtype });
export const rows2d = (t: Info, cols: number): Info => view(t, [tf.util.sizeFromShape(t.shape) / cols, cols]);
