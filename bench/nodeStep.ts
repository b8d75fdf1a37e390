// The app's training step in plain Node, without a browser: the same ContrastiveModel, Trainer, generated shapes set
// and TF-IDF caption graph as the worker's benchmark() (src/worker/session.ts), on tfjs-backend-webgpu through Dawn's
// node bindings (npm `webgpu`) and on tfjs-backend-wasm (1 thread, SIMD). Bundled into one ESM file by
// scripts/bench-gpu.mjs (`npm run bench:gpu`) and by scripts/pack-device-bench.sh for a machine with a real GPU.
// Prints numbers; never passes or fails on time.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_SETTINGS, type ObjectiveName, type TrainConfig, withDefaults } from '../src/core/config';
import { validateConfig } from '../src/core/settingsTable';
import { setSize } from '../src/core/dataset';
import { installWasmMatMul } from '../src/core/kernels/wasmMatMul';
import { fusion } from '../src/core/kernels/webgpu';
import { ContrastiveModel } from '../src/core/model';
import * as tf from '../src/core/tf';
import { timedSteps, Trainer } from '../src/core/trainer';
import { makeShapesSet } from '../src/data/shapesSet';
import { tfidfGraph } from '../src/text/tfidfGraph';
import { type NodeBenchArgs, type NodeBenchBackend, parseNodeBenchArgs } from './args';
import { type KernelTotal, kernelMs, settleKernelTimes, topKernels } from './kernels';

interface RunResult {
  backend: NodeBenchBackend;
  objective: ObjectiveName;
  started: boolean;
  adapter: string;
  note?: string;
  medianMs: number | null;
  imagesPerSec: number | null;
  stepMs: number[];
  kernelsPerStep: number | null;
  /** Sum of the kernel times of the profiled step (null where kernels cannot be timed). */
  kernelMsPerStep: number | null;
  profiledStepMs: number | null;
  firstLoss: number | null;
  lastLoss: number | null;
  tensorsBefore: number;
  tensorsAfter: number;
  topKernels: KernelTotal[];
}

interface BackendStart {
  ok: boolean;
  adapter: string;
  note?: string;
  /** Whether profiled kernels carry real times. */
  timesKernels: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The .wasm files: --wasm-dir, else a wasm/ folder beside the bundle (the packed device bench), else node_modules. */
function wasmDir(args: NodeBenchArgs): string {
  if (args.wasmDir) return args.wasmDir;
  if (existsSync(join(here, 'wasm', 'tfjs-backend-wasm-simd.wasm'))) return join(here, 'wasm');
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

let gpu: GPU | undefined;

async function startWebGpu(args: NodeBenchArgs): Promise<BackendStart> {
  if (!gpu) {
    // Dawn's globals (GPUBufferUsage, …) and navigator.gpu must exist before the WebGPU backend is first imported:
    // it registers itself only where navigator.gpu is there.
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    gpu = create(args.dawn) as GPU;
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `node ${process.version}` }, configurable: true, writable: true });
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { ok: false, adapter: '', note: 'Dawn found no WebGPU adapter (see the Vulkan loader and ICD notes in README.md)', timesKernels: false };
  const info = ((adapter as unknown as { info?: AdapterInfoLike }).info ?? {}) as AdapterInfoLike;
  const fallback = info.isFallbackAdapter === true;
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unnamed adapter';
  const timestamps = adapter.features.has('timestamp-query');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (args.submitBatch !== undefined) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', args.submitBatch);
  const ok = await activate('webgpu');
  const backend = ok ? (tf.backend() as unknown as { supportTimestampQuery?: boolean }) : undefined;
  return {
    ok,
    adapter: `${name}${fallback ? ' (fallback adapter)' : ''}`,
    note: ok ? (timestamps ? undefined : 'no timestamp-query: kernel times n/a') : 'tf.setBackend("webgpu") failed',
    timesKernels: backend?.supportTimestampQuery === true,
  };
}

async function startWasm(args: NodeBenchArgs): Promise<BackendStart> {
  // The emscripten glue reads __dirname in Node, which an ES module lacks (the bundler shims only require()).
  (globalThis as { __dirname?: string }).__dirname ??= here;
  // As in the app (src/worker/backends.ts): the single-threaded SIMD build.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const dir = wasmDir(args);
  setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
  // As in the app, batched and transposed matrix products through the SIMD kernel, unless --wasm-matmul tfjs.
  const kernel = args.wasmMatMul === 'simd' && installWasmMatMul() ? 'SIMD matmul kernel' : "tfjs's matmul";
  const ok = await activate('wasm');
  const simd = ok && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { ok, adapter: `WebAssembly ${simd ? 'SIMD' : '(no SIMD)'}, 1 thread, ${kernel}`, note: ok ? undefined : `the WASM backend did not start (wasm files from ${dir})`, timesKernels: true };
}

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
    return false;
  }
}

function benchConfig(args: NodeBenchArgs, objective: ObjectiveName): TrainConfig {
  return withDefaults({
    objective,
    batchSize: args.batch,
    steps: args.steps + 3, // 2 warm-ups, the timed steps and the profiled one
    model: { ...DEFAULT_SETTINGS.model, imageSize: args.image, patchSize: args.patch, width: args.width, depth: args.depth, heads: args.heads, textWidth: args.textWidth },
  });
}

