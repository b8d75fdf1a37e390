import * as tf from '../tf';
import { webGpuBackend, type WebGpuBackend } from './webgpu';

/**
 * AdamW on WebGPU in place: one compute dispatch per parameter tensor reads its gradient and updates the first and
 * second moments and the weights in their own GPU buffers, so variables keep their data ids and no tfjs kernel runs
 * (tf.profile counts none). The dispatches go into the backend's open compute pass and follow its deferred
 * submission, like the backend's own programs.
 */

export interface AdamWStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  c1: number; // 1 − beta1^t
  c2: number; // 1 − beta2^t
}

const WGSL = `
struct Step { lr : f32, beta1 : f32, beta2 : f32, eps : f32, decay : f32, c1 : f32, c2 : f32, n : u32 };
@group(0) @binding(0) var<storage, read_write> w : array<f32>;
@group(0) @binding(1) var<storage, read_write> m : array<f32>;
@group(0) @binding(2) var<storage, read_write> v : array<f32>;
@group(0) @binding(3) var<storage, read> g : array<f32>;
@group(0) @binding(4) var<uniform> u : Step;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) nw : vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= u.n) { return; }
  let gi = g[i];
  let mi = m[i] * u.beta1 + gi * (1.0 - u.beta1);
  let vi = v[i] * u.beta2 + gi * gi * (1.0 - u.beta2);
  m[i] = mi;
  v[i] = vi;
  let update = (mi / u.c1) / (sqrt(vi / u.c2) + u.eps) + w[i] * u.decay;
  w[i] = w[i] - update * u.lr;
}`;

const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>();

function pipeline(device: GPUDevice): GPUComputePipeline {
  let p = pipelines.get(device);
  if (!p) {
    p = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: WGSL, label: 'xsp_adamw' }), entryPoint: 'main' } });
    pipelines.set(device, p);
  }
  return p;
}

/** The tensor's GPU buffer, uploaded first if its values are still on the CPU. */
function bufferOf(backend: WebGpuBackend, t: tf.Tensor): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  return backend.tensorMap.get(t.dataId).resource as GPUBuffer;
}

/** Makes a variable the only owner of its buffer (an in-place write must not reach another tensor). */
function ownBuffer(backend: WebGpuBackend, v: tf.Variable): void {
  if (backend.tensorMap.get(v.dataId).refCount > 1) {
    const copy = tf.add(v, 0);
    v.assign(copy);
    copy.dispose();
  }
}

/** One AdamW update of w, m and v from g, all float32 of the same size, on the active WebGPU backend. */
export function adamWInPlace(w: tf.Variable, m: tf.Variable, v: tf.Variable, g: tf.Tensor, decay: number, step: AdamWStep): void {
  const backend = webGpuBackend();
  for (const s of [w, m, v]) ownBuffer(backend, s);
  const wb = bufferOf(backend, w);
  const mb = bufferOf(backend, m);
  const vb = bufferOf(backend, v);
  let grad = g;
  let gb = bufferOf(backend, grad);
  if (gb === wb || gb === mb || gb === vb) {
    grad = tf.add(g, 0); // a buffer cannot be bound for reading and writing in one dispatch
    gb = bufferOf(backend, grad);
  }
  const n = w.size;
  const uniform = backend.makeUniforms([
    { type: 'float32', data: [step.lr] },
    { type: 'float32', data: [step.beta1] },
    { type: 'float32', data: [step.beta2] },
    { type: 'float32', data: [step.eps] },
    { type: 'float32', data: [decay] },
    { type: 'float32', data: [step.c1] },
    { type: 'float32', data: [step.c2] },
    { type: 'uint32', data: [n] },
  ]);
  const device = backend.device;
  const pipe = pipeline(device);
  const bindGroup = device.createBindGroup({
    layout: pipe.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: wb } }, { binding: 1, resource: { buffer: mb } }, { binding: 2, resource: { buffer: vb } }, { binding: 3, resource: { buffer: gb } }, { binding: 4, resource: uniform }],
  });
  for (const t of [w, m, v, grad]) backend.commandQueueOwnedIds.add(t.dataId);
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  const pass = backend.computePassEncoder;
  pass.setPipeline(pipe);
  pass.setBindGroup(0, bindGroup);
  const groups = Math.ceil(n / 64);
  const maxX = device.limits.maxComputeWorkgroupsPerDimension;
  pass.dispatchWorkgroups(Math.min(groups, maxX), Math.ceil(groups / maxX), 1);
  backend.dispatchCountInPass++;
  if (backend.activeTimers != null) backend.endComputePassEncoder();
  else if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  if (grad !== g) grad.dispose();
}
