import { applyAugment, type AugmentPlan } from './augment';
import type { TrainConfig } from './config';
import * as losses from './objectives';
import { Params } from './params';
import { Rng } from './rng';
import { initTextTower, textForward } from './textTower';
import * as tf from './tf';
import { Tokenizer } from './tokenizer';
import { initVit, vitForward, type VitOutput } from './vit';
import type { CaptionGraph } from './captionGraph';
import { type Maths, objectiveSpec, type ObjectiveSpec } from './registry';

/** One training batch as the trainer hands it to a model. */
export interface BatchInput {
  indices: Int32Array; // sample indices into the dataset
  captions: string[]; // one caption per image (drawn among several where an image has more)
  images: tf.Tensor4D; // (B, S, S, 3) in [0, 1], not augmented
  views: AugmentPlan[]; // one plan per view the model asked for
}

/** What the trainer needs of a model; it knows nothing else about it. */
export interface TrainableModel {
  readonly params: Params;
  readonly views: number;
  loss(batch: BatchInput): tf.Scalar;
  afterStep(): void;
  /** Scalars worth plotting (for example CLIP's logit scale t), read after a step. */
  scalars(): Promise<Record<string, number>>;
  /** The same scalars' stored values as tensors, to be read with the loss, and how the read values are reported. */
  scalarReadout(): { tensors: tf.Tensor[]; report(values: ArrayLike<number>): Record<string, number> };
}

const MATHS: Maths = { tf, losses };

/** Weight streams: the image tower's initial weights depend on the seed alone, whatever the objective. */
export function visualRng(seed: number): Rng {
  return new Rng(seed * 4 + 1);
}
function textRng(seed: number): Rng {
  return new Rng(seed * 4 + 2);
}

/**
 * An image tower (ViT) trained with one objective; the objective's record (core/registry) says whether a text tower
 * and which learnable scalars join it, and computes the loss.
 */
export class ContrastiveModel implements TrainableModel {
  readonly params = new Params();
  readonly tokenizer?: Tokenizer;
  readonly views: number;
  /** The objective's record: its towers, scalars, loss and after-step hook. */
  readonly spec: ObjectiveSpec;

  constructor(
    readonly cfg: TrainConfig,
    captions: readonly string[], // the vocabulary of the text tower comes from them
    private readonly graph?: CaptionGraph,
    vocab?: string[], // a saved tokenizer (from a checkpoint) instead of one built from the captions
  ) {
    const { model: m, objective, seed } = cfg;
    this.spec = objectiveSpec(objective);
    initVit(this.params, m, visualRng(seed));
    if (this.spec.textTower) {
      this.tokenizer = vocab ? new Tokenizer(vocab) : Tokenizer.fromCaptions(captions);
      initTextTower(this.params, m, this.tokenizer.size, textRng(seed));
    }
    for (const s of this.spec.scalars) this.params.addValues(s.param, [], new Float32Array([s.init(losses, cfg)]));
    if (this.spec.usesGraph && !graph) throw new Error(`${objective} needs a caption graph`);
    this.views = this.spec.views;
  }

  /** Unit image embeddings (B, projDim) of un-augmented images. */
  embedImages(images: tf.Tensor4D): tf.Tensor2D {
    return vitForward(this.params, this.cfg.model, images).embedding;
  }

  /** Pooled features (B, width) and unit embeddings (B, projDim). */
  encodeImages(images: tf.Tensor4D): VitOutput {
    return vitForward(this.params, this.cfg.model, images);
  }

  /** Unit caption embeddings (B, projDim) from the text tower. */
  embedCaptions(captions: readonly string[]): tf.Tensor2D {
    if (!this.tokenizer) throw new Error(`${this.cfg.objective} has no text tower`);
    const ids = this.tokenizer.encode(captions, this.cfg.model.maxTokens);
    return textForward(this.params, this.cfg.model, ids, captions.length);
  }

  loss(batch: BatchInput): tf.Scalar {
    const B = batch.indices.length;
    return this.spec.loss({
      ...MATHS,
      cfg: this.cfg,
      params: this.params,
      views: batch.views.map((plan) => applyAugment(batch.images, plan)),
      captions: batch.captions,
      embedImages: (images) => this.embedImages(images),
      embedCaptions: (captions) => this.embedCaptions(captions),
      graph: () => tf.tensor2d(this.graph!.batch(batch.indices), [B, B]),
    });
  }

  afterStep(): void {
    this.spec.afterStep?.(this.params, MATHS);
  }

  /** The objective's learnable scalars as reported (for example CLIP's t = exp(θ)). */
  async scalars(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const s of this.spec.scalars) out[s.report] = s.read((await this.params.get(s.param).data())[0]);
    return out;
  }

  scalarReadout(): { tensors: tf.Tensor[]; report(values: ArrayLike<number>): Record<string, number> } {
    const specs = this.spec.scalars;
    return {
      tensors: specs.map((s) => this.params.get(s.param)),
      report: (values) => Object.fromEntries(specs.map((s, i) => [s.report, s.read(values[i])])),
    };
  }

  dispose(): void {
    this.params.dispose();
  }
}
