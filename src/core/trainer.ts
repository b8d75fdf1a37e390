import { planAugment } from './augment';
import type { TrainConfig } from './config';
import { BatchSampler, imageBatch, type ImageSet } from './dataset';
import type { TrainableModel } from './model';
import { AdamW, learningRate } from './optimizer';
import { Rng } from './rng';
import * as tf from './tf';

export interface StepReport {
  step: number; // steps done, counting this one
  epoch: number;
  loss: number;
  lr: number;
  ms: number; // wall time of this step
  imagesPerSec: number;
  scalars: Record<string, number>;
}

/**
 * Draws seeded batches and augmentations, runs the model's loss under tf.variableGrads, applies AdamW with
 * warm-up + cosine learning rate and reports each step. It knows nothing about the model beyond TrainableModel.
 */
export class Trainer {
  readonly sampler: BatchSampler;
  readonly optimizer: AdamW;
  private readonly augRng: Rng;
  step = 0;

  constructor(
    readonly model: TrainableModel,
    private readonly data: ImageSet,
    private readonly cfg: TrainConfig,
    trainIndices: Int32Array,
  ) {
    this.sampler = new BatchSampler(trainIndices, cfg.batchSize, cfg.seed);
    this.augRng = new Rng(cfg.seed * 4 + 3);
    this.optimizer = new AdamW(model.params, cfg);
  }

  get done(): boolean {
    return this.step >= this.cfg.steps;
  }

  /**
   * Draws the next batch: indices, one caption per image (a random one where images have several) and the random
   * numbers of every view. Deterministic in the seed, and the same for every model whatever it uses.
   */
  nextBatch() {
    const indices = this.sampler.next();
    const all = this.data.allCaptions;
    const captions = Array.from(indices, (i) => (all && all[i].length > 1 ? all[i][this.augRng.int(all[i].length)] : this.data.captions[i]));
    // Two views are always drawn, so that the random streams of one-view and two-view objectives stay aligned.
    const views = [0, 1].map(() => planAugment(indices.length, this.augRng, this.cfg.augment)).slice(0, this.model.views);
    return { indices, captions, views };
  }

  async trainStep(): Promise<StepReport> {
    const t0 = performance.now();
    const { indices, captions, views } = this.nextBatch();
    const lr = learningRate(this.step, this.cfg.lr, this.cfg.warmupSteps, this.cfg.steps, this.cfg.minLrRatio);
    const params = this.model.params;
    const lossTensor = tf.tidy(() => {
      const images = imageBatch(this.data, indices);
      const { value, grads } = tf.variableGrads(() => this.model.loss({ indices, captions, images, views }), params.list());
      const byName = new Map<string, tf.Tensor>();
      for (const [name, v] of params.vars) byName.set(name, grads[v.name]);
      this.optimizer.apply(byName, lr);
      return value;
    });
    const loss = (await lossTensor.data())[0];
    lossTensor.dispose();
    this.model.afterStep();
    this.step += 1;
    const ms = performance.now() - t0;
    return {
      step: this.step,
      epoch: this.sampler.epoch,
      loss,
      lr,
      ms,
      imagesPerSec: (indices.length * 1000) / ms,
      scalars: await this.model.scalars(),
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
