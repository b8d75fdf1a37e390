import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/config';
import { splitHeldOut } from '../../src/core/dataset';
import { evaluateRun } from '../../src/core/evaluate';
import { graphSpearman, knnAccuracy, retrieval, spearman, unitRows } from '../../src/core/metrics';
import { ContrastiveModel } from '../../src/core/model';
import { confusionMatrix, perClassAccuracy } from '../../src/core/confusion';
import { linearProbe, linearProbeAnswers } from '../../src/core/probe';
import { Rng } from '../../src/core/rng';
import * as tf from '../../src/core/tf';
import { Trainer } from '../../src/core/trainer';
import { makeShapesSet } from '../../src/data/shapesSet';
import { labelGraph } from '../../src/core/captionGraph';
import { tfidfGraph } from '../../src/text/tfidfGraph';

/** n unit vectors in d dims around `classes` well-separated centres. */
function clusters(n: number, d: number, classes: number, noise: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    let norm = 0;
    for (let k = 0; k < d; k++) {
      const v = (k === labels[i] ? 1 : 0) + noise * rng.normal();
      x[i * d + k] = v;
      norm += v * v;
    }
    for (let k = 0; k < d; k++) x[i * d + k] /= Math.sqrt(norm);
  }
  return { x, labels };
}

describe('metrics', () => {
  it('k-NN is perfect on separated clusters and at chance on noise', () => {
    const a = clusters(60, 8, 4, 0.1, 1);
    const b = clusters(40, 8, 4, 0.1, 2);
    expect(knnAccuracy(a.x, a.labels, b.x, b.labels, 8)).toBe(1);
    const noise = clusters(200, 8, 4, 50, 3);
    const test = clusters(200, 8, 4, 50, 4);
    expect(knnAccuracy(noise.x, noise.labels, test.x, test.labels, 8)).toBeLessThan(0.45);
  });

  it('retrieval ranks exact pairs first and reports ranks from 1', () => {
    const a = clusters(20, 32, 20, 0.05, 5);
    const r = retrieval(a.x, a.x, 32);
    expect(r.imageToText).toEqual({ r1: 1, r5: 1, r10: 1, meanRank: 1, medianRank: 1 });
    // Texts shifted by one: image i's own text is never nearest.
    const shifted = new Float32Array(a.x.length);
    for (let i = 0; i < 20; i++) shifted.set(a.x.subarray(((i + 1) % 20) * 32, ((i + 2 - 1) % 20) * 32 + 32), i * 32);
    const s = retrieval(a.x, shifted, 32);
    expect(s.imageToText.r1).toBe(0);
    expect(s.textToImage.meanRank).toBeGreaterThan(1);
  });

  it('k-NN is DINO\'s by default: 20 neighbours, votes exp(cos / 0.07), on unit rows', () => {
    // One test point; 19 training points of class 1 at cosine 0.5 and one of class 0 at cosine 0.9: 20 neighbours
    // vote, exp(0.9/0.07) = 3.8e5 > 19 exp(0.5/0.07) = 2.4e4, so class 0 wins; with k = 1 too; with T = 1 class 1 wins.
    const d = 2;
    const train = new Float32Array(20 * d);
    const labels = new Int32Array(20).fill(1);
    const at = (cos: number, i: number) => train.set([cos, Math.sqrt(1 - cos * cos)], i * d);
    at(0.9, 0);
    labels[0] = 0;
    for (let i = 1; i < 20; i++) at(0.5, i);
    const test = new Float32Array([1, 0]);
    expect(knnAccuracy(train, labels, test, Int32Array.from([0]), d)).toBe(1);
    expect(knnAccuracy(train, labels, test, Int32Array.from([0]), d, 20, 1)).toBe(0);
    expect(Array.from(unitRows(new Float32Array([3, 4, 0, 0]), 2))).toEqual(Array.from(new Float32Array([0.6, 0.8, 0, 0])));
  });

  it('the median rank is open_clip\'s: floor of the median 0-based rank, plus 1 (never a half rank)', () => {
    // Two pairs: image 0 finds its text first (rank 1), image 1 finds it second (rank 2): median of 0-based ranks 0.5.
    const images = new Float32Array([1, 0, 0.8, 0.6]);
    const texts = new Float32Array([1, 0, 0, 1]);
    const r = retrieval(images, texts, 2);
    expect(r.imageToText.meanRank).toBe(1.5);
    expect(r.imageToText.medianRank).toBe(1);
  });

  it('Spearman is 1 for monotone, −1 for reversed, and handles ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBeCloseTo(1, 10);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 10);
    expect(spearman([1, 1, 2], [1, 1, 2])).toBeCloseTo(1, 10);
  });

  it('graph correlation is high when embeddings follow the graph', () => {
    const a = clusters(30, 6, 3, 0.05, 6);
    const g = labelGraph(a.labels, new Float32Array([1, 0.5, 0, 0.5, 1, 0.5, 0, 0.5, 1]), 3).batch(Int32Array.from({ length: 30 }, (_, i) => i));
    expect(graphSpearman(a.x, g, 6)).toBeGreaterThan(0.6);
    const shuffled = clusters(30, 6, 3, 50, 7);
    expect(Math.abs(graphSpearman(shuffled.x, g, 6))).toBeLessThan(0.3);
  });

  it('the linear probe separates separable features and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const a = clusters(80, 8, 4, 0.3, 8);
    const b = clusters(40, 8, 4, 0.3, 9);
    expect(await linearProbe(a.x, a.labels, b.x, b.labels, 8, 4)).toBeGreaterThan(0.9);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the confusion matrix counts true class (row) against predicted class (column); per-class accuracy is its diagonal', () => {
    // Truth 0 0 0 1 1 2 2 2 2 (and one unlabelled), predictions 0 0 1 1 0 2 2 2 0.
    const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2, -1];
    const predicted = [0, 0, 1, 1, 0, 2, 2, 2, 0, 1];
    const counts = confusionMatrix(truth, predicted, 4);
    expect(counts).toEqual([
      [2, 1, 0, 0],
      [1, 1, 0, 0],
      [1, 0, 3, 0],
      [0, 0, 0, 0],
    ]);
    const acc = perClassAccuracy(counts);
    expect(acc.slice(0, 3)).toEqual([2 / 3, 1 / 2, 3 / 4]);
    expect(acc[3]).toBeNaN(); // no test sample of class 3
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow('confusionMatrix: 2 labels but 1 predictions');
  });

  it("the probe's answers agree with its accuracy and its confusion matrix", async () => {
    const a = clusters(80, 8, 4, 0.3, 8);
    const b = clusters(40, 8, 4, 0.3, 9);
    const got = await linearProbeAnswers(a.x, a.labels, b.x, b.labels, 8, 4);
    expect(got.truth).toEqual(b.labels);
    const counts = confusionMatrix(got.truth, got.predicted, 4);
    expect(counts.flat().reduce((x, y) => x + y, 0)).toBe(40);
    expect(counts.reduce((s, row, i) => s + row[i], 0) / 40).toBeCloseTo(got.accuracy, 10);
    expect(counts.map((row) => row.reduce((x, y) => x + y, 0))).toEqual([0, 1, 2, 3].map((c) => b.labels.filter((l) => l === c).length));
  });

  it('evaluates a trained CLIP run: retrieval far above chance, better than at step 0', async () => {
    const set = makeShapesSet(200, 16, 2);
    const cfg = withDefaults({ objective: 'clip', batchSize: 32, lr: 3e-3, warmupSteps: 10, steps: 120, model: { imageSize: 16, patchSize: 4, width: 32, depth: 1, heads: 2, projDim: 32, textWidth: 32 } });
    const split = splitHeldOut(200, 0.25, 0);
    const model = new ContrastiveModel(cfg, set.captions);
    const trainer = new Trainer(model, set, cfg, split.train);
    const graph = tfidfGraph(set.captions);
    const init = await evaluateRun(model, set, split, graph, 0);
    for (let i = 0; i < 120; i++) await trainer.trainStep();
    const before = tf.memory().numTensors;
    const m = await evaluateRun(model, set, split, graph, 120);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.evaluated).toBe(50);
    expect(m.knnTop1).toBeDefined();
    expect(m.linearProbeTop1).toBeDefined();
    expect(m.knnTop1Projected).toBeDefined();
    expect(m.linearProbeTop1Projected).toBeDefined();
    // Retrieval among 50 held-out pairs: chance recall@10 is 0.2.
    expect(m.retrieval!.imageToText.r10).toBeGreaterThan(0.6);
    expect(m.retrieval!.textToImage.r10).toBeGreaterThan(0.6);
    expect(m.retrieval!.imageToText.meanRank).toBeLessThan(init.retrieval!.imageToText.meanRank);
    expect(m.heldOutLoss).toBeLessThan(init.heldOutLoss);
    expect(m.graphSpearman).toBeGreaterThan(init.graphSpearman);
    trainer.dispose();
    model.dispose();
  });

  it('X-Sample with a class-label graph learns the labels: k-NN and probe well above chance, graph followed more', async () => {
    // Labels by colour (seven classes): a tiny ViT learns them in a few steps (shape at 16 px takes far longer).
    const shapes = makeShapesSet(200, 16, 2);
    const colours = [...new Set(shapes.captions.map((c) => c.split(' ')[2]))].sort();
    const set = { ...shapes, labels: Int32Array.from(shapes.captions, (c) => colours.indexOf(c.split(' ')[2])), labelNames: colours };
    const cfg = withDefaults({ objective: 'xsample', batchSize: 32, lr: 3e-3, warmupSteps: 10, steps: 120, model: { imageSize: 16, patchSize: 4, width: 32, depth: 1, heads: 2, projDim: 32 } });
    const split = splitHeldOut(200, 0.25, 0);
    const graph = labelGraph(set.labels!);
    const model = new ContrastiveModel(cfg, set.captions, graph);
    const trainer = new Trainer(model, set, cfg, split.train);
    const init = await evaluateRun(model, set, split, graph, 0);
    for (let i = 0; i < 120; i++) await trainer.trainStep();
    const m = await evaluateRun(model, set, split, graph, 120);
    const chance = 1 / 7;
    expect(m.knnTop1!).toBeGreaterThan(chance + 0.3);
    expect(m.linearProbeTop1!).toBeGreaterThan(chance + 0.3);
    expect(m.knnTop1Projected!).toBeGreaterThan(chance + 0.3);
    expect(m.graphSpearman).toBeGreaterThan(init.graphSpearman + 0.05);
    expect(m.heldOutLoss).toBeLessThan(init.heldOutLoss);
    expect(m.retrieval).toBeUndefined();
    // The probe's confusion matrix ships with the metrics: 7 × 7 over the held-out images, its diagonal the accuracy.
    expect(m.probeConfusion!.classes).toEqual(colours);
    expect(m.probeConfusion!.counts).toHaveLength(7);
    expect(m.probeConfusion!.counts.flat().reduce((x, y) => x + y, 0)).toBe(50);
    expect(m.probeConfusion!.counts.reduce((s, row, i) => s + row[i], 0) / 50).toBeCloseTo(m.linearProbeTop1!, 10);
    trainer.dispose();
    model.dispose();
  });
});
