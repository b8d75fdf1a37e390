import * as tf from './tf';
import type { ModelConfig } from './config';
import { meanPoolOp } from './kernels/fused';
import { block, initBlock, initLayerNorm, initLinear, l2Normalize, layerNorm, linear } from './layers';
import type { Params } from './params';
import type { Rng } from './rng';
import { PAD } from './tokenizer';

/**
 * The text tower of CLIP: token embeddings, learned positions, pre-LN blocks with a padding mask,
 * a final LayerNorm, mean pooling over real tokens, a projection without bias and L2 normalisation.
 * Token lookup is a one-hot matMul, which every backend can differentiate (WASM has no gather gradient).
 */

export const TEXT = 'text';

export function initTextTower(p: Params, m: ModelConfig, vocabSize: number, rng: Rng): void {
  p.add(`${TEXT}.token_embedding`, [vocabSize, m.textWidth], { kind: 'normal', std: 0.02 }, rng);
  p.add(`${TEXT}.pos_embed`, [m.maxTokens, m.textWidth], { kind: 'normal', std: 0.01 }, rng);
  for (let i = 0; i < m.textDepth; i++) initBlock(p, `${TEXT}.blocks.${i}`, m.textWidth, m.mlpRatio, rng);
  initLayerNorm(p, `${TEXT}.norm`, m.textWidth, rng);
  initLinear(p, `${TEXT}.head`, m.textWidth, m.projDim, rng, false);
}

/** ids: (B*T) from Tokenizer.encode -> (B, projDim) unit rows. */
export function textForward(p: Params, m: ModelConfig, ids: Int32Array, batch: number): tf.Tensor2D {
  const T = m.maxTokens;
  const D = m.textWidth;
  const table = p.get(`${TEXT}.token_embedding`) as tf.Tensor2D;
  const vocab = table.shape[0];
  const oneHot = tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), vocab), 'float32') as tf.Tensor2D; // (B*T, V)
  let x = tf.reshape(tf.matMul(oneHot, table), [batch, T, D]) as tf.Tensor3D; // (B, T, D)
  x = tf.add(x, p.get(`${TEXT}.pos_embed`)) as tf.Tensor3D;
  // Masks are built on the CPU from the ids: WebGPU's transpose of a tensor cast from bool fails to compile.
  const validData = Float32Array.from(ids, (id) => (id === PAD ? 0 : 1));
  const valid = tf.tensor2d(validData, [batch, T]); // (B, T)
  const keyMask = tf.tensor4d(validData.map((v) => (v ? 0 : -1e4)), [batch, 1, 1, T]); // (B, 1, 1, T)
  for (let i = 0; i < m.textDepth; i++) x = block(p, `${TEXT}.blocks.${i}`, x, m.heads, keyMask);
  const h = layerNorm(p, `${TEXT}.norm`, x);
  const pooled = meanPoolOp(h, valid); // (B, D): the mean over real tokens
  return l2Normalize(linear(p, `${TEXT}.head`, pooled, false));
}
