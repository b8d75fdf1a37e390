import { describe, expect, it } from 'vitest';
import { type ObjectiveName, withDefaults } from '../../src/core/config';
import { splitHeldOut } from '../../src/core/dataset';
import { ContrastiveModel } from '../../src/core/model';
import { CLIP_MAX_LOG_SCALE } from '../../src/core/objectives';
import { learningRate } from '../../src/core/optimizer';
import * as tf from '../../src/core/tf';
import { Trainer } from '../../src/core/trainer';
import { makeShapesSet } from '../../src/data/shapesSet';
import { tfidfGraph } from '../../src/text/tfidfGraph';

const tiny = { imageSize: 16, patchSize: 4, width: 32, depth: 1, heads: 2, projDim: 32, textWidth: 32 };

function makeRun(objective: ObjectiveName, n: number, extra: Parameters<typeof withDefaults>[0] = {}) {
  const set = makeShapesSet(n, 16);
  const cfg = withDefaults({ objective, batchSize: 16, lr: 3e-3, warmupSteps: 10, steps: 200, model: tiny, ...extra });
  const { train } = splitHeldOut(n, 0.2, cfg.seed);
  const model = new ContrastiveModel(cfg, set.captions, tfidfGraph(set.captions));
  const trainer = new Trainer(model, set, cfg, train);
  return {
    model,
    trainer,
    dispose() {
      trainer.dispose();
      model.dispose();
    },
  };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe('training', () => {
  for (const objective of ['clip', 'xsample'] as const) {
    it(`${objective}: lowers its loss by at least 30% in 200 steps on a small fixture`, async () => {
      const run = makeRun(objective, 64);
      const losses: number[] = [];
      for (let i = 0; i < 200; i++) losses.push((await run.trainer.trainStep()).loss);
      run.dispose();
      losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
      const first = mean(losses.slice(0, 10));
      const last = mean(losses.slice(-20));
      expect(last).toBeLessThan(0.7 * first);
    });
  }

  for (const objective of ['clip', 'xsample', 'siglip', 'simclr'] as const) {
    it(`${objective}: keeps the tensor count flat between step 10 and step 60`, async () => {
      const run = makeRun(objective, 40, { steps: 60 });
      let at10 = -1;
      for (let i = 1; i <= 60; i++) {
        await run.trainer.trainStep();
        if (i === 10) at10 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(at10);
      run.dispose();
    });
  }

  it('gives the same first-step loss for the same seed, and another for another seed', async () => {
    const first = async (seed: number) => {
      const run = makeRun('xsample', 40, { seed });
      const r = await run.trainer.trainStep();
      run.dispose();
      return r.loss;
    };
    const a = await first(3);
    const b = await first(3);
    const c = await first(4);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('releases every tensor when a run is disposed', async () => {
    const before = tf.memory().numTensors;
    const run = makeRun('clip', 40, { steps: 5 });
    for (let i = 0; i < 3; i++) await run.trainer.trainStep();
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('clamps the CLIP logit scale at 100 after a step', async () => {
    const run = makeRun('clip', 40);
    run.model.params.get('logit_scale').assign(tf.scalar(6)); // t = 403
    const r = await run.trainer.trainStep();
    expect(r.scalars.logitScale).toBeCloseTo(100, 3);
    expect(run.model.params.get('logit_scale').dataSync()[0]).toBeLessThanOrEqual(CLIP_MAX_LOG_SCALE + 1e-6);
    run.dispose();
  });
});

describe('a step that fails, and a run moved to a step', () => {
  const losses = async (trainer: Trainer, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await trainer.trainStep()).loss);
    return out;
  };

  it('retries a step that failed inside its loss computation on the same batch, leaking no tensor', async () => {
    const unbroken = makeRun('clip', 40, { steps: 4 });
    const expected = await losses(unbroken.trainer, 4);
    unbroken.dispose();

    const run = makeRun('clip', 40, { steps: 4 });
    const seen: number[][] = [];
    const loss = run.model.loss.bind(run.model);
    run.model.loss = (batch) => {
      seen.push(Array.from(batch.indices));
      return loss(batch);
    };
    const got = await losses(run.trainer, 1);
    const tensors = tf.memory().numTensors;
    run.trainer.failNextStep(new Error('device lost'));
    await expect(run.trainer.trainStep()).rejects.toThrow('device lost');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(run.trainer.step).toBe(1);
    got.push(...(await losses(run.trainer, 3)));
    expect(got).toEqual(expected);
    expect(seen).toHaveLength(4); // the failed attempt threw before the model saw its batch
    run.dispose();
  });

  it('skipTo(n) on a fresh trainer with restored weights continues exactly like the unbroken run', async () => {
    const unbroken = makeRun('xsample', 40, { steps: 5 });
    const first = await losses(unbroken.trainer, 2);
    const params = await unbroken.model.params.snapshot();
    const optimizer = await unbroken.trainer.optimizer.snapshot();
    const rest = await losses(unbroken.trainer, 3);
    unbroken.dispose();

    const moved = makeRun('xsample', 40, { steps: 5 });
    moved.model.params.restore(params);
    moved.trainer.optimizer.restore(optimizer);
    moved.trainer.skipTo(2);
    expect(first).toHaveLength(2);
    expect(await losses(moved.trainer, 3)).toEqual(rest);
    expect(() => moved.trainer.skipTo(1)).toThrow(/has not stepped/);
    moved.dispose();
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly, peaks, then decays by cosine to the floor', () => {
    const lr = (s: number) => learningRate(s, 1e-3, 10, 110, 0.1);
    expect(lr(0)).toBeCloseTo(1e-4, 12);
    expect(lr(9)).toBeCloseTo(1e-3, 12);
    expect(lr(10)).toBeCloseTo(1e-3, 12);
    expect(lr(60)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(lr(110)).toBeCloseTo(1e-4, 12);
    for (let s = 10; s < 110; s++) expect(lr(s + 1)).toBeLessThanOrEqual(lr(s));
  });
});
