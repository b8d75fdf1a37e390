import * as tf from './tf';
import type { ModelConfig } from './config';
import { meanPoolOp } from './kernels/fused';
import { block, initBlock, initLayerNorm, initLinear, l2Normalize, layerNorm, linear } from './layers';
import type { Params } from './params';
import type { Rng } from './rng';

/**
 * The image tower: a small Vision Transformer.
 * Patchify by reshape + transpose, a linear patch embedding, learned positions, pre-LN blocks, a final LayerNorm,
 * mean pooling over patches, a projection head without bias and L2 normalisation.
 * Parameter names follow timm's vit (`patch_embed.proj`, `pos_embed`, `blocks.i.*`, `norm`, `head`) under `visual.`.
 */

export const VISUAL = 'visual';

export function numPatches(m: ModelConfig): number {
  return (m.imageSize / m.patchSize) ** 2;
}

export function initVit(p: Params, m: ModelConfig, rng: Rng): void {
  const patchDim = m.patchSize * m.patchSize * 3;
  initLinear(p, `${VISUAL}.patch_embed.proj`, patchDim, m.width, rng);
  p.add(`${VISUAL}.pos_embed`, [numPatches(m), m.width], { kind: 'normal', std: 0.02 }, rng);
  for (let i = 0; i < m.depth; i++) initBlock(p, `${VISUAL}.blocks.${i}`, m.width, m.mlpRatio, rng);
  initLayerNorm(p, `${VISUAL}.norm`, m.width, rng);
  initLinear(p, `${VISUAL}.head`, m.width, m.projDim, rng, false);
}

/** images (B, S, S, 3) in [0, 1] -> patches (B, N, P*P*3), row-major over the patch grid. */
export function patchify(images: tf.Tensor4D, patch: number): tf.Tensor3D {
  const [B, H, W, C] = images.shape;
  const gh = H / patch;
  const gw = W / patch;
  const x = tf.reshape(images, [B, gh, patch, gw, patch, C]);
  const t = tf.transpose(x, [0, 1, 3, 2, 4, 5]); // (B, gh, gw, P, P, C)
  return tf.reshape(t, [B, gh * gw, patch * patch * C]) as tf.Tensor3D;
}

export interface VitOutput {
  pooled: tf.Tensor2D; // (B, width): features for probes
  embedding: tf.Tensor2D; // (B, projDim), unit rows
}

export function vitForward(p: Params, m: ModelConfig, images: tf.Tensor4D): VitOutput {
  const B = images.shape[0];
  const N = numPatches(m);
  const D = m.width;
  const x0 = tf.div(tf.sub(images, 0.5), 0.25); // roughly zero-mean, unit-variance pixels
  const patches = tf.reshape(patchify(x0 as tf.Tensor4D, m.patchSize), [B * N, -1]) as tf.Tensor2D; // (B*N, P*P*3)
  let x = tf.reshape(linear(p, `${VISUAL}.patch_embed.proj`, patches), [B, N, D]) as tf.Tensor3D; // (B, N, D)
  x = tf.add(x, p.get(`${VISUAL}.pos_embed`)) as tf.Tensor3D;
  for (let i = 0; i < m.depth; i++) x = block(p, `${VISUAL}.blocks.${i}`, x, m.heads);
  const pooled = meanPoolOp(layerNorm(p, `${VISUAL}.norm`, x)); // (B, D)
  const embedding = l2Normalize(linear(p, `${VISUAL}.head`, pooled, false)); // (B, projDim)
  return { pooled, embedding };
}