async function runOne(args: NodeBenchArgs, backend: NodeBenchBackend, objective: ObjectiveName, start: BackendStart): Promise<RunResult> {
  const cfg = benchConfig(args, objective);
  const result: RunResult = {
    backend,
    objective,
    started: start.ok,
    adapter: start.adapter,
    note: start.note,
    medianMs: null,
    imagesPerSec: null,
    stepMs: [],
    kernelsPerStep: null,
    kernelMsPerStep: null,
    profiledStepMs: null,
    firstLoss: null,
    lastLoss: null,
    tensorsBefore: tf.memory().numTensors,
    tensorsAfter: 0,
    topKernels: [],
  };
  if (!start.ok) return result;
  const errors = validateConfig(cfg);
  if (errors.length > 0) return { ...result, started: false, note: errors.join('; ') };
  const set = makeShapesSet(Math.max(2 * cfg.batchSize, 64), cfg.model.imageSize, 1);
  const pool = Int32Array.from({ length: setSize(set) }, (_, i) => i);
  const graph = tfidfGraph(set.captions);
  const model = new ContrastiveModel(cfg, set.captions, graph);
  const trainer = new Trainer(model, set, cfg, pool);
  try {
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) losses.push((await trainer.trainStep()).loss);
    for (const r of await timedSteps(trainer, args.steps, backend === 'webgpu')) {
      result.stepMs.push(r.ms);
      losses.push(r.loss);
    }
    const t0 = performance.now();
    const profile = await tf.profile(async () => {
      await trainer.trainStep();
    });
    result.profiledStepMs = performance.now() - t0;
    const sorted = [...result.stepMs].sort((a, b) => a - b);
    result.medianMs = sorted[Math.floor(sorted.length / 2)];
    result.imagesPerSec = (cfg.batchSize * 1000) / result.medianMs;
    const kernels = await settleKernelTimes(profile.kernels);
    result.kernelsPerStep = kernels.length;
    const times = kernels.map(kernelMs);
    result.kernelMsPerStep = start.timesKernels && times.every((t) => t !== null) ? times.reduce((a: number, t) => a + (t ?? 0), 0) : null;
    result.topKernels = topKernels(kernels, start.timesKernels, args.top);
    result.firstLoss = losses[0];
    result.lastLoss = losses[losses.length - 1];
  } catch (err) {
    result.note = `failed at step ${trainer.step + 1}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    trainer.dispose();
    model.dispose();
  }
  result.tensorsAfter = tf.memory().numTensors;
  return result;
}

const fmt = (v: number | null, digits = 1) => (v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));

function printTable(results: RunResult[]): void {
  const head = ['backend', 'objective', 'ms/step (median)', 'images/s', 'kernels/step', 'kernel ms/step', 'tensors', 'loss', 'adapter'];
  const rows = results.map((r) =>
    r.medianMs !== null
      ? [r.backend, r.objective, fmt(r.medianMs), fmt(r.imagesPerSec), String(r.kernelsPerStep), fmt(r.kernelMsPerStep), `${r.tensorsBefore} -> ${r.tensorsAfter}`, `${fmt(r.firstLoss, 3)} -> ${fmt(r.lastLoss, 3)}`, r.adapter + (r.note ? ` (${r.note})` : '')]
      : [r.backend, r.objective, '-', '-', '-', '-', '-', '-', `${r.started ? 'failed' : 'not started'}: ${r.note ?? ''}${r.adapter ? ` [${r.adapter}]` : ''}`],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

function printKernels(r: RunResult): void {
  if (r.topKernels.length === 0) return;
  console.log(`top kernels of one ${r.objective} step on ${r.backend} (by total time; profiled step took ${fmt(r.profiledStepMs)} ms):`);
  for (const k of r.topKernels) console.log(`  ${k.name.padEnd(28)} ${String(k.calls).padStart(5)} calls  ${fmt(k.ms, 2).padStart(9)} ms`);
}

async function main(): Promise<void> {
  let args: NodeBenchArgs;
  try {
    args = parseNodeBenchArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  console.log(
    `config: batch ${args.batch}, image ${args.image}, patch ${args.patch}, width ${args.width}, depth ${args.depth}, heads ${args.heads}, text width ${args.textWidth}; ` +
      `${args.steps} timed steps after 2 warm-up steps; fused kernels ${args.fusion}; submit batch ${args.submitBatch ?? 'tfjs default (15)'}; node ${process.version}`,
  );
  fusion.enabled = args.fusion === 'on';
  const results: RunResult[] = [];
  for (const backend of args.backends) {
    const t0 = performance.now();
    const start = backend === 'webgpu' ? await startWebGpu(args) : await startWasm(args);
    console.log(`${backend}: ${start.ok ? `started in ${fmt(performance.now() - t0, 0)} ms on ${start.adapter}` : `not started: ${start.note}`}`);
    for (const objective of args.objectives) {
      const r = await runOne(args, backend, objective, start);
      results.push(r);
      console.log(`  ${objective}: ${r.medianMs !== null ? `${fmt(r.medianMs)} ms/step` : (r.note ?? 'not run')}`);
    }
  }
  printTable(results);
  for (const r of results) printKernels(r);
  if (args.json) {
    const { json: _json, ...request } = args;
    writeFileSync(args.json, JSON.stringify({ request, node: process.version, date: new Date().toISOString(), results }, null, 2));
    console.log(`wrote ${args.json}`);
  }
}

await main();
// Dawn keeps Node alive while navigator.gpu is referenced (see the `webgpu` package's README).
process.exit(0);
