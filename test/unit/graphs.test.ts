import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { splitHeldOut } from '../../src/core/dataset';
import { ContrastiveModel } from '../../src/core/model';
import { clipLoss, xClipLoss } from '../../src/core/objectives';
import * as tf from '../../src/core/tf';
import { Trainer } from '../../src/core/trainer';
import { makeShapesSet } from '../../src/data/shapesSet';
import { EmbeddingFileError, matchEmbeddings, parseEmbeddingFile, parseNpy } from '../../src/text/embeddingFile';
import { tfidfGraph } from '../../src/text/tfidfGraph';

/** A .npy file (format 1.0, little-endian float32, C order) as numpy.save writes it. */
function npy(rows: number[][]): ArrayBuffer {
  const n = rows.length;
  const d = rows[0].length;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + n * d * 4);
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Array.from(header, (c) => c.charCodeAt(0)), 10);
  new Float32Array(out.buffer, 10 + header.length).set(rows.flat());
  return out.buffer;
}
const enc = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('embeddings files', () => {
  it('reads .npy rows in file-name order, JSON and CSV keyed by file name', () => {
    const ids = ['b.png', 'a.png', 'c.png'];
    const p = parseNpy(npy([[1, 0], [0, 1], [1, 1]]));
    expect(p.dim).toBe(2);
    // Sorted names: a.png (row 0), b.png (row 1), c.png (row 2).
    expect(Array.from(matchEmbeddings(p, ids, 'e.npy'))).toEqual([0, 1, 1, 0, 1, 1]);
    const j = parseEmbeddingFile('e.json', enc(JSON.stringify({ 'a.png': [1, 2], 'b.png': [3, 4], 'c.png': [5, 6] })));
    expect(Array.from(matchEmbeddings(j, ids, 'e.json'))).toEqual([3, 4, 1, 2, 5, 6]);
    const list = parseEmbeddingFile('e.json', enc(JSON.stringify([{ file_name: 'imgs/a.png', embedding: [1, 2] }, { file_name: 'imgs/b.png', embedding: [3, 4] }, { file_name: 'imgs/c.png', embedding: [5, 6] }])));
    expect(Array.from(matchEmbeddings(list, ids, 'e.json'))).toEqual([3, 4, 1, 2, 5, 6]);
    const c = parseEmbeddingFile('e.csv', enc('file_name,e0,e1\na.png,1,2\nb.png,3,4\nc.png,5,6\n'));
    expect(Array.from(matchEmbeddings(c, ids, 'e.csv'))).toEqual([3, 4, 1, 2, 5, 6]);
  });

  it('names what does not match: counts, names, widths, dtype, header', () => {
    expect(() => matchEmbeddings(parseNpy(npy([[1, 0], [0, 1]])), ['a', 'b', 'c'], 'e.npy')).toThrow('e.npy has 2 rows but the dataset has 3 images');
    const j = parseEmbeddingFile('e.json', enc(JSON.stringify({ 'a.png': [1, 2] })));
    expect(() => matchEmbeddings(j, ['a.png', 'x.png'], 'e.json')).toThrow(/no row for 1 of 2 images, for example x.png/);
    expect(() => parseEmbeddingFile('e.json', enc(JSON.stringify({ a: [1, 2], b: [1] })))).toThrow(/row b has 1 values/);
    expect(() => parseEmbeddingFile('e.csv', enc('name,v\na,1\n'))).toThrow(/first column must be file_name/);
    expect(() => parseEmbeddingFile('e.npy', enc('not numpy'))).toThrow(EmbeddingFileError);
    expect(() => parseEmbeddingFile('e.txt', enc(''))).toThrow(/use .npy, .json or .csv/);
  });
});

describe('image–text X-Sample (our extension)', () => {
  it('equals CLIP when the graph is the identity and τ_s is small', () => {
    const x = tf.tensor2d([[1, 0], [0.6, 0.8], [0, 1]]);
    const y = tf.tensor2d([[0.8, 0.6], [0.6, 0.8], [-0.6, 0.8]]);
    const t = tf.scalar(Math.log(10));
    const clip = clipLoss(x, y, t).dataSync()[0];
    const xs = xClipLoss(x, y, t, tf.eye(3) as tf.Tensor2D, 1e-3).dataSync()[0];
    expect(xs).toBeCloseTo(clip, 5);
    // Soft targets put mass on caption neighbours: the loss changes.
    const soft = xClipLoss(x, y, t, tf.tensor2d([[1, 0.96, 0], [0.96, 1, 0.28], [0, 0.28, 1]]), 0.1).dataSync()[0];
    expect(Math.abs(soft - clip)).toBeGreaterThan(0.05);
  });
});

describe('compare mode', () => {
  // With a recipe per objective (the default) the augmentations differ by recipe; test/unit/recipes.test.ts checks
  // that indices and captions still agree. Here every run has the session's augmentation, so they agree too.
  it('feeds every objective identical first batches (indices, captions, augmentations with "same augmentation") and identical image-tower weights', async () => {
    const set = makeShapesSet(80, 16);
    const graph = tfidfGraph(set.captions);
    const { train } = splitHeldOut(80, 0.2, 5);
    const runs = (['clip', 'xsample', 'simclr', 'xclip'] as const).map((objective) => {
      const cfg = withDefaults({ objective, seed: 5, batchSize: 8, sameAugment: true, model: { imageSize: 16, patchSize: 4, width: 16, depth: 1, heads: 2, projDim: 8, textWidth: 16 } });
      const model = new ContrastiveModel(cfg, set.captions, graph);
      return { model, trainer: new Trainer(model, set, cfg, train) };
    });
    for (let step = 0; step < 3; step++) {
      const batches = runs.map((r) => r.trainer.nextBatch());
      for (const b of batches.slice(1)) {
        expect(Array.from(b.indices)).toEqual(Array.from(batches[0].indices));
        expect(b.captions).toEqual(batches[0].captions);
        // View A is the same for every objective; two-view objectives also get view B.
        expect(b.views[0]).toEqual(batches[0].views[0]);
      }
      expect(batches[1].views[1]).toEqual(batches[2].views[1]);
    }
    const snaps = await Promise.all(runs.map((r) => r.model.params.snapshot()));
    for (const name of Object.keys(snaps[0]).filter((k) => k.startsWith('visual.')))
      for (const s of snaps.slice(1)) expect(Array.from(s[name].data)).toEqual(Array.from(snaps[0][name].data));
    for (const r of runs) {
      r.trainer.dispose();
      r.model.dispose();
    }
  });
});
