import { labelGraph } from '../../src/core/captionGraph';
import { parseTar } from 'nanotar';
import { strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseRunFiles } from '../../src/core/checkpoint';
import { splitForSet } from '../../src/core/dataset';
import { makeShapesSet } from '../../src/data/shapesSet';
import { DATASET_FORMAT, npyFloat32, prepareShards, sampleKey } from '../../src/data/webdatasetShards';

/** The .npy reader of the PyTorch trainer, in a few lines: header dict and float32 body. */
function readNpy(bytes: Uint8Array): { header: string; values: Float32Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const header = strFromU8(bytes.subarray(10, 10 + n));
  const body = bytes.slice(10 + n);
  return { header, values: new Float32Array(body.buffer) };
}

describe('dataset export as WebDataset shards', () => {
  const set = makeShapesSet(23, 8, 3);
  set.ids = set.ids.map((id, i) => (i % 2 ? `photos/${id}.jpg` : `photos/${id}.png`));
  set.allCaptions = set.captions.map((c, i) => (i === 4 ? [c, 'a second\ncaption'] : [c]));
  set.labels![5] = -1; // one sample without a label
  const split = splitForSet(set, 0.2, 0);
  const dim = 3;
  const vectors = Float32Array.from({ length: 23 * dim }, (_, i) => i / 10);
  const bytesOf = (i: number) => ({ bytes: Uint8Array.from([i, 1, 2, 3]), ext: set.ids[i].endsWith('.jpg') ? 'jpg' : 'png' });

  it('writes the app split into capped train / test shards, each sample with its original bytes, captions, class, vector and id', async () => {
    const progress: number[] = [];
    const files = await prepareShards({
      set,
      split,
      seed: 0,
      heldOutFraction: 0.2,
      format: 'csv',
      formatDetail: 'metadata.csv: columns file, text',
      graph: { source: 'file', kind: 'emb.npy (3-d)', centred: false, vectors: { data: vectors, dim } },
      imageFile: async (i) => bytesOf(i),
      limits: { maxSamples: 8, maxBytes: 1 << 30 },
      onProgress: (done) => progress.push(done),
    });
    expect(split.train.length).toBe(18);
    expect(split.heldOut.length).toBe(5);
    expect(Object.keys(files).sort()).toEqual(['dataset.json', 'test-000000.tar', 'train-000000.tar', 'train-000001.tar', 'train-000002.tar']);
    expect(progress[progress.length - 1]).toBe(23);

    const meta = JSON.parse(strFromU8(files['dataset.json']));
    expect(meta).toMatchObject({
      format: DATASET_FORMAT,
      imageSize: 8,
      sourceFormat: 'csv',
      counts: { samples: 23, train: 18, test: 5 },
      split: { by: 'seeded 20%', seed: 0, heldOutFraction: 0.2 },
      labels: set.labelNames,
      graph: { source: 'file', centred: false, emb: { dim: 3, normalised: true } },
      shards: { train: ['train-000000.tar', 'train-000001.tar', 'train-000002.tar'], test: ['test-000000.tar'] },
      imageTypes: ['jpg', 'png'],
    });

    // Every held-out sample is in the test shard, in the app's order, and nothing else is.
    const test = parseTar(files['test-000000.tar']);
    const keys = [...new Set(test.map((f) => f.name.split('.')[0]))];
    expect(keys).toEqual(Array.from(split.heldOut, (i) => sampleKey(i, 23)));
    const trainKeys = ['train-000000.tar', 'train-000001.tar', 'train-000002.tar'].flatMap((n) => [...new Set(parseTar(files[n]).map((f) => f.name.split('.')[0]))]);
    expect(trainKeys).toEqual(Array.from(split.train, (i) => sampleKey(i, 23)));

    const all = Object.fromEntries(['train-000000.tar', 'train-000001.tar', 'train-000002.tar', 'test-000000.tar'].flatMap((n) => parseTar(files[n]).map((f) => [f.name, f.data!])));
    for (let i = 0; i < 23; i++) {
      const key = sampleKey(i, 23);
      const img = bytesOf(i);
      expect(all[`${key}.${img.ext}`]).toEqual(img.bytes);
      expect(JSON.parse(strFromU8(all[`${key}.json`]))).toEqual({ id: set.ids[i], label: i === 5 ? null : set.labelNames![set.labels![i]] });
      if (i === 5) expect(all[`${key}.cls`]).toBeUndefined();
      else expect(strFromU8(all[`${key}.cls`])).toBe(String(set.labels![i]));
      const { header, values } = readNpy(all[`${key}.emb.npy`]);
      expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3,\), \} *\n$/);
      expect((10 + header.length) % 64).toBe(0);
      expect(Array.from(values)).toEqual(Array.from(vectors.subarray(i * 3, i * 3 + 3)));
    }
    // Captions one per line; a newline inside a caption becomes a space.
    expect(strFromU8(all[`${sampleKey(4, 23)}.txt`])).toBe(`${set.captions[4]}\na second caption`);
  });

  it('writes no .emb.npy when the graph is not made of vectors, and names the sample whose image cannot be read', async () => {
    const base = { set, split, seed: 0, heldOutFraction: 0.2, format: 'generated', graph: { source: 'tfidf', kind: 'TF-IDF', centred: false } };
    const files = await prepareShards({ ...base, imageFile: async (i) => bytesOf(i) });
    const names = parseTar(files['train-000000.tar']).map((f) => f.name);
    expect(names.some((n) => n.endsWith('.emb.npy'))).toBe(false);
    expect(JSON.parse(strFromU8(files['dataset.json'])).graph.emb).toBeNull();
    const broken = prepareShards({
      ...base,
      imageFile: async (i) => {
        if (i === split.train[3]) throw new Error('gone');
        return bytesOf(i);
      },
    });
    await expect(broken).rejects.toThrow(`${set.ids[split.train[3]]}: cannot be read for the dataset export (gone)`);
  });

  it("writes a label graph's class-name similarity into dataset.json, and the app's labelGraph carries it", async () => {
    const sim = Float32Array.from([1, 0.25, 0.25, 1]);
    const g = labelGraph(Int32Array.from([0, 1, 0]), sim, 2);
    expect(Array.from(g.batch([0, 1, 2]))).toEqual([1, 0.25, 1, 0.25, 1, 0.25, 1, 0.25, 1]);
    const files = await prepareShards({
      set, split, seed: 0, heldOutFraction: 0.2, format: 'generated',
      graph: { source: 'labels', kind: g.kind, centred: false, classSim: g.classSim },
      imageFile: async (i) => bytesOf(i),
    });
    expect(JSON.parse(strFromU8(files['dataset.json'])).graph.classSimilarity).toEqual([[1, 0.25], [0.25, 1]]);
  });

  it('npy: a (2, 2) float32 array with the header numpy writes', () => {
    const { header, values } = readNpy(npyFloat32(Float32Array.from([1, 2, 3, 4.5]), [2, 2]));
    expect(header.trim()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2,), }");
    expect(Array.from(values)).toEqual([1, 2, 3, 4.5]);
  });
});

