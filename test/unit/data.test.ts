import { describe, expect, it } from 'vitest';
import { applyAugment, planAugment } from '../../src/core/augment';
import { DEFAULT_AUGMENT, DEFAULT_SETTINGS, withDefaults } from '../../src/core/config';
import { validateConfig } from '../../src/core/settingsTable';
import { BatchSampler, imageBatch, splitForSet, splitHeldOut } from '../../src/core/dataset';
import { Rng } from '../../src/core/rng';
import * as tf from '../../src/core/tf';
import { makeShapesSet } from '../../src/data/shapesSet';
import { labelGraph } from '../../src/core/captionGraph';
import { tfidfGraph } from '../../src/text/tfidfGraph';

describe('Rng', () => {
  it('repeats for a seed, differs across seeds, stays in range', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    xs.forEach((x) => expect(x >= 0 && x < 1).toBe(true));
    const p = new Rng(1).permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const normals = Array.from({ length: 20000 }, () => a.normal());
    const m = normals.reduce((s, x) => s + x, 0) / normals.length;
    const v = normals.reduce((s, x) => s + (x - m) ** 2, 0) / normals.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });
});

describe('augmentation', () => {
  it('keeps shape and range, is deterministic in the seed, and changes the image', () => {
    const set = makeShapesSet(4, 16);
    const run = (seed: number) =>
      tf.tidy(() => {
        const x = imageBatch(set, [0, 1, 2, 3]);
        const y = applyAugment(x, planAugment(4, new Rng(seed), DEFAULT_AUGMENT));
        return { shape: y.shape, min: tf.min(y).dataSync()[0], max: tf.max(y).dataSync()[0], data: Array.from(y.dataSync()), diff: tf.mean(tf.abs(tf.sub(x, y))).dataSync()[0] };
      });
    const a = run(1);
    expect(a.shape).toEqual([4, 16, 16, 3]);
    expect(a.min).toBeGreaterThanOrEqual(0);
    expect(a.max).toBeLessThanOrEqual(1);
    expect(run(1).data).toEqual(a.data);
    expect(run(2).data).not.toEqual(a.data);
    expect(a.diff).toBeGreaterThan(0.01);
  });

  it('flips horizontally with a mirrored crop box and no other change', () => {
    const set = makeShapesSet(1, 8);
    const noJitter = { brightness: new Float32Array([0]), contrast: new Float32Array([1]), saturation: new Float32Array([1]) };
    const out = tf.tidy(() => {
      const x = imageBatch(set, [0]);
      const flipped = applyAugment(x, { boxes: [{ y1: 0, x1: 1, y2: 1, x2: 0 }], jitter: noJitter });
      return { want: Array.from(tf.reverse(x, 2).dataSync()), got: Array.from(flipped.dataSync()) };
    });
    out.got.forEach((v, i) => expect(v).toBeCloseTo(out.want[i], 5));
  });
});

describe('batches and splits', () => {
  it('splits by seed without overlap and samples every training image once per epoch', () => {
    const { train, heldOut } = splitHeldOut(100, 0.2, 5);
    expect(heldOut.length).toBe(20);
    expect(train.length).toBe(80);
    expect(new Set([...train, ...heldOut]).size).toBe(100);
    const sampler = new BatchSampler(train, 16, 5);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(...sampler.next());
    expect(sampler.epoch).toBe(0);
    expect(seen.sort((a, b) => a - b)).toEqual([...train]);
    sampler.next();
    expect(sampler.epoch).toBe(1);
    const again = new BatchSampler(train, 16, 5);
    const other = new BatchSampler(train, 16, 6);
    const first = new BatchSampler(train, 16, 5).next();
    expect([...again.next()]).toEqual([...first]);
    expect([...other.next()]).not.toEqual([...first]);
  });
});

describe('split labels', () => {
  it('names the fraction a seeded split holds out, and the split folders where the data has them', () => {
    const set = makeShapesSet(20, 8);
    expect(splitForSet(set, 0.2, 0).by).toBe('seeded 20%');
    expect(splitForSet(set, 0.35, 0).by).toBe('seeded 35%');
    expect(splitForSet({ ...set, heldOutFlags: Uint8Array.from({ length: 20 }, (_, i) => +(i < 5)) }, 0.2, 0).by).toBe('split folders');
  });
});

describe('caption graphs', () => {
  it('TF-IDF graph is symmetric, has a unit diagonal and ranks shared words higher', () => {
    const caps = ['a red apple', 'a green apple', 'a dog face', 'a red apple', ''];
    const g = tfidfGraph(caps).batch([0, 1, 2, 3, 4]);
    const at = (i: number, j: number) => g[i * 5 + j];
    for (let i = 0; i < 5; i++) {
      expect(at(i, i)).toBeCloseTo(1, 6);
      for (let j = 0; j < 5; j++) expect(at(i, j)).toBeCloseTo(at(j, i), 6);
    }
    expect(at(0, 1)).toBeGreaterThan(at(0, 2));
    expect(at(0, 3)).toBeCloseTo(1, 6);
  });

  it('label graph is 1 within a class and the class similarity between', () => {
    const g = labelGraph(new Int32Array([0, 0, 1]), new Float32Array([1, 0.3, 0.3, 1]), 2).batch([0, 1, 2]);
    expect(Array.from(g).map((v) => +v.toFixed(3))).toEqual([1, 1, 0.3, 1, 1, 0.3, 0.3, 0.3, 1]);
  });
});

describe('config', () => {
  it('accepts the defaults and names each bad value', () => {
    expect(validateConfig(DEFAULT_SETTINGS)).toEqual([]);
    const bad = withDefaults({ batchSize: 1, tau: 0, model: { imageSize: 30 } });
    const errors = validateConfig(bad);
    expect(errors.some((e) => e.startsWith('batchSize'))).toBe(true);
    expect(errors.some((e) => e.startsWith('tau '))).toBe(true);
    expect(errors.some((e) => e.includes('not a multiple of patchSize'))).toBe(true);
  });
});

describe('pixels', () => {
  it('drops the alpha channel of canvas bytes, keeping RGB order', async () => {
    const { rgbaToRgb } = await import('../../src/core/pixels');
    expect(Array.from(rgbaToRgb(new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0])))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
