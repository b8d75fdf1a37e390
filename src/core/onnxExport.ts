import type { ModelConfig } from './config';
import { LN_EPS } from './layers';
import { OnnxGraphBuilder } from './onnxGraph';
import { DataType, encodeOnnxModel } from './onnxProto';
import type { ParamSnapshot } from './params';
import { numPatches, VISUAL } from './vit';

/**
 * The image tower as an ONNX model (opset 17), DOM-free: the same forward pass as vitForward (core/vit.ts) with the
 * projection head and L2 normalisation, so the ONNX output is the app's image embedding. Each node follows the tfjs
 * op it stands for: pixels (x − 0.5) / 0.25, patchify by reshape + transpose, linear patch embedding, learned
 * positions, pre-LN blocks (LayerNormalization, multi-head attention with softmax(q·kᵀ · 1/√dh), MLP with exact GELU
 * built from Erf as tfjs computes it: x · 0.5 · (1 + erf(x · √½))), final LayerNorm, mean over patches, head without
 * bias, x / √(Σx² + 1e-12).
 */

export const ONNX_OPSET = 17;
export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'embedding';
const L2_EPS = 1e-12; // as l2Normalize (core/layers.ts)

/** What the input is, for the file's doc string and the export's README. */
export function onnxInputNote(m: ModelConfig): string {
  return `${ONNX_INPUT}: float32 [batch, ${m.imageSize}, ${m.imageSize}, 3] (NHWC), RGB in [0, 1] (pixel / 255), centre-cropped and resized to ${m.imageSize}x${m.imageSize}; no other normalisation (the model does it)`;
}

/** The ops of one graph, with the snapshot's weights as initializers. */
class VitGraph {
  readonly g = new OnnxGraphBuilder();

  constructor(private readonly snapshot: Record<string, ParamSnapshot>) {}

  weight(name: string): string {
    const s = this.snapshot[name];
    if (!s) throw new Error(`the snapshot has no parameter ${name}`);
    return this.g.floatTensor(name, s.shape, s.data);
  }

  /** x · W + b over the last axis (W stored [in, out] as in the app). */
  linear(x: string, name: string, bias = true): string {
    const y = this.g.op('MatMul', [x, this.weight(`${name}.weight`)], `${name}.matmul`);
    return bias ? this.g.op('Add', [y, this.weight(`${name}.bias`)], `${name}.out`) : y;
  }

  layerNorm(x: string, name: string): string {
    return this.g.op('LayerNormalization', [x, this.weight(`${name}.weight`), this.weight(`${name}.bias`)], `${name}.out`, { axis: -1, epsilon: { float: LN_EPS } });
  }

