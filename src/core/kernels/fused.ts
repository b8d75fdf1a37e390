import * as tf from '../tf';
import { fusedBackend } from './webgpu';

export { fusion } from './webgpu';

/**
 * Fused kernels of the training step on WebGPU: LayerNorm, bias + exact GELU, the attention softmax (scale, additive
 * key mask, softmax), the soft-target cross-entropy, linear layers (the backend's matMul with its bias, attention
 * heads moved in or out by one program), L2 normalisation, mean pooling and residual adds.
 * They are registered as tfjs kernels of the 'webgpu' backend with their gradients (tf.registerGradient, which saves
 * fewer tensors than tf.customGrad), so tf.variableGrads differentiates through them like through any tfjs op. Each
 * backward is one runKernel: where an op has several gradients, one kernel returns all of them, running its WGSL
 * programs (and the backend's own matMul) directly, without the engine's bookkeeping in between.
 * The same kernel names are registered for the 'wasm' backend as JS loops over its heap (kernels/wasmFused.ts); the
 * gradients below call the backward kernels by name, so they serve both. On every other backend (CPU), and with
 * fusion.enabled = false, the same functions run the composite tfjs ops the layers and objectives ran before (checked
 * against that old math in test/unit/fusedOps.test.ts; the fused kernels against the composite ops in
 * test/unit/wasmFused.test.ts on WASM and test/browser/fusedKernels.test.ts on WebGPU).
 */

import { LN, BIAS_GELU, ATTN_SOFTMAX, ATTN_SOFTMAX_GRAD, SOFT_CE, SOFT_CE_GRAD, LINEAR, L2_NORMALIZE, L2_NORMALIZE_GRAD, MEAN_POOL, MEAN_POOL_MASKED, MEAN_POOL_GRAD, RESIDUAL_ADD, LN_GRAD, BIAS_GELU_GRADS, LINEAR_GRAD } from './names';
import { registerWasmFusedKernels } from './wasmFused';
import { type Attrs } from './webgpuHelpers';
import { registerWebGpuKernels } from './webgpuKernels';
import { registerLinearKernels, registerMoreKernels } from './webgpuLinearKernels';

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function runMany(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

/** Runs a registered WebGPU kernel's function directly (inside another kernel: no tape, no engine bookkeeping). */

// ---- gradients -------------------------------------------------------------------------------------------------

function registerGradients(): void {
  tf.registerGradient({
    kernelName: L2_NORMALIZE,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => run(L2_NORMALIZE_GRAD, { dy: dy as tf.Tensor, x: saved[0] }, { eps: (attrs as unknown as Attrs).eps as number }) }),
  });
  tf.registerGradient({
    kernelName: MEAN_POOL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => run(MEAN_POOL_GRAD, { dy: dy as tf.Tensor }, { seq: saved[0].shape[1] as number }) }),
  });
  tf.registerGradient({
    kernelName: MEAN_POOL_MASKED,
    inputsToSave: ['x', 'weights'],
    gradFunc: (dy, saved) => {
      const [x, weights] = saved;
      return {
        x: () => run(MEAN_POOL_GRAD, { dy: dy as tf.Tensor, weights }, { seq: x.shape[1] as number }),
        weights: () => tf.zerosLike(weights), // masks are data (never called on the tape)
      };
    },
  });
  tf.registerGradient({
    kernelName: RESIDUAL_ADD,
    gradFunc: (dy) => ({ a: () => dy as tf.Tensor, b: () => tf.clone(dy as tf.Tensor) }), // two tensors: accumulating one disposes it
  });
  tf.registerGradient({
    kernelName: LINEAR,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved, attrs) => {
      const [x, weight] = saved;
      const a = attrs as unknown as Attrs;
      const hasBias = a.hasBias as boolean;
      const [dx, dw, db] = runMany(LINEAR_GRAD, { dy: dy as tf.Tensor, x, weight }, { inHeads: a.inHeads, outHeads: a.outHeads, seq: a.seq, hasBias });
      const grads: Record<string, () => tf.Tensor> = { x: () => dx, weight: () => dw };
      if (hasBias) grads.bias = () => db;
      return grads;
    },
  });
  tf.registerGradient({
    kernelName: LN,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved;
      const [dx, dgamma, dbeta] = runMany(LN_GRAD, { dy: dy as tf.Tensor, x, gamma }, { eps: (attrs as unknown as Attrs).eps as number });
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
  tf.registerGradient({
    kernelName: BIAS_GELU,
    inputsToSave: ['x', 'bias'],
    gradFunc: (dy, saved) => {
      const [x, bias] = saved;
      const [dpre, dbias] = runMany(BIAS_GELU_GRADS, { dy: dy as tf.Tensor, x, bias });
      return { x: () => dpre, bias: () => dbias };
    },
  });
  tf.registerGradient({
    kernelName: ATTN_SOFTMAX,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [probs] = saved;
      return {
        scores: () => run(ATTN_SOFTMAX_GRAD, { dy: dy as tf.Tensor, probs }, { scale: (attrs as unknown as Attrs).scale as number }),
        keyMask: () => {
          throw new Error('the attention key mask is data: no gradient flows into it');
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: SOFT_CE,
    inputsToSave: ['logits', 'targets'],
    gradFunc: (dy, saved, attrs) => {
      const [logits, targets] = saved;
      return {
        logits: () => run(SOFT_CE_GRAD, { dy: dy as tf.Tensor, logits, targets }, { transposed: !!(attrs as unknown as Attrs).transposed }),
        targets: () => tf.zerosLike(targets), // targets are data in every objective (never called on the tape)
      };
    },
  });
}

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  registerWebGpuKernels();
  registerLinearKernels();
  registerMoreKernels();
  registerGradients();
  registerWasmFusedKernels();
}

/**
 * Whether the fused kernel `kernel` (by default the LayerNorm, registered on both) runs now: fusion is on, the active
 * backend is one with fused kernels (WebGPU or WASM) and that backend has this kernel registered.
 */
export function fusedActive(kernel: string = LN): boolean {
  const backend = fusedBackend();
  if (!backend) return false;
  ensureRegistered();
  return tf.getKernel(kernel, backend) != null;
}


// ---- ops: fused on WebGPU and WASM, composite elsewhere ---------------------------------------------------------------

/** LayerNorm over the last axis: (x − mean) / √(var + eps) · gamma + beta. */
export function layerNormOp<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, eps: number): T {
  if (fusedActive(LN)) return run(LN, { x, gamma, beta }, { eps }) as T;
  const { mean, variance } = tf.moments(x, -1, true);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(xhat, gamma), beta) as T;
}

