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

/** What the in-place WASM AdamW reads of tfjs-backend-wasm's BackendWasm. */
interface WasmHeapBackend {
  wasm: { HEAPF32: Float32Array; tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void } };
  dataIdMap: { get(id: object): { id: number; memoryOffset: number } };
  refCount(id: object): number;
}

/**
 * AdamW on the WASM backend in place: one JS loop per parameter tensor reads its gradient from the backend's heap and
 * writes the moments and the weights where they lie, so variables keep their data ids and no tfjs kernel runs (the
 * composite path runs about ten per parameter). A variable whose data another tensor shares (the backend's
 * refCount above 1, e.g. after a Reshape or Identity view) is first given its own copy. The gradient is read at each
 * index before anything is written there, so it may even alias m, v or w.
 * XNNPACK caches its operators (with the weights packed) by tensor id, and drops them only when that id is disposed:
 * after writing, each tensor's id is disposed and registered again at the same memory, so no stale packed weights
 * survive (the memory itself is untouched).
 */
export function adamWInPlaceWasm(w: tf.Variable, m: tf.Variable, v: tf.Variable, g: tf.Tensor, decay: number, step: AdamWStep): void {
  const backend = tf.backend() as unknown as WasmHeapBackend;
  for (const s of [w, m, v]) {
    if (backend.refCount(s.dataId) > 1) {
      const copy = tf.add(s, 0);
      s.assign(copy);
      copy.dispose();
    }
  }
  for (const t of [w, m, v, g]) if (t.dtype !== 'float32') throw new Error(`AdamW in place needs float32 tensors, not ${t.dtype}`);
  const n = w.size;
  if (m.size !== n || v.size !== n || g.size !== n) throw new Error('AdamW in place: w, m, v and g differ in size');
  const heap = backend.wasm.HEAPF32; // read after the copies above, which may have grown the memory
  const at = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
  const ow = at(w);
  const om = at(m);
  const ov = at(v);
  const og = at(g);
  const { lr, beta1, beta2, eps, c1, c2 } = step;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const gi = heap[og + i];
    const mi = heap[om + i] * beta1 + gi * a1;
    const vi = heap[ov + i] * beta2 + gi * gi * a2;
    heap[om + i] = mi;
    heap[ov + i] = vi;
    const wi = heap[ow + i];
    heap[ow + i] = wi - ((mi / c1) / (Math.sqrt(vi / c2) + eps) + wi * decay) * lr;
  }
  for (const t of [w, m, v]) {
    const d = backend.dataIdMap.get(t.dataId);
    backend.wasm.tfjs.disposeData(d.id); // runs the id's disposal callbacks: XNNPACK's cached operators
    backend.wasm.tfjs.registerTensor(d.id, n, d.memoryOffset);
  }
}