  /** x · Φ(x) written as tfjs's geluOp computes it: (x · 0.5) · (erf(x · √½) + 1). */
  gelu(x: string, name: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.op('Mul', [x, g.scalar(`${name}.sqrt_half`, Math.SQRT1_2)], `${name}.scaled`)], `${name}.erf`);
    const half = g.op('Mul', [x, g.scalar(`${name}.half`, 0.5)], `${name}.half_x`);
    return g.op('Mul', [half, g.op('Add', [erf, g.scalar(`${name}.one`, 1)], `${name}.erf_plus_one`)], `${name}.out`);
  }

  /** Multi-head self-attention on x (B, N, D). */
  attention(x: string, name: string, m: ModelConfig): string {
    const g = this.g;
    const N = numPatches(m);
    const dh = m.width / m.heads;
    const heads = g.int64s(`${name}.heads_shape`, [-1, N, m.heads, dh]);
    const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [this.linear(x, `${name}.${t}`), heads], `${name}.${t}.heads`)], `${name}.${t}.t`, { perm });
    const q = split('q', [0, 2, 1, 3]); // (B, H, N, dh)
    const kT = split('k', [0, 2, 3, 1]); // (B, H, dh, N)
    const v = split('v', [0, 2, 1, 3]); // (B, H, N, dh)
    const scores = g.op('Mul', [g.op('MatMul', [q, kT], `${name}.qk`), g.scalar(`${name}.scale`, 1 / Math.sqrt(dh))], `${name}.scores`);
    const att = g.op('Softmax', [scores], `${name}.softmax`, { axis: -1 });
    const out = g.op('Transpose', [g.op('MatMul', [att, v], `${name}.av`)], `${name}.merge`, { perm: [0, 2, 1, 3] }); // (B, N, H, dh)
    const merged = g.op('Reshape', [out, g.int64s(`${name}.merged_shape`, [-1, N, m.width])], `${name}.merged`);
    return this.linear(merged, `${name}.proj`);
  }

  /** Pre-LN block: x + attn(LN(x)), then x + mlp(LN(x)). */
  block(x: string, name: string, m: ModelConfig): string {
    const g = this.g;
    const h = g.op('Add', [x, this.attention(this.layerNorm(x, `${name}.norm1`), `${name}.attn`, m)], `${name}.residual1`);
    const hidden = this.gelu(this.linear(this.layerNorm(h, `${name}.norm2`), `${name}.mlp.fc1`), `${name}.mlp.gelu`);
    return g.op('Add', [h, this.linear(hidden, `${name}.mlp.fc2`)], `${name}.residual2`);
  }

  /** image (B, S, S, 3) in [0, 1] -> unit embedding (B, projDim). */
  forward(image: string, m: ModelConfig): string {
    const g = this.g;
    const P = m.patchSize;
    const grid = m.imageSize / P;
    const N = numPatches(m);
    const centred = g.op('Sub', [image, g.scalar('pixel_mean', 0.5)], 'pixels_centred');
    const pixels = g.op('Div', [centred, g.scalar('pixel_std', 0.25)], 'pixels_scaled');
    const grid6 = g.op('Reshape', [pixels, g.int64s('patch_grid_shape', [-1, grid, P, grid, P, 3])], 'patch_grid');
    const moved = g.op('Transpose', [grid6], 'patch_grid_t', { perm: [0, 1, 3, 2, 4, 5] }); // (B, gh, gw, P, P, 3)
    const patches = g.op('Reshape', [moved, g.int64s('patches_shape', [-1, N, P * P * 3])], 'patches'); // (B, N, P*P*3)
    let x = this.linear(patches, `${VISUAL}.patch_embed.proj`);
    x = g.op('Add', [x, this.weight(`${VISUAL}.pos_embed`)], 'tokens');
    for (let i = 0; i < m.depth; i++) x = this.block(x, `${VISUAL}.blocks.${i}`, m);
    const pooled = g.op('ReduceMean', [this.layerNorm(x, `${VISUAL}.norm`)], 'pooled', { axes: [1], keepdims: 0 }); // (B, D)
    const projected = this.linear(pooled, `${VISUAL}.head`, false);
    const sumSquares = g.op('ReduceSumSquare', [projected], 'sum_squares', { axes: [-1], keepdims: 1 });
    const norm = g.op('Sqrt', [g.op('Add', [sumSquares, g.scalar('l2_eps', L2_EPS)], 'sum_squares_eps')], 'norm');
    return g.op('Div', [projected, norm], ONNX_OUTPUT);
  }
}

export interface ImageEncoderInfo {
  step: number;
  objective: string;
  producerVersion: string;
}

/** The image encoder of a model (its parameter snapshot and config) as .onnx bytes. */
export function imageEncoderOnnx(snapshot: Record<string, ParamSnapshot>, m: ModelConfig, info: ImageEncoderInfo): Uint8Array {
  const vit = new VitGraph(snapshot);
  const output = vit.forward(ONNX_INPUT, m);
  if (output !== ONNX_OUTPUT) throw new Error(`the output is named ${output}, not ${ONNX_OUTPUT}`);
  return encodeOnnxModel({
    producerName: 'X-Sample Playground',
    producerVersion: info.producerVersion,
    docString: `Image encoder of a ${info.objective} run at step ${info.step}: ${onnxInputNote(m)} -> ${ONNX_OUTPUT}: float32 [batch, ${m.projDim}], unit L2 norm.`,
    opset: ONNX_OPSET,
    metadata: { objective: info.objective, step: String(info.step), model_config: JSON.stringify(m), input: onnxInputNote(m) },
    graph: {
      name: 'image_encoder',
      node: vit.g.nodes,
      initializer: vit.g.initializers,
      input: [{ name: ONNX_INPUT, elemType: DataType.FLOAT, shape: ['batch', m.imageSize, m.imageSize, 3], docString: onnxInputNote(m) }],
      output: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: ['batch', m.projDim], docString: 'unit-norm image embedding' }],
    },
  });
}
