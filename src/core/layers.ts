import { attentionSoftmaxOp, biasGeluOp, geluOp, l2NormalizeOp, layerNormOp, linearOp, residualAddOp } from './kernels/fused';
import * as tf from './tf';
import type { Params } from './params';
import type { Rng } from './rng';

/**
 * Transformer building blocks shared by the image and text towers. Weight matrices are stored [in, out].
 * Every op used here has a gradient on the WASM backend (no gather, einsum or conv backprop). On WebGPU and WASM,
 * LayerNorm, bias + GELU, the attention softmax, linear layers and residual adds run as fused kernels
 * (kernels/fused.ts, kernels/wasmFused.ts); on CPU as the composite ops.
 */

export const LN_EPS = 1e-6; // as timm's ViT

export function initLinear(p: Params, name: string, inDim: number, outDim: number, rng: Rng, bias = true): void {
  p.add(`${name}.weight`, [inDim, outDim], { kind: 'normal', std: 0.02 }, rng, true);
  if (bias) p.add(`${name}.bias`, [outDim], { kind: 'zeros' }, rng);
}

/** x: (R, in) -> (R, out) */
export function linear(p: Params, name: string, x: tf.Tensor2D, bias = true): tf.Tensor2D {
  return linearOp(x, p.get(`${name}.weight`) as tf.Tensor2D, bias ? p.get(`${name}.bias`) : undefined) as tf.Tensor2D;
}

export function initLayerNorm(p: Params, name: string, dim: number, rng: Rng): void {
  p.add(`${name}.weight`, [dim], { kind: 'ones' }, rng);
  p.add(`${name}.bias`, [dim], { kind: 'zeros' }, rng);
}

/** Normalises over the last axis. */
export function layerNorm<T extends tf.Tensor>(p: Params, name: string, x: T): T {
  return layerNormOp(x, p.get(`${name}.weight`), p.get(`${name}.bias`), LN_EPS);
}

/** Exact GELU: x * Φ(x) = 0.5 x (1 + erf(x / √2)). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluOp(x);
}

export function initBlock(p: Params, name: string, dim: number, mlpRatio: number, rng: Rng): void {
  initLayerNorm(p, `${name}.norm1`, dim, rng);
  initLinear(p, `${name}.attn.q`, dim, dim, rng);
  initLinear(p, `${name}.attn.k`, dim, dim, rng);
  initLinear(p, `${name}.attn.v`, dim, dim, rng);
  initLinear(p, `${name}.attn.proj`, dim, dim, rng);
  initLayerNorm(p, `${name}.norm2`, dim, rng);
  initLinear(p, `${name}.mlp.fc1`, dim, dim * mlpRatio, rng);
  initLinear(p, `${name}.mlp.fc2`, dim * mlpRatio, dim, rng);
}

/**
 * Multi-head self-attention. x: (B, N, D). keyMask (optional): (B, 1, 1, N) additive, 0 for keys to attend to
 * and a large negative number for padding.
 */
export function attention(p: Params, name: string, x: tf.Tensor3D, heads: number, keyMask?: tf.Tensor): tf.Tensor3D {
  const [B, N, D] = x.shape;
  const dh = D / heads;
  const x2 = tf.reshape(x, [B * N, D]) as tf.Tensor2D;
  const w = (t: string) => p.get(`${name}.${t}.weight`) as tf.Tensor2D;
  const b = (t: string) => p.get(`${name}.${t}.bias`);
  const split = (t: string) => linearOp(x2, w(t), b(t), { outHeads: heads, seq: N }) as tf.Tensor3D; // (B*H, N, dh)
  const q = split('q');
  const k = split('k');
  const v = split('v');
  const att = attentionSoftmaxOp(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh), heads, keyMask); // (B*H, N, N)
  const out = tf.matMul(att, v); // (B*H, N, dh)
  const projected = linearOp(out, w('proj'), b('proj'), { inHeads: heads, seq: N }); // heads merged back: (B*N, D)
  return tf.reshape(projected, [B, N, D]) as tf.Tensor3D;
}

/** Pre-LayerNorm transformer block: x + attn(LN(x)), then x + mlp(LN(x)). x: (B, N, D) */
export function block(p: Params, name: string, x: tf.Tensor3D, heads: number, keyMask?: tf.Tensor): tf.Tensor3D {
  const [B, N, D] = x.shape;
  const h = residualAddOp(x, attention(p, `${name}.attn`, layerNorm(p, `${name}.norm1`, x), heads, keyMask));
  const hn = tf.reshape(layerNorm(p, `${name}.norm2`, h), [B * N, D]) as tf.Tensor2D;
  const hidden = biasGeluOp(tf.matMul(hn, p.get(`${name}.mlp.fc1.weight`) as tf.Tensor2D), p.get(`${name}.mlp.fc1.bias`));
  const mlp = linear(p, `${name}.mlp.fc2`, hidden); // (B*N, D)
  return residualAddOp(h, tf.reshape(mlp, [B, N, D]) as tf.Tensor3D);
}

/** Rows scaled to unit L2 norm. x: (R, d) */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return l2NormalizeOp(x, 1e-12);
}
