import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { imageBatch } from '../../src/core/dataset';
import { ContrastiveModel } from '../../src/core/model';
import * as tf from '../../src/core/tf';
import { patchify } from '../../src/core/vit';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';

const small = withDefaults({ model: { imageSize: 16, patchSize: 4, width: 32, depth: 2, heads: 4, projDim: 16, textWidth: 32 } });
const set = makeShapesSet(8, 16);

function rowNorms(x: tf.Tensor2D): number[] {
  return Array.from(tf.tidy(() => tf.sqrt(tf.sum(tf.square(x), 1)).dataSync()));
}

describe('ViT', () => {
  it('patchifies row-major over the grid, channels last inside a patch', () => {
    // A 4x4 single-image with value = 100*y + 10*x + c, patch 2.
    const data: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) data.push(100 * y + 10 * x + c);
    const p = tf.tidy(() => patchify(tf.tensor4d(data, [1, 4, 4, 3]), 2).arraySync());
    expect(p[0].length).toBe(4);
    // Patch 1 is the top-right one: rows 0-1, columns 2-3.
    expect(p[0][1].slice(0, 6)).toEqual([20, 21, 22, 30, 31, 32]);
    expect(p[0][1].slice(6, 12)).toEqual([120, 121, 122, 130, 131, 132]);
  });

  it('gives unit, finite embeddings of the projection size', () => {
    const model = new ContrastiveModel({ ...small, objective: 'simclr' }, set.captions);
    const out = tf.tidy(() => {
      const e = model.embedImages(imageBatch(set, [0, 1, 2, 3, 4]));
      return { shape: e.shape, norms: rowNorms(e), finite: tf.all(tf.isFinite(e)).dataSync()[0] };
    });
    expect(out.shape).toEqual([5, 16]);
    out.norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    expect(out.finite).toBe(1);
    model.dispose();
  });

  it('starts from the same image-tower weights for every objective with one seed', async () => {
    const clip = new ContrastiveModel({ ...small, objective: 'clip' }, set.captions);
    const xs = new ContrastiveModel({ ...small, objective: 'xsample' }, set.captions, tfidfGraph(set.captions));
    const a = await clip.params.snapshot();
    const b = await xs.params.snapshot();
    const visual = Object.keys(b).filter((k) => k.startsWith('visual.'));
    expect(visual.length).toBeGreaterThan(10);
    for (const k of visual) expect(Array.from(a[k].data)).toEqual(Array.from(b[k].data));
    expect(Object.keys(a).some((k) => k.startsWith('text.'))).toBe(true);
    expect(Object.keys(b).some((k) => k.startsWith('text.'))).toBe(false);
    clip.dispose();
    xs.dispose();
  });
});

describe('text tower', () => {
  it('gives unit, finite caption embeddings; padding does not change a caption', () => {
    const model = new ContrastiveModel({ ...small, objective: 'clip' }, set.captions);
    const out = tf.tidy(() => {
      const e = model.embedCaptions(['a large red circle', '', 'une grande étoile 星', 'a large red circle']);
      return { shape: e.shape, norms: rowNorms(e), rows: e.arraySync() };
    });
    expect(out.shape).toEqual([4, 16]);
    out.norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    out.rows.flat().forEach((v) => expect(Number.isFinite(v)).toBe(true));
    out.rows[0].forEach((v, i) => expect(v).toBeCloseTo(out.rows[3][i], 5));
    expect(model.tokenizer!.encodeOne('a large red circle', 12).length).toBe(4);
    model.dispose();
  });
});
