import { softCrossEntropyOp } from './kernels/fused';
import * as tf from './tf';

/**
 * The contrastive objectives as pure functions of L2-normalised embeddings (rows are anchors).
 * Definitions and test vectors: shared/spec/losses.md.
 */

/** Added to the diagonal of learned logits to exclude each anchor from its own softmax (finite: 0·∞ is NaN). */
export const SELF_MASK = -1e4;
/** Diagonal of the target logits: far below any G/τ_s, so exp() is exactly 0 even for τ_s near 0. */
const TARGET_SELF_MASK = -1e9;

/** CLIP's initial θ, with t = exp(θ) = 1/0.07. */
export const CLIP_INIT_LOG_SCALE = Math.log(1 / 0.07);
/** open_clip clamps θ to [0, ln 100] after every step. */
export const CLIP_MAX_LOG_SCALE = Math.log(100);

export function clampLogScale(theta: number): number {
  return Math.min(Math.max(theta, 0), CLIP_MAX_LOG_SCALE);
}

/** Mean over rows of the cross-entropy between target distributions (rows) and softmax(logits). */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return softCrossEntropyOp(logits, targets); // one fused kernel each way on WebGPU (kernels/fused.ts)
}

function eye(n: number): tf.Tensor2D {
  return tf.eye(n) as tf.Tensor2D;
}

/** t · X Yᵀ with t = exp(θ). x, y: (N, d); logScale: θ. */
export function clipLogits(x: tf.Tensor2D, y: tf.Tensor2D, logScale: tf.Scalar): tf.Tensor2D {
  return tf.mul(tf.matMul(x, y, false, true), tf.exp(logScale));
}

/** Symmetric InfoNCE: ½ [CE_rows(logits, I) + CE_rows(logitsᵀ, I)]. */
export function clipLoss(x: tf.Tensor2D, y: tf.Tensor2D, logScale: tf.Scalar): tf.Scalar {
  const logits = clipLogits(x, y, logScale);
  const I = eye(x.shape[0]);
  return tf.mul(tf.add(softCrossEntropyOp(logits, I), softCrossEntropyOp(logits, I, true)), 0.5);
}

/** Masks the diagonal with `value` (rows exclude themselves). */
function maskSelf(m: tf.Tensor2D, value: number): tf.Tensor2D {
  return tf.add(m, tf.mul(eye(m.shape[0]), value));
}

/** X-Sample targets s_ab = softmax_{b≠a}(G_ab / τ_s); the diagonal is exactly 0. G: (M, M) */
export function xSampleTargets(graph: tf.Tensor2D, tauS: number): tf.Tensor2D {
  const n = graph.shape[0];
  const scaled = tf.div(graph, tauS);
  return tf.softmax(tf.where(tf.cast(eye(n), 'bool'), tf.fill([n, n], TARGET_SELF_MASK), scaled), -1) as tf.Tensor2D;
}

/** Learned logits ℓ_ab = sim(z_a, z_b)/τ with the self-pairs masked. z: (M, d) */
export function xSampleLogits(z: tf.Tensor2D, tau: number): tf.Tensor2D {
  return maskSelf(tf.div(tf.matMul(z, z, false, true), tau) as tf.Tensor2D, SELF_MASK);
}

/**
 * X-Sample (X-CLR): L = (1/M) Σ_a Σ_{b≠a} −s_ab log p_ab. z: (M, d) embeddings of all views;
 * graph: (M, M) caption similarities of those views (no gradient flows into it).
 */
export function xSampleLoss(z: tf.Tensor2D, graph: tf.Tensor2D, tau: number, tauS: number): tf.Scalar {
  // The graph is data, never a function of trainable variables, so no gradient reaches the targets.
  return softCrossEntropy(xSampleLogits(z, tau), xSampleTargets(graph, tauS));
}

/** The (2B, 2B) graph of two views [view A; view B] from the (B, B) graph of the images: [[G, G], [G, G]]. */
export function twoViewGraph(graph: tf.Tensor2D): tf.Tensor2D {
  return tf.tile(graph, [2, 2]) as tf.Tensor2D;
}

/** SimCLR's NT-Xent: z = [view A; view B] (2B, d); the positive of row a is its other view. */
export function simClrLoss(z: tf.Tensor2D, tau: number): tf.Scalar {
  const m = z.shape[0];
  const b = m / 2;
  const positives = tf.concat([tf.range(b, m, 1, 'int32'), tf.range(0, b, 1, 'int32')]);
  const targets = tf.cast(tf.oneHot(positives, m), 'float32') as tf.Tensor2D;
  return softCrossEntropy(xSampleLogits(z, tau), targets);
}

/**
 * Image–text X-Sample (this product's extension, not the paper's): CLIP's logits t · X Yᵀ with soft targets from the
 * caption graph in both directions, S = softmax_rows(G / τ_s) (the own pair has G = 1, the largest weight).
 * L = ½ [CE_rows(logits, S) + CE_rows(logitsᵀ, S)] (G is symmetric, so the text side uses the same S).
 */
export function xClipLoss(x: tf.Tensor2D, y: tf.Tensor2D, logScale: tf.Scalar, graph: tf.Tensor2D, tauS: number): tf.Scalar {
  const logits = clipLogits(x, y, logScale);
  const targets = tf.softmax(tf.div(graph, tauS), -1) as tf.Tensor2D;
  return tf.mul(tf.add(softCrossEntropyOp(logits, targets), softCrossEntropyOp(logits, targets, true)), 0.5);
}

/** SigLIP's initial logit scale t and bias b. */
export const SIGLIP_INIT_SCALE = 10;
export const SIGLIP_INIT_BIAS = -10;

/** SigLIP: −(1/N) Σ_ij log σ(label_ij · (t x_iᵀ y_j + b)), label +1 on the diagonal and −1 elsewhere. */
export function sigLipLoss(x: tf.Tensor2D, y: tf.Tensor2D, logScale: tf.Scalar, bias: tf.Scalar): tf.Scalar {
  const n = x.shape[0];
  const logits = tf.add(clipLogits(x, y, logScale), bias);
  const labels = tf.sub(tf.mul(eye(n), 2), 1);
  // log σ(u) = −softplus(−u); tf.logSigmoid's custom gradient reads a disposed tensor on the WASM backend.
  return tf.div(tf.sum(tf.softplus(tf.neg(tf.mul(labels, logits)))), n);
}
