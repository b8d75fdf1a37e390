import { planAugment } from './augment';
import { runAugment, type TrainConfig } from './config';
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

/** One row of a loss history as results and exports keep it (history.csv, history.json, RunResult). */
export interface HistoryRow {
  step: number;
  loss: number;
  lr: number;
  ms: number;
  logitScale?: number;
}

export function historyRow(r: StepReport): HistoryRow {
  return { step: r.step, loss: r.loss, lr: r.lr, ms: r.ms, logitScale: r.scalars.logitScale };
}

/** A step recorded on the device, its report to come. */
export interface QueuedStep {
  step: number; // steps done once it completes, counting it
  report: Promise<StepReport>;
}

/**
 * The random streams of a run besides the sampler's (seed ^ 0xba7c4) and the weights' (seed * 4 + 1, + 2): the
 * augmentation plans on seed * 4 + 3 (as before recipes, so a single-caption set with the same augmentation for
 * every run trains as it did) and the caption choices on seed * 4.
 */
export function augmentRng(seed: number): Rng {
  return new Rng(seed * 4 + 3);
}
export function captionRng(seed: number): Rng {
  return new Rng(seed * 4);
}

/** What one step trains on: the images' indices, one caption each, and the random numbers of every view. */
export interface Batch {
  indices: Int32Array;
  captions: string[];
  views: ReturnType<typeof planAugment>[];
}

/**
 * Draws seeded batches and augmentations, runs the model's loss under tf.variableGrads, applies AdamW with
 * warm-up + cosine learning rate and reports each step. It knows nothing about the model beyond TrainableModel.
 * A step's batch is drawn once: it stays pending until the step succeeds, so a step that fails is retried on the
 * same batch and the run keeps the batch order of every other run with the same seed.
 */
export class Trainer {
  readonly sampler: BatchSampler;
  readonly optimizer: AdamW;
  private readonly captionRng: Rng;
  private readonly augRng: Rng;
  private pending?: Batch;
  private fault?: Error;
  private lastDone = 0; // when the last queued step's read-back came back (performance.now())
  step = 0;

  constructor(
    readonly model: TrainableModel,
    private readonly data: ImageSet,
    private readonly cfg: TrainConfig,
    trainIndices: Int32Array,
  ) {
    this.sampler = new BatchSampler(trainIndices, cfg.batchSize, cfg.seed);
    this.captionRng = captionRng(cfg.seed);
    this.augRng = augmentRng(cfg.seed);
    this.optimizer = new AdamW(model.params, cfg);
  }

  get done(): boolean {
    return this.step >= this.cfg.steps;
  }

  /**
   * Draws the next batch: indices, one caption per image (a random one where images have several) and the random
   * numbers of every view. The indices and captions are deterministic in the seed and the same for every run
   * whatever its objective or augmentation recipe: each comes from a stream of its own, and the augmentation
   * (whose number of draws depends on the recipe: a crop is redrawn until it fits) from a third.
   */
  nextBatch(): Batch {
    const indices = this.sampler.next();
    const all = this.data.allCaptions;
    const captions = Array.from(indices, (i) => (all && all[i].length > 1 ? all[i][this.captionRng.int(all[i].length)] : this.data.captions[i]));
    // Two views are always drawn, so that one-view and two-view runs of the same recipe get the same first view.
    const augment = runAugment(this.cfg);
    const views = [0, 1].map(() => planAugment(indices.length, this.augRng, augment)).slice(0, this.model.views);
    return { indices, captions, views };
  }

  /**
   * Moves a fresh trainer to `step` without training: it draws the batches an unbroken run would have drawn, so
   * the next step trains on the same batch as that run's.
   */
  skipTo(step: number): void {
    if (this.step !== 0 || this.pending) throw new Error('skipTo needs a trainer that has not stepped');
    for (let i = 0; i < step; i++) this.nextBatch();
    this.step = step;
  }

  /**
   * Makes the next step throw `error` from inside its loss computation, after its batch is drawn and its images
   * are built (a simulated device failure, for the fallback and its tests).
   */
  failNextStep(error: Error): void {
    this.fault = error;
  }

  private throwFault(): void {
    const fault = this.fault;
    this.fault = undefined;
    if (fault) throw fault;
  }

  /**
   * Queues one step on the device and returns at once: its batch, forward, backward and AdamW are recorded, and the
   * step counts as done. `report` resolves when the loss (and the scalars, in the same read) come back, so a caller
   * can queue the next step before it waits (a GPU then never idles on a read-back). A step that fails while it is
   * recorded throws here and keeps its batch for the retry; one that fails on the device rejects `report`.
   */
  queueStep(): QueuedStep {
    const t0 = performance.now();
    const batch = (this.pending ??= this.nextBatch());
    const { indices, captions, views } = batch;
    const lr = learningRate(this.step, this.cfg.lr, this.cfg.warmupSteps, this.cfg.steps, this.cfg.minLrRatio);
    const params = this.model.params;
    const lossTensor = tf.tidy(() => {
      const images = imageBatch(this.data, indices);
      const { value, grads } = tf.variableGrads(() => {
        this.throwFault();
        return this.model.loss({ indices, captions, images, views });
      }, params.list());
      const byName = new Map<string, tf.Tensor>();
      for (const [name, v] of params.vars) byName.set(name, grads[v.name]);
      this.optimizer.apply(byName, lr);
      return value;
    });
    this.model.afterStep();
    const readout = this.model.scalarReadout();
    this.pending = undefined;
    this.step += 1;
    const step = this.step;
    const epoch = this.sampler.epoch;
    // The loss and the scalars after the step's clamp are read together (one wait; no extra kernel to pack them).
    const report = Promise.all([lossTensor.data(), ...readout.tensors.map((t) => t.data())])
      .then(([loss, ...scalars]) => {
        const now = performance.now();
        // A step queued while the one before was still running took from that one's end to its own.
        const ms = now - Math.max(t0, this.lastDone);
        this.lastDone = now;
        return { step, epoch, loss: loss[0], lr, ms, imagesPerSec: (indices.length * 1000) / ms, scalars: readout.report(scalars.map((v) => v[0])) };
      })
      .finally(() => lossTensor.dispose());
    return { step, report };
  }

  /** One step, waited for. */
  async trainStep(): Promise<StepReport> {
    return this.queueStep().report;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * Trains `n` steps and returns their reports; with `ahead`, as the app's loop does on a GPU: each step is queued
 * before the loss of the one before is read back (a report's `ms` is then the time between two completions).
 */
export async function timedSteps(trainer: Trainer, n: number, ahead: boolean): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  let queued = n > 0 ? trainer.queueStep() : undefined;
  for (let i = 0; i < n; i++) {
    const next = ahead && i + 1 < n ? trainer.queueStep() : undefined;
    reports.push(await queued!.report);
    queued = next ?? (i + 1 < n ? trainer.queueStep() : undefined);
  }
  return reports;
}
