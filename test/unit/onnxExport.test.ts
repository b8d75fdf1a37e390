import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelConfig, withDefaults } from '../../src/core/config';
import { imageBatch } from '../../src/core/dataset';
import { ContrastiveModel } from '../../src/core/model';
import { imageEncoderOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from '../../src/core/onnxExport';
import { decodeOnnxModel } from './onnxSchema';
import { Rng } from '../../src/core/rng';
import * as tf from '../../src/core/tf';
import { makeShapesSet } from '../../src/data/shapesSet';

// onnxruntime-web runs its WASM build in Node; one thread, no proxy worker.
beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
});

/** A model of this config with every image-tower parameter moved off its initial value (biases and norms too). */
async function randomisedModel(model: Partial<ModelConfig>): Promise<ContrastiveModel> {
  const m = new ContrastiveModel(withDefaults({ objective: 'simclr', model }), []);
  const snapshot = await m.params.snapshot();
  const rng = new Rng(7);
  for (const s of Object.values(snapshot)) s.data = s.data.map((v) => v + 0.1 * rng.normal());
  m.params.restore(snapshot);
  return m;
}

/** Pictures of shapes and noise, (B, S, S, 3) in [0, 1]. */
function images(size: number, count: number): tf.Tensor4D {
  const set = makeShapesSet(count, size);
  const rng = new Rng(3);
  return tf.tidy(() => {
    const shapes = imageBatch(set, Array.from({ length: count }, (_, i) => i));
    const noise = tf.tensor4d(Float32Array.from({ length: shapes.size }, () => rng.next()), shapes.shape);
    return tf.concat([shapes, noise], 0) as tf.Tensor4D;
  });
}

async function compare(model: Partial<ModelConfig>): Promise<{ maxDiff: number; bytes: number; ms: number; rows: number }> {
  const m = await randomisedModel(model);
  const cfg = m.cfg.model;
  const input = images(cfg.imageSize, 3); // 6 images: 3 of shapes, 3 of noise
  const app = tf.tidy(() => m.embedImages(input));
  const expected = (await app.data()) as Float32Array;
  const t0 = performance.now();
  const bytes = imageEncoderOnnx(await m.params.snapshot(), cfg, { step: 5, objective: m.cfg.objective, producerVersion: 'test' });
  const ms = performance.now() - t0;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  let maxDiff = 0;
  // The whole batch, then one image alone: the batch dimension is dynamic.
  for (const [start, count] of [[0, input.shape[0]], [4, 1]]) {
    const slice = tf.slice(input, [start], [count]);
    const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', (await slice.data()) as Float32Array, slice.shape) };
    slice.dispose();
    const out = (await session.run(feeds))[ONNX_OUTPUT];
    expect(out.dims).toEqual([count, cfg.projDim]);
    const got = out.data as Float32Array;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[start * cfg.projDim + i]));
  }
  await session.release();
  tf.dispose([input, app]);
  m.dispose();
  return { maxDiff, bytes: bytes.length, ms, rows: expected.length / cfg.projDim };
}

describe('the ONNX image encoder', () => {
  it('gives the app\'s embedding in onnxruntime for the default model, any batch size', async () => {
    const r = await compare({});
    console.log(`default model: image_encoder.onnx ${r.bytes} bytes, written in ${r.ms.toFixed(1)} ms, max |onnx - app| ${r.maxDiff.toExponential(2)}`);
    expect(r.maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('gives the app\'s embedding for an odd model (one block, patch 8, width 24, 3 heads, projection 10)', async () => {
    const r = await compare({ imageSize: 24, patchSize: 8, width: 24, depth: 1, heads: 3, mlpRatio: 3, projDim: 10 });
    console.log(`odd model: max |onnx - app| ${r.maxDiff.toExponential(2)}`);
    expect(r.maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('is an opset 17 model with a dynamic batch, the input described, and the weights as initializers', async () => {
    const m = await randomisedModel({ depth: 1 });
    const snapshot = await m.params.snapshot();
    const decoded = decodeOnnxModel(imageEncoderOnnx(snapshot, m.cfg.model, { step: 12, objective: 'simclr', producerVersion: '0.1.0' })) as {
      irVersion: number;
      opsetImport: { version: number }[];
      docString: string;
      producerName: string;
      metadataProps: { key: string; value: string }[];
      graph: {
        input: { name: string; type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[];
        initializer: { name: string; dims: number[] }[];
        node: { opType: string; attribute?: unknown[] }[];
      };
    };
    m.dispose();
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport.map((o) => o.version)).toEqual([ONNX_OPSET]);
    expect(decoded.docString).toMatch(/simclr run at step 12: image: float32 \[batch, 32, 32, 3\] \(NHWC\), RGB in \[0, 1\]/);
    expect(decoded.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 32 }, { dimValue: 32 }, { dimValue: 3 }]);
    const init = Object.fromEntries(decoded.graph.initializer.map((t) => [t.name, t.dims]));
    expect(init['visual.pos_embed']).toEqual([64, 64]);
    expect(init['visual.blocks.0.mlp.fc1.weight']).toEqual([64, 128]);
    expect(init['visual.head.weight']).toEqual([64, 64]);
    const attributes = (op: string) => decoded.graph.node.find((n) => n.opType === op)?.attribute;
    expect(attributes('LayerNormalization')).toEqual([{ name: 'axis', type: 2, i: -1 }, { name: 'epsilon', type: 1, f: expect.closeTo(1e-6, 12) }]);
    expect(attributes('Transpose')).toEqual([{ name: 'perm', type: 7, ints: [0, 1, 3, 2, 4, 5] }]);
    expect(decoded.graph.node.map((n) => n.opType)).toContain('Erf');
    expect(decoded.producerName).toBe('X-Sample Playground');
    expect(decoded.metadataProps).toContainEqual({ key: 'step', value: '12' });
  });

  it('says which parameter is missing', () => {
    expect(() => imageEncoderOnnx({}, withDefaults().model, { step: 0, objective: 'clip', producerVersion: '' })).toThrow(/no parameter visual\.patch_embed\.proj\.weight/);
  });
});