describe('run zip files beside the weights', () => {
  const names = { config: 'config.json', history: 'history.json', metrics: 'metrics.json' };
  const history = JSON.stringify([{ step: 1, loss: 2.5, lr: 0.001, ms: 12.5, logitScale: 14.3 }, { step: 2, loss: null, lr: 0.001, ms: 11 }]);
  const metrics = JSON.stringify([{ step: 2, heldOutLoss: 2.1, knnTop1: 0.5, graphSpearman: null, evaluated: 10 }]);

  it('reads the origin, the loss history (null as NaN) and the metrics', () => {
    const run = parseRunFiles({ config: JSON.stringify({ origin: 'pytorch', objective: 'clip', step: 2, config: {} }), history, metrics }, names, 'clip');
    expect(run.origin).toBe('pytorch');
    expect(run.history[0]).toEqual({ step: 1, loss: 2.5, lr: 0.001, ms: 12.5, logitScale: 14.3 });
    expect(run.history[1].loss).toBeNaN();
    expect(run.history[1].logitScale).toBeUndefined();
    expect(run.metrics[0].knnTop1).toBe(0.5);
    expect(run.metrics[0].graphSpearman).toBeNaN();
    expect(run.metrics[0].linearProbeTop1).toBeUndefined();
  });

  it('an export without an origin is the browser’s; without the files, no history or metrics', () => {
    expect(parseRunFiles({ config: '{"objective": "xsample"}' }, names, 'xsample')).toEqual({ origin: 'browser', history: [], metrics: [] });
  });

  it('refuses an unknown origin, another objective and a malformed row, naming the file and the field', () => {
    expect(() => parseRunFiles({ config: '{"origin": "tensorflow"}' }, names, 'clip')).toThrow(/config\.json: origin: expected \("browser" \| "pytorch"\), got "tensorflow"/);
    expect(() => parseRunFiles({ config: '{"origin": "pytorch", "objective": "siglip"}' }, names, 'clip')).toThrow('config.json: objective is siglip, but the weights (model.json) are of clip');
    expect(() => parseRunFiles({ history: '[{"step": 0, "loss": 1, "lr": 1, "ms": 1}]' }, names, 'clip')).toThrow(/history\.json: 0\.step/);
    expect(() => parseRunFiles({ metrics: '{not json' }, names, 'clip')).toThrow(/metrics\.json is not valid JSON/);
  });
});