/**
 * x · weight (+ bias). Options move attention heads in the same op: `inHeads` reads x as (B·H, N, dh) and
 * `outHeads` writes (B·H, N, dh) instead of (B·N, H·dh), with N = `seq`. Composite path: matMul + add, and the heads
 * moved by reshape–transpose–reshape.
 */
export function linearOp(x: tf.Tensor, weight: tf.Tensor2D, bias?: tf.Tensor, heads: { inHeads?: number; outHeads?: number; seq?: number } = {}): tf.Tensor {
  const { inHeads = 0, outHeads = 0, seq = 0 } = heads;
  if (fusedActive(LINEAR)) return run(LINEAR, bias ? { x, weight, bias } : { x, weight }, { inHeads, outHeads, seq, hasBias: !!bias });
  let x2 = x as tf.Tensor2D;
  if (inHeads) {
    const [BH, N, dh] = x.shape;
    x2 = tf.reshape(tf.transpose(tf.reshape(x, [BH / inHeads, inHeads, N, dh]), [0, 2, 1, 3]), [(BH / inHeads) * N, inHeads * dh]);
  }
  let y = tf.matMul(x2, weight) as tf.Tensor2D;
  if (bias) y = tf.add(y, bias);
  if (!outHeads) return y;
  const [R, D] = y.shape;
  const dh = D / outHeads;
  return tf.reshape(tf.transpose(tf.reshape(y, [R / seq, seq, outHeads, dh]), [0, 2, 1, 3]), [(R / seq) * outHeads, seq, dh]);
}

/** Rows scaled to unit L2 norm: x / √(Σ x² + eps). */
export function l2NormalizeOp(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  if (fusedActive(L2_NORMALIZE)) return run(L2_NORMALIZE, { x }, { eps }) as tf.Tensor2D;
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), eps))) as tf.Tensor2D;
}

/** x: (B, T, D) -> (B, D), the mean over T, weighted by `weights` (B, T) when given (a padding mask of 0 and 1). */
export function meanPoolOp(x: tf.Tensor3D, weights?: tf.Tensor2D): tf.Tensor2D {
  if (fusedActive(weights ? MEAN_POOL_MASKED : MEAN_POOL)) return (weights ? run(MEAN_POOL_MASKED, { x, weights }) : run(MEAN_POOL, { x })) as tf.Tensor2D;
  if (!weights) return tf.mean(x, 1) as tf.Tensor2D;
  const w = tf.expandDims(weights, -1); // (B, T, 1)
  return tf.div(tf.sum(tf.mul(x, w), 1), tf.sum(w, 1)) as tf.Tensor2D;
}

/** a + b of the same shape. */
export function residualAddOp<T extends tf.Tensor>(a: T, b: T): T {
  if (fusedActive(RESIDUAL_ADD)) return run(RESIDUAL_ADD, { a, b }) as T;
  return tf.add(a, b) as T;
}

/** Exact GELU: x · Φ(x) = 0.5 x (1 + erf(x / √2)). */
export function geluOp<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T;
}

/** gelu(x + bias), bias over the last axis. x: (R, C), bias: (C). */
export function biasGeluOp(x: tf.Tensor2D, bias: tf.Tensor): tf.Tensor2D {
  if (fusedActive(BIAS_GELU)) return run(BIAS_GELU, { x, bias }) as tf.Tensor2D;
  return geluOp(tf.add(x, bias) as tf.Tensor2D);
}

/**
 * Attention weights softmax(scores · scale + keyMask) over keys. scores: (B·H, N, M); keyMask (optional): (B, 1, 1, M),
 * additive.
 */
export function attentionSoftmaxOp(scores: tf.Tensor3D, scale: number, heads: number, keyMask?: tf.Tensor): tf.Tensor3D {
  if (fusedActive(ATTN_SOFTMAX)) {
    const inputs: Record<string, tf.Tensor> = keyMask ? { scores, keyMask } : { scores };
    return run(ATTN_SOFTMAX, inputs, { scale, heads }) as tf.Tensor3D;
  }
  const [BH, N, M] = scores.shape;
  let s = tf.mul(scores, scale);
  if (keyMask) s = tf.reshape(tf.add(tf.reshape(s, [BH / heads, heads, N, M]), keyMask), [BH, N, M]);
  return tf.softmax(s, -1) as tf.Tensor3D;
}

/**
 * Mean over rows of −Σ_c targets[r, c] · log softmax(logits[r, :])[c]; with `transposed`, the rows are the columns of
 * logits (targets are given in that transposed frame).
 */
export function softCrossEntropyOp(logits: tf.Tensor2D, targets: tf.Tensor2D, transposed = false): tf.Scalar {
  if (fusedActive(SOFT_CE)) return run(SOFT_CE, { logits, targets }, { transposed }) as tf.Scalar;
  const l = transposed ? tf.transpose(logits) : logits;
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(l, -1)), -1))) as tf.Scalar;
}
