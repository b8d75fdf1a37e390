import { applyAugment, type AugmentPlan } from './augment';
import { type TrainConfig, usesGraph, usesTextTower, usesTwoViews } from './config';
import {
  CLIP_INIT_LOG_SCALE,
  clampLogScale,
  clipLoss,
  SIGLIP_INIT_BIAS,
  SIGLIP_INIT_SCALE,
  sigLipLoss,
  simClrLoss,
  twoViewGraph,
  xClipLoss,
  xSampleLoss,
} from './objectives';
import { Params } from './params';
import { Rng } from './rng';
import { initTextTower, textForward } from './textTower';
import * as tf from './tf';
import { Tokenizer } from './tokenizer';
import { initVit, vitForward, type VitOutput } from './vit';
import type { CaptionGraph } from '../text/captionGraph';

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
}

/** Weight streams: the image tower's initial weights depend on the seed alone, whatever the objective. */
export function visualRng(seed: number): Rng {
  return new Rng(seed * 4 + 1);
}
function textRng(seed: number): Rng {
  return new Rng(seed * 4 + 2);
}

/**
 * An image tower (ViT) trained with one objective; CLIP and SigLIP add a text tower and their learnable scalars.
 */
export class ContrastiveModel implements TrainableModel {
  readonly params = new Params();
  readonly tokenizer?: Tokenizer;
  readonly views: number;

  constructor(
    readonly cfg: TrainConfig,
    captions: readonly string[], // the vocabulary of the text tower comes from them
    private readonly graph?: CaptionGraph,
    vocab?: string[], // a saved tokenizer (from a checkpoint) instead of one built from the captions
  ) {
    const { model: m, objective, seed } = cfg;
    initVit(this.params, m, visualRng(seed));
    if (usesTextTower(objective)) {
      this.tokenizer = vocab ? new Tokenizer(vocab) : Tokenizer.fromCaptions(captions);
      initTextTower(this.params, m, this.tokenizer.size, textRng(seed));
    }
    if (objective === 'clip' || objective === 'xclip') this.params.addValues('logit_scale', [], new Float32Array([CLIP_INIT_LOG_SCALE]));
    if (objective === 'siglip') {
      this.params.addValues('logit_scale', [], new Float32Array([Math.log(SIGLIP_INIT_SCALE)]));
      this.params.addValues('logit_bias', [], new Float32Array([SIGLIP_INIT_BIAS]));
    }
    if (usesGraph(objective) && !graph) throw new Error(`${objective} needs a caption graph`);
    this.views = usesTwoViews(objective) ? 2 : 1;
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
    const { cfg } = this;
    const views = batch.views.map((plan) => applyAugment(batch.images, plan));
    const B = batch.indices.length;
    switch (cfg.objective) {
      case 'clip':
      case 'siglip': {
        const x = this.embedImages(views[0]);
        const y = this.embedCaptions(batch.captions);
        const theta = this.params.get('logit_scale') as tf.Scalar;
        return cfg.objective === 'clip' ? clipLoss(x, y, theta) : sigLipLoss(x, y, theta, this.params.get('logit_bias') as tf.Scalar);
      }
      case 'xclip': {
        const x = this.embedImages(views[0]);
        const y = this.embedCaptions(batch.captions);
        const g = tf.tensor2d(this.graph!.batch(batch.indices), [B, B]);
        return xClipLoss(x, y, this.params.get('logit_scale') as tf.Scalar, g, cfg.tauS);
      }
      case 'xsample': {
        const z = this.embedImages(tf.concat(views, 0) as tf.Tensor4D); // (2B, projDim): [view A; view B]
        const g = tf.tensor2d(this.graph!.batch(batch.indices), [B, B]);
        return xSampleLoss(z, twoViewGraph(g), cfg.tau, cfg.tauS);
      }
      case 'simclr': {
        const z = this.embedImages(tf.concat(views, 0) as tf.Tensor4D);
        return simClrLoss(z, cfg.tau);
      }
    }
  }

  /** CLIP clamps θ to [0, ln 100] after every step (on the device: no read-back). */
  afterStep(): void {
    if (this.cfg.objective !== 'clip' && this.cfg.objective !== 'xclip') return;
    const theta = this.params.get('logit_scale');
    tf.tidy(() => theta.assign(tf.clipByValue(theta, clampLogScale(-Infinity), clampLogScale(Infinity))));
  }

  async scalars(): Promise<Record<string, number>> {
    if (!usesTextTower(this.cfg.objective)) return {};
    const out: Record<string, number> = { logitScale: Math.exp((await this.params.get('logit_scale').data())[0]) };
    if (this.cfg.objective === 'siglip') out.logitBias = (await this.params.get('logit_bias').data())[0];
    return out;
  }

  dispose(): void {
    this.params.dispose();
  }
}
