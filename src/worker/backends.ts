import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice } from '../core/config';
import { installWasmMatMul } from '../core/kernels/wasmMatMul';
import * as tf from '../core/tf';
import type { BackendInfo, BackendName } from './protocol';

// The threaded WASM build's workers break inside a minified bundle (shared/spec/assets.md): single-threaded SIMD.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
// Batched and transposed matrix products through a SIMD kernel (tfjs's own is scalar there): src/core/kernels/wasmMatMul.ts.
installWasmMatMul();
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

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

function describeCpuBackend(name: BackendName): string {
  if (name === 'wasm') return 'WebAssembly SIMD, 1 thread';
  if (name === 'cpu') return 'plain JavaScript';
  return 'WebGL';
}

async function activate(name: BackendName): Promise<boolean> {
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
  const probe = await probeWebGpu();
  let want: BackendName;
  let notice: string | undefined;
  if (requested === 'auto') {
    want = probe.real ? 'webgpu' : 'wasm';
    if (!probe.real) notice = probe.available ? `WebGPU adapter is ${probe.name}: using WASM, which is faster there` : `WebGPU unavailable (${probe.name}): using WASM`;
  } else want = requested;
  if (await activate(want)) return { requested, active: want, adapter: want === 'webgpu' ? probe.name : describeCpuBackend(want), notice };
  const failed = `${want} did not start${want === 'webgpu' ? ` (${probe.name})` : ''}`;
  for (const fallback of ['wasm', 'cpu'] as const) {
    if (fallback !== want && (await activate(fallback)))
      return { requested, active: fallback, adapter: describeCpuBackend(fallback), notice: `${failed}: running on ${fallback}` };
  }
  throw new Error(`${failed}, and neither wasm nor cpu could start`);
}
