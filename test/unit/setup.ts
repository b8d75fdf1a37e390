import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll } from 'vitest';
import { installWasmMatMul } from '../../src/core/kernels/wasmMatMul';

// The app's WASM backend runs with the SIMD BatchMatMul in front of tfjs's own (src/core/kernels/wasmMatMul.ts).
installWasmMatMul();

// TEST_BACKEND=cpu runs the same tests on the pure-JS backend.
beforeAll(async () => {
  const want = process.env.TEST_BACKEND ?? 'wasm';
  if (!(await tf.setBackend(want))) throw new Error(`tfjs backend ${want} did not start in Node`);
});
