import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice } from '../core/config';
import { installWasmMatMul } from '../core/kernels/wasmMatMul';
import * as tf from '../core/tf';
import type { BackendInfo, BackendName } from './protocol';
import { isolationNotice, wasmThreadsFor } from './wasmThreads';

// Batched and transposed matrix products through a SIMD kernel (tfjs's own is scalar there): src/core/kernels/wasmMatMul.ts.
installWasmMatMul();
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

interface WasmThreadPlan {
  threads: number;
  notice?: string; // why WASM has one thread where the machine has more cores
  failed?: boolean; // the threaded build failed to start here
}

/** The thread plan for WASM in this worker: threads only where the page is cross-origin isolated. */
function wasmThreadPlan(requested: number): WasmThreadPlan {
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  const want = wasmThreadsFor(cores, requested);
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (isolated || want === 1) return { threads: want };
  return { threads: 1, notice: isolationNotice(want) };
}

let wasmPlan: WasmThreadPlan = wasmThreadPlan(0);
let wasmPlanFixed = false;
const THREADED_START_MS = 60_000;

/**
 * Sets how many threads WASM will use (0: automatic), before the WASM backend first starts; once it has started the
 * count is fixed until the page reloads (tfjs sizes its thread pool once).
 */
export function setWasmThreads(requested: number): void {
  if (!wasmPlanFixed) wasmPlan = wasmThreadPlan(requested);
}

function fixWasmPlan(): void {
  if (wasmPlanFixed) return;
  wasmPlanFixed = true;
  // One thread: the single-threaded SIMD build, which starts no pthread workers at all.
  if (wasmPlan.threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(wasmPlan.threads);
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** The WebGPU adapter the browser offers, and whether it is a real GPU (not a software fallback such as SwiftShader). */
export async function probeWebGpu(): Promise<{ available: boolean; real: boolean; name: string }> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { available: false, real: false, name: 'no navigator.gpu' };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { available: false, real: false, name: 'no WebGPU adapter' };
  const info = ((adapter as unknown as { info?: AdapterInfoLike }).info ?? {}) as AdapterInfoLike;
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  const fallback =
    info.isFallbackAdapter === true ||
    (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    /swiftshader|llvmpipe|software/i.test(name);
  return { available: true, real: !fallback, name: fallback ? `${name} (software)` : name };
}

/** What the CPU-side backend really runs: for WASM, SIMD or not and the thread count XNNPACK reports. */
async function describeCpuBackend(name: BackendName): Promise<string> {
  if (name === 'cpu') return 'plain JavaScript';
  if (name !== 'wasm') return 'WebGL';
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  return `WebAssembly${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** The notice a WASM backend carries besides `notice`: why it has one thread where more cores exist. */
function withThreadNotice(name: BackendName, notice: string | undefined): string | undefined {
  if (name !== 'wasm' || !wasmPlan.notice) return notice;
  return notice ? `${notice}. ${wasmPlan.notice}` : wasmPlan.notice;
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'wasm' && wasmPlan.threads > 1 && !wasmPlan.failed) {
    // A threaded start that fails or never finishes (a pthread worker that cannot load its script waits forever)
    // falls back to one thread, with a notice.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), THREADED_START_MS)));
    const restoreCores = showCores(2 * wasmPlan.threads);
    const outcome = await Promise.race([tryActivate('wasm').then((ok) => (ok ? 'ok' : 'failed')), timeout]).finally(() => {
      restoreCores();
      clearTimeout(timer);
    });
    if (outcome === 'ok') return true;
    wasmPlan = {
      threads: 1,
      failed: true,
      notice: `WASM on 1 thread: the threaded build ${outcome === 'timeout' ? `did not start within ${THREADED_START_MS / 1000} s` : 'failed to start'}`,
    };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
  }
  return tryActivate(name);
}

/**
 * Makes `navigator.hardwareConcurrency` read `cores` in this worker until the returned function is called.
 * tfjs-backend-wasm 4.22 sizes its XNNPACK pool as min(setThreadsCount, 8, hardwareConcurrency / 2), the halving for
 * two hyperthreads per core, read once as the module starts: that gives one thread on a 2-core machine whatever we
 * ask. Shown twice our count while it starts, it takes exactly our count; the real value is back once the start settles
 * (or times out).
 */
function showCores(cores: number): () => void {
  const nav = globalThis.navigator as Navigator | undefined;
  if (!nav) return () => {};
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => cores });
  } catch {
    return () => {};
  }
  return () => {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency; // the prototype's getter again
  };
}

async function tryActivate(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Starts the requested backend. `auto` takes WebGPU only on a real (non-fallback) adapter, else WASM.
 * A backend that fails to start falls back to WASM (then CPU) with a notice saying why.
 */
export async function startBackend(requested: BackendChoice): Promise<BackendInfo> {
  fixWasmPlan();
  const probe = await probeWebGpu();
  let want: BackendName;
  let notice: string | undefined;
  if (requested === 'auto') {
    want = probe.real ? 'webgpu' : 'wasm';
    if (!probe.real) notice = probe.available ? `WebGPU adapter is ${probe.name}: using WASM, which is faster there` : `WebGPU unavailable (${probe.name}): using WASM`;
  } else want = requested;
  if (await activate(want))
    return { requested, active: want, adapter: want === 'webgpu' ? probe.name : await describeCpuBackend(want), notice: withThreadNotice(want, notice) };
  const failed = `${want} did not start${want === 'webgpu' ? ` (${probe.name})` : ''}`;
  for (const fallback of ['wasm', 'cpu'] as const) {
    if (fallback !== want && (await activate(fallback)))
      return { requested, active: fallback, adapter: await describeCpuBackend(fallback), notice: withThreadNotice(fallback, `${failed}: running on ${fallback}`) };
  }
  throw new Error(`${failed}, and neither wasm nor cpu could start`);
}
