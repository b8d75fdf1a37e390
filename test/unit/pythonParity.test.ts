import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyAugment, planAugment } from '../../src/core/augment';
import { type ObjectiveName, runAugment, type Settings, withDefaults } from '../../src/core/config';
import { imageBatch, type ImageSet } from '../../src/core/dataset';
import { ContrastiveModel } from '../../src/core/model';
import { AdamW, learningRate } from '../../src/core/optimizer';
import type { ParamSnapshot } from '../../src/core/params';
import { Rng } from '../../src/core/rng';
import * as tf from '../../src/core/tf';
import { augmentRng } from '../../src/core/trainer';
import { embeddingGraph, normaliseRows } from '../../src/core/captionGraph';

/**
 * The fixture of the PyTorch parity test (python/tests/test_parity.py): for every objective, a tiny model's seeded
 * initial weights, a fixed batch (pixels, captions, token ids, caption graph, augmentation plans), the augmented
 * views, and the loss and weights after each of 3 AdamW steps on that batch, as the Trainer computes them
 * (variableGrads of model.loss, AdamW.apply at learningRate(step), afterStep). Written as JSON to
 * $PARITY_FIXTURE_DIR (default: <tmpdir>/xsp-parity); the Python side reads it. This test only writes.
 * The augmentation plans are drawn as the Trainer draws them (the run's recipe, its own stream), so the Python side
 * can draw them itself and compare: the image–text objectives use open_clip's recipe, the two-view ones the
 * session's; the extra cases are CLIP with every run on the session's augmentation (sameAugment) and CLIP with its
 * logit scale starting at 1/τ (clipScaleFromTau).
 */

export const FIXTURE_DIR = process.env.PARITY_FIXTURE_DIR ?? join(tmpdir(), 'xsp-parity');
const CASES: { name: string; objective: ObjectiveName; settings?: Partial<Settings> }[] = [
  ...(['clip', 'xsample', 'siglip', 'simclr', 'xclip'] as const).map((objective) => ({ name: objective, objective })),
  { name: 'clip-same-augment', objective: 'clip', settings: { sameAugment: true } },
  { name: 'clip-t-from-tau', objective: 'clip', settings: { clipScaleFromTau: true, tau: 0.2 } },
];
const STEPS = 3;
const N = 8; // images in the set and in the batch
const S = 8; // image side

const CAPTIONS = [
  'a red circle on the left',
  'a red square on the left',
  'a blue circle',
  'a small green triangle above a blue circle and a red square', // longer than maxTokens: cut
  'two blue squares',
  '', // no words: one <unk>
  'a green circle on the right',
  'Ünïcode wörds, NFKC ﬁ ligature 42',
];

function snapshotJson(s: Record<string, ParamSnapshot>) {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));
}

function fixtureSet(): ImageSet {
  const rng = new Rng(77);
  const pixels = new Uint8Array(N * S * S * 3);
  // Smooth pictures with some structure, plus noise.
  for (let i = 0; i < N; i++)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++)
        for (let c = 0; c < 3; c++) {
          const v = 128 + 80 * Math.sin((x + 1) * (c + 1) * 0.4 + i) * Math.cos(y * 0.5 - i) + 30 * (rng.next() - 0.5);
          pixels[((i * S + y) * S + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
  return { name: 'parity', imageSize: S, pixels, ids: CAPTIONS.map((_, i) => `p${i}`), captions: CAPTIONS };
}

describe('PyTorch parity fixture', () => {
  for (const { name, objective, settings } of CASES) {
    it(`${name}: writes initial weights, a fixed batch and ${STEPS} AdamW steps`, async () => {
      const cfg = withDefaults({
        ...settings,
        objective,
        batchSize: N,
        steps: STEPS,
        lr: 1e-2,
        warmupSteps: 1,
        seed: 3,
        model: { imageSize: S, patchSize: 4, width: 16, depth: 1, heads: 2, mlpRatio: 2, projDim: 16, textWidth: 16, textDepth: 1, maxTokens: 6 },
      });
      const set = fixtureSet();
      const dim = 5;
      const vecRng = new Rng(99);
      const vectors = normaliseRows(Float32Array.from({ length: N * dim }, () => vecRng.normal()), dim, true);
      const graph = embeddingGraph('parity vectors', vectors, dim);
      const model = new ContrastiveModel(cfg, set.captions, graph);
      const optimizer = new AdamW(model.params, cfg);
      const indices = Int32Array.from([5, 2, 7, 0, 3, 6, 1, 4]);
      const captions = Array.from(indices, (i) => set.captions[i]);
      const augRng = augmentRng(cfg.seed);
      const views = [0, 1].map(() => planAugment(N, augRng, runAugment(cfg))).slice(0, model.views);
      const initial = snapshotJson(await model.params.snapshot());
      const images = imageBatch(set, indices);
      const augmented = views.map((v) => {
        const t = applyAugment(images, v);
        const d = Array.from(t.dataSync());
        t.dispose();
        return d;
      });
      const steps: { lr: number; loss: number; weights?: ReturnType<typeof snapshotJson> }[] = [];
      for (let step = 0; step < STEPS; step++) {
        const lr = learningRate(step, cfg.lr, cfg.warmupSteps, cfg.steps, cfg.minLrRatio);
        const lossTensor = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => model.loss({ indices, captions, images, views }), model.params.list());
          const byName = new Map<string, tf.Tensor>();
          for (const [name, v] of model.params.vars) byName.set(name, grads[v.name]);
          optimizer.apply(byName, lr);
          return value;
        });
        const loss = (await lossTensor.data())[0];
        lossTensor.dispose();
        model.afterStep();
        expect(Number.isFinite(loss)).toBe(true);
        steps.push({ lr, loss, weights: snapshotJson(await model.params.snapshot()) });
      }
      const fixture = {
        name,
        objective,
        config: cfg,
        vocab: model.tokenizer?.vocab ?? null,
        decayed: [...model.params.decayed],
        indices: Array.from(indices),
        captions,
        tokenIds: model.tokenizer ? Array.from(model.tokenizer.encode(captions, cfg.model.maxTokens)) : null,
        images: { shape: images.shape, data: Array.from(images.dataSync()) },
        graph: Array.from(graph.batch(indices)),
        plans: views.map((v) => ({
          boxes: v.boxes.map((b) => [b.y1, b.x1, b.y2, b.x2]),
          brightness: Array.from(v.jitter.brightness),
          contrast: Array.from(v.jitter.contrast),
          saturation: Array.from(v.jitter.saturation),
        })),
        augmented,
        initial,
        steps,
      };
      images.dispose();
      optimizer.dispose();
      model.dispose();
      mkdirSync(FIXTURE_DIR, { recursive: true });
      writeFileSync(join(FIXTURE_DIR, `${name}.json`), JSON.stringify(fixture));
      expect(steps[0].loss).not.toBe(steps[STEPS - 1].loss);
    });
  }
});
